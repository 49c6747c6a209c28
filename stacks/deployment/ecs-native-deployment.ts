import { Construct } from 'constructs';
import type { CodepipelineStageAction } from '@cdktf/provider-aws/lib/codepipeline';
import type { EcsServiceDeploymentConfiguration } from '@cdktf/provider-aws/lib/ecs-service';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { ECS_LIFECYCLE_HOOKS, type EcsHook } from '../../hooks/contract';
import { ECS_DEFAULT_CALLBACK_SECONDS, ECS_DEPLOY_TIMEOUT_MAX_MINUTES, type EnvironmentConfig } from '../config/schema';
import { trafficShift } from '../config/traffic-shift';
import type { EcsBlueGreenService } from '../service/fargate-service';
import type { ListenerRulePair, LoadBalancerRef } from '../service/refs';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole, type PolicyStatement } from '../shared/iam';
import type { Notifications } from '../shared/notifications';
import type { HookFunction, HookPlan } from '../validation/validation-hooks';
import { deploymentAlarms } from './deployment-alarms';
import type { DeployInputs, DeploymentEngine, EngineOutput, ImageFile } from './engine';
import { registerTaskDefinitionStatements, serviceArnOf } from './ecs-service-permissions';

export type EcsDeploymentSettings = Pick<
  EnvironmentConfig['pipeline'],
  'trafficShift' | 'waitForRerouteMinutes' | 'terminationWaitMinutes' | 'alarms' | 'deployTimeoutMinutes'
>;

export interface EcsNativeDeploymentProps {
  /** A service created with the ECS deployment controller. */
  readonly service: EcsBlueGreenService;
  /** A load balancer that routes through listener rules. */
  readonly loadBalancer: LoadBalancerRef;
  readonly settings: EcsDeploymentSettings;
  /** Alarms notify it; failed and rolled-back deployments are forwarded to it. */
  readonly notifications: Notifications;
  /** The functions of ecsHookPlan(), deployed. */
  readonly hooks: readonly HookFunction[];
}

/** The lifecycle stage each ECS hook runs at. */
const STAGE_OF: Readonly<Record<EcsHook, string>> = Object.fromEntries(
  ECS_LIFECYCLE_HOOKS.map(({ hook, stage }) => [hook, stage]),
) as Record<EcsHook, string>;

/**
 * The hook functions ECS invokes: a smoke test through the test listener after test traffic shifted
 * (followed, with an operator wait, by the approval wait) and one through the production listener
 * after production traffic shifted. With an operator wait they may read this environment's approval
 * parameters, and nothing else.
 */
export function ecsHookPlan(
  scope: Construct,
  settings: Pick<EnvironmentConfig['pipeline'], 'waitForRerouteMinutes'>,
  hooks: Pick<EnvironmentConfig['hooks'], 'callBackDelaySeconds'>,
): HookPlan {
  const context = EnvironmentContext.of(scope);
  const { names } = context;
  const approval =
    settings.waitForRerouteMinutes > 0
      ? {
          parameterPrefix: names.approvalParameterPrefix,
          waitMinutes: settings.waitForRerouteMinutes,
          callBackDelaySeconds: hooks.callBackDelaySeconds ?? ECS_DEFAULT_CALLBACK_SECONDS,
        }
      : undefined;
  return {
    invokedBy: 'ECS',
    functions: ECS_LIFECYCLE_HOOKS.map(({ hook, stage, file }) => ({
      name: hook,
      file,
      invokedAt: `ECS ${stage}`,
      smokeTest: stage === 'POST_TEST_TRAFFIC_SHIFT' ? 'test' : 'production',
      approval: stage === 'POST_TEST_TRAFFIC_SHIFT' ? approval : undefined,
    })),
    roleName: names.ecsHooksRole,
    securityGroupName: names.securityGroupEcsHooks,
    statements: approval
      ? [
          {
            sid: 'ReadApprovalSignals',
            actions: ['ssm:GetParameter'],
            // SSM parameter ARNs drop the name's leading slash: parameter/<app>/<env>/approvals/<revision>.
            resources: [context.arn('ssm', `parameter${approval.parameterPrefix}/*`)],
          },
          {
            // The service's first deployment is not held for an operator: the hook counts its deployments.
            // The ECS guide ("Permissions required for viewing Amazon ECS service deployments") scopes
            // ListServiceDeployments to the service's ARN.
            sid: 'CountServiceDeployments',
            actions: ['ecs:ListServiceDeployments'],
            resources: [serviceArnOf(scope, { clusterName: names.cluster, serviceName: names.service })],
          },
        ]
      : [],
    apiUse: approval ? 'SSM and ECS APIs (approval signals, first deployment)' : undefined,
  };
}

/**
 * The ECS-native engine: the service's own blue/green deployment (strategy BLUE_GREEN, CANARY or
 * LINEAR) shifts the weights of the listener rules between the target groups, runs the hook
 * functions at their stages, bakes, and rolls back on a failed hook, a deployment alarm or tasks
 * that never become healthy. The pipeline deploys through CodePipeline's ECS action with
 * imagedefinitions.json.
 */
export class EcsNativeDeployment extends Construct implements DeploymentEngine {
  /** The ECS action reads imagedefinitions.json ([{"name": <container>, "imageUri": ...}]). */
  readonly imageFile: ImageFile = { name: 'imagedefinitions.json', artifact: 'ImageDefinitions' };
  readonly outputs: Readonly<Record<string, EngineOutput>>;
  private readonly service: EcsBlueGreenService;
  private readonly settings: EcsDeploymentSettings;

  constructor(scope: Construct, id: string, props: EcsNativeDeploymentProps) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const { service, settings, loadBalancer } = props;
    this.service = service;
    this.settings = settings;
    const rules = loadBalancer.rules;
    if (!rules) throw new Error('The ECS engine needs a load balancer that routes through listener rules');

    const alarms = deploymentAlarms(this, {
      loadBalancer,
      thresholds: settings.alarms,
      topicArn: props.notifications.topicArn,
    });
    const infrastructure = this.infrastructureRole(loadBalancer, rules);
    const invoker = this.hookInvokeRole(props.hooks);
    service.useEcsBlueGreen({
      deploymentConfiguration: this.deploymentConfiguration(props.hooks, invoker.roleArn),
      advancedConfiguration: {
        alternateTargetGroupArn: loadBalancer.targetGroups.secondary.arn,
        productionListenerRule: rules.production.arn,
        testListenerRule: rules.test.arn,
        roleArn: infrastructure.roleArn,
      },
      alarmNames: alarms.map((alarm) => alarm.alarmName),
      after: [infrastructure.permissions, invoker.permissions],
    });
    props.notifications.forwardServiceDeploymentFailures(serviceArnOf(this, this.service));
    this.outputs =
      settings.waitForRerouteMinutes > 0
        ? {
            approval_parameter_prefix: {
              value: context.names.approvalParameterPrefix,
              description: 'Approve a waiting deployment: write "approved" to <prefix>/<service revision id>',
            },
          }
        : {};
  }

  /** The strategy for the traffic shift, its steps, the bake time and the hooks at their stages. */
  private deploymentConfiguration(
    hooks: readonly HookFunction[],
    invokerRoleArn: string,
  ): EcsServiceDeploymentConfiguration {
    const shift = trafficShift(this.settings.trafficShift);
    return {
      strategy: shift.kind === 'canary' ? 'CANARY' : shift.kind === 'linear' ? 'LINEAR' : 'BLUE_GREEN',
      bakeTimeInMinutes: String(this.settings.terminationWaitMinutes),
      ...(shift.kind === 'canary'
        ? { canaryConfiguration: { canaryPercent: shift.percent, canaryBakeTimeInMinutes: String(shift.minutes) } }
        : {}),
      ...(shift.kind === 'linear'
        ? { linearConfiguration: { stepPercent: shift.percent, stepBakeTimeInMinutes: String(shift.everyMinutes) } }
        : {}),
      lifecycleHook: hooks.map((hook) => ({
        hookTargetArn: hook.arn,
        roleArn: invokerRoleArn,
        lifecycleStages: [STAGE_OF[hook.name as EcsHook]],
      })),
    };
  }

  /**
   * What ECS does to the load balancer during a deployment: shift the two rules' weights and
   * register the new revision's tasks in the target groups. The managed policy
   * AmazonECSInfrastructureRolePolicyForLoadBalancers allows this on every load balancer of the
   * account; this role may touch exactly this environment's rules and target groups.
   */
  private infrastructureRole(
    loadBalancer: LoadBalancerRef,
    rules: ListenerRulePair,
  ): { roleArn: string; permissions: IamRolePolicy } {
    const { primary, secondary } = loadBalancer.targetGroups;
    const role = serviceRole(this, 'infrastructure-role', {
      name: EnvironmentContext.of(this).names.ecsInfrastructureRole,
      description: 'ECS: shifts listener-rule weights and registers tasks for one service',
      servicePrincipal: 'ecs.amazonaws.com',
      // No source-account condition: the ECS infrastructure role's documented trust policy has none.
    });
    const permissions = grant(this, 'load-balancing', role, [
      {
        sid: 'DescribeLoadBalancing',
        actions: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
        ],
        resources: ['*'], // Describe* calls of Elastic Load Balancing have no resource-level permissions
      },
      {
        sid: 'ShiftRuleWeights',
        actions: ['elasticloadbalancing:ModifyRule'],
        resources: [rules.production.arn, rules.test.arn],
      },
      {
        sid: 'RegisterTasks',
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: [primary.arn, secondary.arn],
      },
    ]);
    return { roleArn: role.arn, permissions };
  }

  /** ECS invokes exactly the hook functions, and nothing else, with this role. */
  private hookInvokeRole(hooks: readonly HookFunction[]): { roleArn: string; permissions: IamRolePolicy } {
    const role = serviceRole(this, 'hook-invoke-role', {
      name: EnvironmentContext.of(this).names.ecsHookInvokeRole,
      description: 'ECS: invokes the lifecycle hook functions of one service',
      servicePrincipal: 'ecs.amazonaws.com',
      // No source-account condition, as for the infrastructure role.
    });
    const permissions = grant(this, 'invoke-hooks', role, [
      { sid: 'InvokeLifecycleHooks', actions: ['lambda:InvokeFunction'], resources: hooks.map((hook) => hook.arn) },
    ]);
    return { roleArn: role.arn, permissions };
  }

  /**
   * CodePipeline's ECS action: registers a revision of the service's task definition with the new
   * image and updates the service, then waits for the deployment (hooks, canary, bake) to finish.
   */
  deployAction(inputs: DeployInputs): CodepipelineStageAction {
    return {
      name: 'EcsBlueGreen',
      category: 'Deploy',
      owner: 'AWS',
      provider: 'ECS',
      version: '1',
      inputArtifacts: [inputs.image],
      configuration: {
        ClusterName: this.service.clusterName,
        ServiceName: this.service.serviceName,
        FileName: this.imageFile.name,
        DeploymentTimeout: String(this.settings.deployTimeoutMinutes ?? ECS_DEPLOY_TIMEOUT_MAX_MINUTES),
      },
    };
  }

  /**
   * The ECS standard action's permissions (CodePipeline user guide, "Service role permissions: Amazon
   * ECS standard action"), scoped to this service, its tasks and its task-definition family.
   */
  pipelineStatements(): PolicyStatement[] {
    const context = EnvironmentContext.of(this);
    const { clusterName, taskDefinitionFamily } = this.service;
    return [
      {
        sid: 'UpdateService',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [serviceArnOf(this, this.service)],
      },
      {
        sid: 'WatchTasks',
        actions: ['ecs:DescribeTasks'],
        resources: [context.arn('ecs', `task/${clusterName}/*`)], // task ids are generated per task
      },
      {
        sid: 'ReadTaskDefinitionsAndTasks',
        actions: ['ecs:DescribeTaskDefinition', 'ecs:ListTasks'],
        // DescribeTaskDefinition has no resource-level permissions; ListTasks' only resource type is the
        // container instance, which Fargate services have none of.
        resources: ['*'],
      },
      ...registerTaskDefinitionStatements(this, this.service),
      {
        // The action registers the new revision with the tags of the one it copies (the stack's default tags).
        sid: 'TagNewRevisions',
        actions: ['ecs:TagResource'],
        resources: [context.arn('ecs', `task-definition/${taskDefinitionFamily}:*`)],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      },
    ];
  }
}
