import { Construct } from 'constructs';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { CodepipelineStageAction } from '@cdktf/provider-aws/lib/codepipeline';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LIFECYCLE_HOOKS, type LifecycleEvent } from '../../hooks/contract';
import type { EnvironmentConfig } from '../config/schema';
import type { EcsServiceRef, LoadBalancerRef } from '../service/refs';
import { IMAGE_PLACEHOLDER } from '../service/task-definition';
import { EnvironmentContext } from '../shared/context';
import { grant, passRolesToEcsTasks, serviceRole, type PolicyStatement } from '../shared/iam';
import type { Notifications } from '../shared/notifications';
import type { HookPlan } from '../validation/validation-hooks';
import { deploymentAlarms } from './deployment-alarms';
import type { DeployInputs, DeploymentEngine, DeploymentFilesSpec, EngineOutput, ImageFile } from './engine';
import { registerTaskDefinitionStatements, serviceArnOf } from './ecs-service-permissions';

export type DeploymentSettings = Pick<
  EnvironmentConfig['pipeline'],
  'trafficShift' | 'waitForRerouteMinutes' | 'terminationWaitMinutes' | 'alarms'
>;

export interface BlueGreenDeploymentProps {
  readonly service: EcsServiceRef;
  readonly loadBalancer: LoadBalancerRef;
  readonly settings: DeploymentSettings;
  /** Alarms notify it; failed and stopped deployments are forwarded to it. */
  readonly notifications: Notifications;
  /** The lifecycle hook functions CodeDeploy invokes. */
  readonly hookFunctionArns: readonly string[];
  /** What appspec.yaml and taskdef.json describe for each deployment. */
  readonly deploymentFiles: DeploymentFilesSpec;
}

/** The listener each smoke-testing CodeDeploy hook calls. */
const SMOKE_TESTS: Partial<Record<LifecycleEvent, 'test' | 'production'>> = {
  AfterAllowTestTraffic: 'test',
  AfterAllowTraffic: 'production',
};

/**
 * The hook functions CodeDeploy invokes: one per ECS lifecycle event, allowed to report their
 * status to this environment's deployment group only.
 */
export function codeDeployHookPlan(scope: Construct): HookPlan {
  const { names } = EnvironmentContext.of(scope);
  return {
    invokedBy: 'CodeDeploy',
    functions: LIFECYCLE_HOOKS.map(({ event, file }) => ({
      name: event,
      file,
      invokedAt: `CodeDeploy ${event}`,
      smokeTest: SMOKE_TESTS[event],
    })),
    roleName: names.hooksRole,
    securityGroupName: names.securityGroupHooks,
    statements: [
      {
        sid: 'ReportLifecycleStatus',
        actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
        resources: [codeDeployGroupArn(scope)],
      },
    ],
    apiUse: 'CodeDeploy API (status reports)',
  };
}

/**
 * The deployment group's ARN, built from names: the hook functions' permissions need it before the
 * group exists, and the group's own permissions need the functions in turn.
 */
export function codeDeployGroupArn(scope: Construct): string {
  const context = EnvironmentContext.of(scope);
  const { codeDeployApplication, deploymentGroup } = context.names;
  return context.arn('codedeploy', `deploymentgroup:${codeDeployApplication}/${deploymentGroup}`);
}

/**
 * The CodeDeploy engine: application and deployment group for the ECS service, blue/green with
 * traffic control over the PRD/QA listener pair, rolled back on failure or on any of its alarms.
 * The pipeline deploys through it with the CodeDeployToECS action and the static deployment files.
 */
export class BlueGreenDeployment extends Construct implements DeploymentEngine {
  /** CodeDeployToECS reads imageDetail.json ({"ImageURI": ...}). */
  readonly imageFile: ImageFile = { name: 'imageDetail.json', artifact: 'ImageDetail' };
  readonly deploymentFiles: DeploymentFilesSpec;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly outputs: Readonly<Record<string, EngineOutput>>;
  private readonly applicationArn: string;
  private readonly deploymentGroupArn: string;
  private readonly deploymentConfigArn: string;
  private readonly service: EcsServiceRef;

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentProps) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const { names } = context;
    const { settings, service } = props;
    this.service = service;
    this.deploymentFiles = props.deploymentFiles;
    const deploymentConfigName = `CodeDeployDefault.ECS${settings.trafficShift}`;
    this.deploymentConfigArn = context.arn('codedeploy', `deploymentconfig:${deploymentConfigName}`);
    const alarms = deploymentAlarms(this, {
      loadBalancer: props.loadBalancer,
      thresholds: settings.alarms,
      topicArn: props.notifications.topicArn,
    });
    const { roleArn, permissions } = this.serviceRole(props, alarms);

    const application = new CodedeployApp(this, 'application', {
      name: names.codeDeployApplication,
      computePlatform: 'ECS',
    });
    this.applicationName = application.name;
    this.applicationArn = application.arn;
    const group = this.deploymentGroup(props, {
      applicationName: application.name,
      deploymentConfigName,
      roleArn,
      alarmNames: alarms.map((alarm) => alarm.alarmName),
      permissions,
    });
    this.deploymentGroupName = group.deploymentGroupName;
    this.deploymentGroupArn = group.arn;
    props.notifications.forwardDeploymentFailures(names.codeDeployApplication, names.deploymentGroup);
    this.outputs = {
      codedeploy_application_name: { value: this.applicationName, description: 'CodeDeploy application' },
      codedeploy_deployment_group_name: { value: this.deploymentGroupName, description: 'CodeDeploy deployment group' },
    };
  }

  /** Blue/green with traffic control over the listener pair, rolled back on failure or alarm. */
  private deploymentGroup(
    props: BlueGreenDeploymentProps,
    parts: {
      applicationName: string;
      deploymentConfigName: string;
      roleArn: string;
      alarmNames: string[];
      permissions: IamRolePolicy;
    },
  ): CodedeployDeploymentGroup {
    const { settings, service } = props;
    const { listeners, targetGroups } = props.loadBalancer;
    return new CodedeployDeploymentGroup(this, 'deployment-group', {
      appName: parts.applicationName,
      deploymentGroupName: EnvironmentContext.of(this).names.deploymentGroup,
      serviceRoleArn: parts.roleArn,
      deploymentConfigName: parts.deploymentConfigName,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfig: {
        deploymentReadyOption:
          settings.waitForRerouteMinutes === 0
            ? { actionOnTimeout: 'CONTINUE_DEPLOYMENT' }
            : { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: settings.waitForRerouteMinutes },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: settings.terminationWaitMinutes,
        },
      },
      ecsService: { clusterName: service.clusterName, serviceName: service.serviceName },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          prodTrafficRoute: { listenerArns: [listeners.production.arn] },
          testTrafficRoute: { listenerArns: [listeners.test.arn] },
          targetGroup: [{ name: targetGroups.primary.name }, { name: targetGroups.secondary.name }],
        },
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarmConfiguration: { enabled: true, alarms: parts.alarmNames },
      // CodeDeploy checks what its role may do when the group is created.
      dependsOn: [parts.permissions],
    });
  }

  /** What CodeDeploy does to the service, the listeners and the alarms, and nothing else. */
  private serviceRole(
    props: BlueGreenDeploymentProps,
    alarms: readonly CloudwatchMetricAlarm[],
  ): { roleArn: string; permissions: IamRolePolicy } {
    const context = EnvironmentContext.of(this);
    const { clusterName, serviceName } = props.service;
    const { listeners } = props.loadBalancer;
    const role = serviceRole(this, 'role', {
      name: context.names.codeDeployRole,
      description: 'CodeDeploy: replaces task sets and swaps listener traffic for one ECS service',
      servicePrincipal: 'codedeploy.amazonaws.com',
      // No source-account condition: CodeDeploy is not documented to send aws:SourceAccount.
    });
    const permissions = grant(this, 'blue-green', role, [
      {
        sid: 'ManageTaskSetsOfThisService',
        actions: ['ecs:CreateTaskSet', 'ecs:DeleteTaskSet', 'ecs:DescribeServices', 'ecs:UpdateServicePrimaryTaskSet'],
        // Task set ids are generated per deployment.
        resources: [serviceArnOf(this, props.service), context.arn('ecs', `task-set/${clusterName}/${serviceName}/*`)],
      },
      {
        sid: 'DescribeLoadBalancing',
        actions: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups',
        ],
        resources: ['*'], // Describe* calls of Elastic Load Balancing have no resource-level permissions
      },
      {
        sid: 'SwapListeners',
        actions: ['elasticloadbalancing:ModifyListener'],
        resources: [listeners.production.arn, listeners.test.arn],
      },
      {
        sid: 'ReadDeploymentAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: alarms.map((alarm) => alarm.arn),
      },
      passRolesToEcsTasks(props.service.taskRoles),
      { sid: 'InvokeLifecycleHooks', actions: ['lambda:InvokeFunction'], resources: [...props.hookFunctionArns] },
    ]);
    return { roleArn: role.arn, permissions };
  }

  /** CodeDeployToECS: registers taskdef.json with the built image and deploys appspec.yaml. */
  deployAction(inputs: DeployInputs): CodepipelineStageAction {
    const deploymentFiles = inputs.deploymentFiles;
    if (!deploymentFiles) throw new Error('CodeDeployToECS needs the deployment files artifact');
    return {
      name: 'BlueGreen',
      category: 'Deploy',
      owner: 'AWS',
      provider: 'CodeDeployToECS',
      version: '1',
      inputArtifacts: [deploymentFiles, inputs.image],
      configuration: {
        ApplicationName: this.applicationName,
        DeploymentGroupName: this.deploymentGroupName,
        TaskDefinitionTemplateArtifact: deploymentFiles,
        TaskDefinitionTemplatePath: 'taskdef.json',
        AppSpecTemplateArtifact: deploymentFiles,
        AppSpecTemplatePath: 'appspec.yaml',
        Image1ArtifactName: inputs.image,
        Image1ContainerName: IMAGE_PLACEHOLDER,
      },
    };
  }

  /** The deploy action registers the revision and task definition and starts the deployment. */
  pipelineStatements(): PolicyStatement[] {
    return [
      {
        sid: 'RegisterRevision',
        actions: [
          'codedeploy:GetApplication',
          'codedeploy:GetApplicationRevision',
          'codedeploy:RegisterApplicationRevision',
        ],
        resources: [this.applicationArn],
      },
      {
        sid: 'StartDeployment',
        actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
        resources: [this.deploymentGroupArn],
      },
      {
        sid: 'ReadDeploymentConfig',
        actions: ['codedeploy:GetDeploymentConfig'],
        resources: [this.deploymentConfigArn],
      },
      // The deploy action registers taskdef.json, whose family is the service's.
      ...registerTaskDefinitionStatements(this, this.service),
    ];
  }
}
