import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { ArnBuilder } from './config/names';
import { grant, serviceRole, type PolicyStatement } from './iam';
import type { TargetGroupRef } from './load-balancer';

export interface AlarmThresholds {
  /** Target 5xx responses per minute on either target group. */
  readonly target5xxPerMinute: number;
  /** Load balancer 5xx responses per minute. */
  readonly loadBalancer5xxPerMinute: number;
  /** Consecutive minutes over the threshold before an alarm fires. */
  readonly evaluationMinutes: number;
}

export interface BlueGreenDeploymentProps {
  readonly names: { codeDeployApplication: string; deploymentGroup: string; codeDeployRole: string; alarmPrefix: string };
  readonly arn: ArnBuilder;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  readonly primaryTargetGroup: TargetGroupRef;
  readonly secondaryTargetGroup: TargetGroupRef;
  readonly loadBalancerArnSuffix: string;
  /** Roles the task definitions name; CodeDeploy passes them when it creates task sets. */
  readonly taskRoles: readonly IamRole[];
  /** Predefined ECS deployment configuration, e.g. "AllAtOnce" -> CodeDeployDefault.ECSAllAtOnce. */
  readonly trafficShift: string;
  /** 0: reroute as soon as the replacement is ready; N: wait N minutes for an operator. */
  readonly waitForRerouteMinutes: number;
  readonly terminationWaitMinutes: number;
  readonly alarms: AlarmThresholds;
  /** Topic alarms notify. */
  readonly notificationTopicArn: string;
  /** Extra statements for the CodeDeploy role (reading the revision, invoking hooks). */
  readonly extraPermissions?: readonly PolicyStatement[];
}

/**
 * CodeDeploy application and deployment group for the ECS service: blue/green with traffic
 * control over the PRD/QA listener pair, rolled back on failure or on any of its alarms.
 */
export class BlueGreenDeployment extends Construct {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly applicationArn: string;
  readonly deploymentGroupArn: string;
  readonly deploymentConfigName: string;
  readonly deploymentConfigArn: string;
  readonly alarmNames: string[];

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentProps) {
    super(scope, id);
    this.deploymentConfigName = `CodeDeployDefault.ECS${props.trafficShift}`;
    this.deploymentConfigArn = props.arn('codedeploy', `deploymentconfig:${this.deploymentConfigName}`);

    const alarms = this.createAlarms(props);
    this.alarmNames = alarms.map((alarm) => alarm.alarmName);

    const role = serviceRole(this, 'role', {
      name: props.names.codeDeployRole,
      description: 'CodeDeploy: replaces task sets and swaps listener traffic for one ECS service',
      servicePrincipal: 'codedeploy.amazonaws.com',
      // No source-account condition: CodeDeploy is not documented to send aws:SourceAccount.
    });
    const serviceArn = props.arn('ecs', `service/${props.clusterName}/${props.serviceName}`);
    const permissions = grant(this, 'blue-green', role, [
      {
        sid: 'ManageTaskSetsOfThisService',
        actions: ['ecs:CreateTaskSet', 'ecs:DeleteTaskSet', 'ecs:DescribeServices', 'ecs:UpdateServicePrimaryTaskSet'],
        // Task set ids are generated per deployment.
        resources: [serviceArn, props.arn('ecs', `task-set/${props.clusterName}/${props.serviceName}/*`)],
      },
      {
        sid: 'DescribeLoadBalancing',
        actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups'],
        resources: ['*'], // Describe* calls of Elastic Load Balancing have no resource-level permissions
      },
      {
        sid: 'SwapListeners',
        actions: ['elasticloadbalancing:ModifyListener'],
        resources: [props.productionListenerArn, props.testListenerArn],
      },
      { sid: 'ReadDeploymentAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: alarms.map((alarm) => alarm.arn) },
      {
        sid: 'PassTaskRoles',
        actions: ['iam:PassRole'],
        resources: props.taskRoles.map((role) => role.arn),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      ...(props.extraPermissions ?? []),
    ]);

    const application = new CodedeployApp(this, 'application', {
      name: props.names.codeDeployApplication,
      computePlatform: 'ECS',
    });
    this.applicationName = application.name;
    this.applicationArn = application.arn;

    const group = new CodedeployDeploymentGroup(this, 'deployment-group', {
      appName: application.name,
      deploymentGroupName: props.names.deploymentGroup,
      serviceRoleArn: role.arn,
      deploymentConfigName: this.deploymentConfigName,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfig: {
        deploymentReadyOption:
          props.waitForRerouteMinutes === 0
            ? { actionOnTimeout: 'CONTINUE_DEPLOYMENT' }
            : { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: props.waitForRerouteMinutes },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: props.terminationWaitMinutes,
        },
      },
      ecsService: { clusterName: props.clusterName, serviceName: props.serviceName },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          prodTrafficRoute: { listenerArns: [props.productionListenerArn] },
          testTrafficRoute: { listenerArns: [props.testListenerArn] },
          targetGroup: [{ name: props.primaryTargetGroup.name }, { name: props.secondaryTargetGroup.name }],
        },
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarmConfiguration: { enabled: true, alarms: this.alarmNames },
      // CodeDeploy checks what its role may do when the group is created.
      dependsOn: [permissions],
    });
    this.deploymentGroupName = group.deploymentGroupName;
    this.deploymentGroupArn = group.arn;
  }

  /**
   * 5xx and unhealthy-host alarms on both target groups (which one is live changes with every
   * deployment) and 5xx on the load balancer itself. Missing data (an idle group) is not a breach.
   */
  private createAlarms(props: BlueGreenDeploymentProps): CloudwatchMetricAlarm[] {
    const loadBalancer = { LoadBalancer: props.loadBalancerArnSuffix };
    const alarm = (suffix: string, description: string, metricName: string, statistic: string, threshold: number, dimensions: Record<string, string>) =>
      new CloudwatchMetricAlarm(this, suffix, {
        alarmName: `${props.names.alarmPrefix}${suffix}`,
        alarmDescription: `${description}. Stops and rolls back a running deployment.`,
        namespace: 'AWS/ApplicationELB',
        metricName,
        statistic,
        dimensions,
        period: 60,
        evaluationPeriods: props.alarms.evaluationMinutes,
        datapointsToAlarm: props.alarms.evaluationMinutes,
        threshold,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [props.notificationTopicArn],
      });
    const perGroup = (label: string, group: TargetGroupRef) => {
      const dimensions = { ...loadBalancer, TargetGroup: group.arnSuffix };
      return [
        alarm(`${label}-target-5xx`, `Targets in the ${label} target group answer 5xx`, 'HTTPCode_Target_5XX_Count', 'Sum', props.alarms.target5xxPerMinute, dimensions),
        alarm(`${label}-unhealthy-hosts`, `The ${label} target group has unhealthy targets`, 'UnHealthyHostCount', 'Maximum', 1, dimensions),
      ];
    };
    return [
      ...perGroup('primary', props.primaryTargetGroup),
      ...perGroup('secondary', props.secondaryTargetGroup),
      alarm('alb-5xx', 'The load balancer answers 5xx itself', 'HTTPCode_ELB_5XX_Count', 'Sum', props.alarms.loadBalancer5xxPerMinute, loadBalancer),
    ];
  }
}
