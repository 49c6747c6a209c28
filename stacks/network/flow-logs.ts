import type { Construct } from 'constructs';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole } from '../shared/iam';
import { logGroup, logStreamsOf } from '../shared/log-group';

/** VPC flow logs: all traffic or refused traffic only. */
export type FlowLogTraffic = 'ALL' | 'REJECT';

/**
 * Flow logs of a VPC to an encrypted log group, written through a role only the flow-logs service
 * of this account may assume.
 */
export function enableFlowLogs(scope: Construct, vpcId: string, traffic: FlowLogTraffic): void {
  const context = EnvironmentContext.of(scope);
  const group = logGroup(scope, 'flow-logs', context.names.flowLogGroup);
  const role = serviceRole(scope, 'flow-logs-role', {
    name: context.names.flowLogsRole,
    description: 'VPC flow logs: writes to the flow-log group',
    servicePrincipal: 'vpc-flow-logs.amazonaws.com',
    thisAccountOnly: true,
  });
  const policy = grant(scope, 'flow-logs-write', role, [
    // Streams are created per network interface at run time.
    {
      actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
      resources: [group.arn, logStreamsOf(group)],
    },
    // The service looks its group up by listing; DescribeLogGroups is authorized on the account's groups.
    { actions: ['logs:DescribeLogGroups'], resources: [context.arn('logs', 'log-group:*')] },
  ]);
  new FlowLog(scope, 'flow-log', {
    vpcId,
    trafficType: traffic,
    logDestinationType: 'cloud-watch-logs',
    logDestination: group.arn,
    iamRoleArn: role.arn,
    maxAggregationInterval: 600,
    dependsOn: [policy],
  });
}
