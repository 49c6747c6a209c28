import type { HookName } from '../../hooks/contract';

/**
 * Every AWS name in an environment is derived here, from `<app>-<env>`, so dev and prod
 * can share one account and the limits below are checked before anything is synthesized.
 */

/**
 * The pipeline's stages, and the Source stage's action that fetches the application: `bluegreen`
 * reads runs by these names.
 */
export const PIPELINE_STAGES = {
  source: 'Source',
  build: 'Build',
  /** Promoted environments: copy the upstream's image by digest, instead of building. */
  import: 'Import',
  /** Promoted environments with an approval: a person approves the copied image. */
  approve: 'Approve',
  deploy: 'Deploy',
  /** Environments others promote from: start their pipelines with the image just deployed. */
  promote: 'Promote',
} as const;
export const APPLICATION_ACTION = 'Application';

/** What a pipeline's stage list depends on. */
interface StageShape {
  readonly promotedFrom?: unknown;
  readonly approval: boolean;
  readonly promotesTo: readonly unknown[];
}

/** The stages of an environment's pipeline, in order: the stack builds them, `bluegreen` reads runs by them. */
export function pipelineStages({ promotedFrom, approval, promotesTo }: StageShape): string[] {
  const s = PIPELINE_STAGES;
  return [
    s.source,
    ...(promotedFrom ? [s.import, ...(approval ? [s.approve] : [])] : [s.build]),
    s.deploy,
    ...(promotesTo.length > 0 ? [s.promote] : []),
  ];
}

/**
 * Variables a promoted environment's pipeline is started with (CodePipeline V2 pipeline variables):
 * the upstream's Promote step sets them, the Import step and the approval read them.
 */
export const PROMOTION_VARIABLES = {
  digest: 'ImageDigest',
  commit: 'CommitId',
  upstreamDeployment: 'UpstreamDeploymentId',
  upstreamExecution: 'UpstreamExecutionId',
} as const;

/** Maximum length AWS accepts for each kind of name. */
export const NAME_LIMITS = {
  loadBalancer: 32,
  primaryTargetGroup: 32,
  secondaryTargetGroup: 32,
  cluster: 255,
  service: 255,
  taskFamily: 255,
  repository: 256,
  buildCacheRepository: 256,
  executionRole: 64,
  taskRole: 64,
  securityGroupAlb: 255,
  securityGroupService: 255,
  sourceRepository: 100,
  sourceConnection: 32,
  buildProject: 255,
  buildRole: 64,
  pipeline: 100,
  pipelineRole: 64,
  pipelineTriggerRole: 64,
  pipelineTriggerRule: 64,
  codeDeployApplication: 100,
  deploymentGroup: 100,
  codeDeployRole: 64,
  artifactBucket: 63,
  notificationTopic: 256,
  pipelineFailedRule: 64,
  deploymentFailedRule: 64,
  hooksRole: 64,
  flowLogsRole: 64,
  securityGroupHooks: 255,
  securityGroupEndpoints: 255,
  hookBeforeInstall: 64,
  hookAfterInstall: 64,
  hookAfterAllowTestTraffic: 64,
  hookBeforeAllowTraffic: 64,
  hookAfterAllowTraffic: 64,
  hookEcsAfterTestTraffic: 64,
  hookEcsAfterProductionTraffic: 64,
  ecsHooksRole: 64,
  securityGroupEcsHooks: 255,
  ecsInfrastructureRole: 64,
  ecsHookInvokeRole: 64,
  approvalParameterPrefix: 900,
  promoteProject: 255,
  promoteRole: 64,
  importProject: 255,
  importRole: 64,
  promotionStartRole: 64,
} as const;

export type ResourceNames = { readonly [K in keyof typeof NAME_LIMITS]: string } & {
  /** `<app>-<env>`: the prefix every name starts with. */
  readonly prefix: string;
  readonly logGroup: string;
  readonly buildLogGroup: string;
  readonly keyAlias: string;
  readonly alarmPrefix: string;
  readonly flowLogGroup: string;
  readonly promoteLogGroup: string;
  readonly importLogGroup: string;
};

export function resourceNames(
  app: string,
  environment: string,
  accountId = '000000000000',
  region = 'us-east-1',
): ResourceNames {
  const prefix = `${app}-${environment}`;
  return {
    prefix,
    loadBalancer: `${prefix}-alb`,
    primaryTargetGroup: `${prefix}-primary`,
    secondaryTargetGroup: `${prefix}-secondary`,
    cluster: prefix,
    service: prefix,
    taskFamily: prefix,
    repository: prefix,
    buildCacheRepository: `${prefix}-build-cache`,
    executionRole: `${prefix}-ecs-execution`,
    taskRole: `${prefix}-ecs-task`,
    securityGroupAlb: `${prefix}-alb`,
    securityGroupService: `${prefix}-service`,
    logGroup: `/ecs/${prefix}`,
    sourceRepository: prefix,
    sourceConnection: prefix,
    buildProject: `${prefix}-image`,
    buildRole: `${prefix}-codebuild`,
    buildLogGroup: `/codebuild/${prefix}-image`,
    pipeline: prefix,
    pipelineRole: `${prefix}-codepipeline`,
    pipelineTriggerRole: `${prefix}-pipeline-trigger`,
    pipelineTriggerRule: `${prefix}-on-push`,
    codeDeployApplication: prefix,
    deploymentGroup: prefix,
    codeDeployRole: `${prefix}-codedeploy`,
    // Bucket names are global: the account and region make them unique.
    artifactBucket: `${prefix}-artifacts-${accountId}-${region}`,
    keyAlias: `alias/${prefix}-delivery`,
    notificationTopic: `${prefix}-delivery-events`,
    pipelineFailedRule: `${prefix}-pipeline-failed`,
    deploymentFailedRule: `${prefix}-deployment-failed`,
    alarmPrefix: `${prefix}-`,
    hooksRole: `${prefix}-codedeploy-hooks`,
    flowLogsRole: `${prefix}-vpc-flow-logs`,
    flowLogGroup: `/vpc/${prefix}/flow-logs`,
    securityGroupHooks: `${prefix}-codedeploy-hooks`,
    securityGroupEndpoints: `${prefix}-endpoints`,
    // Build once, promote: the upstream's step that starts downstream pipelines, the downstream's copy
    // step, and the role the upstream assumes to start the downstream pipeline.
    promoteProject: `${prefix}-promote`,
    promoteRole: `${prefix}-promote`,
    promoteLogGroup: `/codebuild/${prefix}-promote`,
    importProject: `${prefix}-import`,
    importRole: `${prefix}-import`,
    importLogGroup: `/codebuild/${prefix}-import`,
    promotionStartRole: `${prefix}-promotion-start`,
    ...hookAndEngineNames(prefix, app, environment),
  };
}

/** The hook functions of both engines, the ECS engine's roles and the operator's approval parameters. */
function hookAndEngineNames(prefix: string, app: string, environment: string) {
  return {
    // CodeDeploy's documentation and managed policies expect hook functions named CodeDeployHook_*.
    hookBeforeInstall: `CodeDeployHook_${prefix}-before-install`,
    hookAfterInstall: `CodeDeployHook_${prefix}-after-install`,
    hookAfterAllowTestTraffic: `CodeDeployHook_${prefix}-after-allow-test-traffic`,
    hookBeforeAllowTraffic: `CodeDeployHook_${prefix}-before-allow-traffic`,
    hookAfterAllowTraffic: `CodeDeployHook_${prefix}-after-allow-traffic`,
    // The ECS engine's hooks, their roles and the operator's approval signals.
    hookEcsAfterTestTraffic: `${prefix}-ecs-after-test-traffic`,
    hookEcsAfterProductionTraffic: `${prefix}-ecs-after-production-traffic`,
    ecsHooksRole: `${prefix}-ecs-hooks`,
    securityGroupEcsHooks: `${prefix}-ecs-hooks`,
    ecsInfrastructureRole: `${prefix}-ecs-infrastructure`,
    ecsHookInvokeRole: `${prefix}-ecs-hook-invoke`,
    approvalParameterPrefix: `/${app}/${environment}/approvals`,
  };
}

/** Names that exceed their AWS limit, as readable sentences. */
export function namesOverLimit(names: ResourceNames): string[] {
  return (Object.keys(NAME_LIMITS) as (keyof typeof NAME_LIMITS)[])
    .filter((key) => names[key].length > NAME_LIMITS[key])
    .map((key) => `${key} name "${names[key]}" is ${names[key].length} characters (AWS limit ${NAME_LIMITS[key]})`);
}

/** The longest `<app>-<env>` prefix for which every derived name fits. */
export const MAX_PREFIX_LENGTH = Math.min(
  ...(Object.keys(NAME_LIMITS) as (keyof typeof NAME_LIMITS)[]).map(
    (key) => NAME_LIMITS[key] - (resourceNames('a', 'b', '000000000000', 'ap-southeast-2')[key].length - 'a-b'.length),
  ),
);

/** Name of the Lambda function for a lifecycle hook. */
export function hookFunctionName(names: ResourceNames, event: HookName): string {
  return names[`hook${event}`];
}
