import type { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EnvironmentContext } from './context';

/** A CloudWatch log group with the environment's retention, encrypted with the environment key. */
export function logGroup(scope: Construct, id: string, name: string): CloudwatchLogGroup {
  const context = EnvironmentContext.of(scope);
  return new CloudwatchLogGroup(scope, id, {
    name,
    retentionInDays: context.logRetentionDays,
    kmsKeyId: context.keyArn,
  });
}

/** The ARN pattern of a group's log streams: services create streams at run time, named by them. */
export function logStreamsOf(group: CloudwatchLogGroup): string {
  return `${group.arn}:log-stream:*`;
}
