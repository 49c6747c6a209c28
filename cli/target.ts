import { ServiceDeploymentLifecycleStage } from '@aws-sdk/client-ecs';
import { ECS_LIFECYCLE_HOOKS, LIFECYCLE_HOOKS } from '../hooks/contract';
import { hookFunctionName, pipelineStages, resourceNames } from '../stacks/config/names';
import type { EnvironmentConfig } from '../stacks/config/schema';
import { deploymentWaitingTime } from '../stacks/config/waiting-time';

/**
 * The lifecycle events of a CodeDeploy blue/green deployment on ECS, in order (CodeDeploy user guide,
 * "What happens during an Amazon ECS deployment"): what GetDeploymentTarget reports as lifecycleEvents.
 */
export const CODEDEPLOY_ECS_STEPS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

/** Everything the CLI looks at in one environment, derived from its validated config (no Terraform state). */
export interface Target {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly engine: 'codedeploy' | 'ecs';
  readonly cluster: string;
  readonly service: string;
  /** The task definition's container, and the environment's ECR repository (images tagged with their commit). */
  readonly container: string;
  readonly repository: string;
  readonly pipeline: string;
  readonly codeDeployApplication: string;
  readonly deploymentGroup: string;
  readonly loadBalancer: string;
  readonly targetGroups: { readonly primary: string; readonly secondary: string };
  readonly productionPort: number;
  readonly testPort: number;
  readonly alarmPrefix: string;
  /** Hook function name -> its log group. */
  readonly hookLogGroups: Readonly<Record<string, string>>;
  readonly approvalParameterPrefix: string;
  /** Minutes a deployment may take by its configuration (the waits at their longest). */
  readonly expectedMinutes: number;
  readonly operatorWaitMinutes: number;
  /** The pipeline's stages, and the deployment's lifecycle steps on this engine: what --until may name. */
  readonly pipelineStages: readonly string[];
  readonly lifecycleSteps: readonly string[];
  /** The environment whose images this one deploys (by digest), and whether a person approves each. */
  readonly promotedFrom?: string;
  readonly approval: boolean;
  /** The environments that promote from this one. */
  readonly promotesTo: readonly string[];
}

export function targetOf(config: EnvironmentConfig): Target {
  const names = resourceNames(config.app, config.name, config.accountId, config.region);
  const engine = config.pipeline.engine;
  const hooks = engine === 'ecs' ? ECS_LIFECYCLE_HOOKS.map((h) => h.hook) : LIFECYCLE_HOOKS.map((h) => h.event);
  return {
    environment: config.name,
    accountId: config.accountId,
    region: config.region,
    engine,
    cluster: names.cluster,
    service: names.service,
    container: config.container.name,
    repository: names.repository,
    pipeline: names.pipeline,
    codeDeployApplication: names.codeDeployApplication,
    deploymentGroup: names.deploymentGroup,
    loadBalancer: names.loadBalancer,
    targetGroups: { primary: names.primaryTargetGroup, secondary: names.secondaryTargetGroup },
    productionPort: config.loadBalancer.productionPort,
    testPort: config.loadBalancer.testPort,
    alarmPrefix: names.alarmPrefix,
    hookLogGroups: Object.fromEntries(
      hooks.map((hook) => [hookFunctionName(names, hook), `/aws/lambda/${hookFunctionName(names, hook)}`]),
    ),
    approvalParameterPrefix: names.approvalParameterPrefix,
    expectedMinutes: deploymentWaitingTime(config).totalMinutes,
    operatorWaitMinutes: config.pipeline.waitForRerouteMinutes,
    pipelineStages: pipelineStages({
      promotedFrom: config.promotion.from,
      approval: config.promotion.approval,
      promotesTo: config.promotion.to,
    }),
    // ECS: the service deployment's lifecycle stages as the ECS API model names them.
    lifecycleSteps: engine === 'ecs' ? Object.values(ServiceDeploymentLifecycleStage) : [...CODEDEPLOY_ECS_STEPS],
    promotedFrom: config.promotion.from?.name,
    approval: config.promotion.approval,
    promotesTo: config.promotion.to.map((peer) => peer.name),
  };
}
