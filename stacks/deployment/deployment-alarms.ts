import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { EnvironmentConfig } from '../config/schema';
import type { LoadBalancerRef, TargetGroupRef } from '../service/refs';
import { EnvironmentContext } from '../shared/context';

export type AlarmThresholds = EnvironmentConfig['pipeline']['alarms'];

interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metricName: string;
  readonly statistic: string;
  readonly threshold: number;
  readonly dimensions: Record<string, string>;
}

/**
 * 5xx and unhealthy-host alarms on both target groups (which one is live changes with every
 * deployment) and 5xx on the load balancer itself. Missing data (an idle group) is not a breach.
 * Each notifies the topic and stops a running deployment, which then rolls back.
 */
export interface DeploymentAlarmsProps {
  readonly loadBalancer: LoadBalancerRef;
  readonly thresholds: AlarmThresholds;
  /** Notified when an alarm fires. */
  readonly topicArn: string;
}

export function deploymentAlarms(scope: Construct, props: DeploymentAlarmsProps): CloudwatchMetricAlarm[] {
  const { loadBalancer, thresholds } = props;
  const onLoadBalancer = { LoadBalancer: loadBalancer.arnSuffix };
  const perGroup = (label: string, group: TargetGroupRef): AlarmSpec[] => {
    const dimensions = { ...onLoadBalancer, TargetGroup: group.arnSuffix };
    return [
      {
        id: `${label}-target-5xx`,
        description: `Targets in the ${label} target group answer 5xx`,
        metricName: 'HTTPCode_Target_5XX_Count',
        statistic: 'Sum',
        threshold: thresholds.target5xxPerMinute,
        dimensions,
      },
      {
        id: `${label}-unhealthy-hosts`,
        description: `The ${label} target group has unhealthy targets`,
        metricName: 'UnHealthyHostCount',
        statistic: 'Maximum',
        threshold: 1,
        dimensions,
      },
    ];
  };
  const specs: AlarmSpec[] = [
    ...perGroup('primary', loadBalancer.targetGroups.primary),
    ...perGroup('secondary', loadBalancer.targetGroups.secondary),
    {
      id: 'alb-5xx',
      description: 'The load balancer answers 5xx itself',
      metricName: 'HTTPCode_ELB_5XX_Count',
      statistic: 'Sum',
      threshold: thresholds.loadBalancer5xxPerMinute,
      dimensions: onLoadBalancer,
    },
  ];
  return specs.map((spec) => alarm(scope, spec, props));
}

function alarm(scope: Construct, spec: AlarmSpec, props: DeploymentAlarmsProps): CloudwatchMetricAlarm {
  const { evaluationMinutes } = props.thresholds;
  return new CloudwatchMetricAlarm(scope, spec.id, {
    alarmName: `${EnvironmentContext.of(scope).names.alarmPrefix}${spec.id}`,
    alarmDescription: `${spec.description}. Stops and rolls back a running deployment.`,
    namespace: 'AWS/ApplicationELB',
    metricName: spec.metricName,
    statistic: spec.statistic,
    dimensions: spec.dimensions,
    period: 60,
    evaluationPeriods: evaluationMinutes,
    datapointsToAlarm: evaluationMinutes,
    threshold: spec.threshold,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [props.topicArn],
  });
}
