import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';

export interface LogSettings {
  readonly retentionDays: number;
  /** The environment key: CloudWatch Logs encrypts every group with it. */
  readonly keyArn: string;
}

/** A CloudWatch log group with the environment's retention and KMS key. */
export function logGroup(scope: Construct, id: string, name: string, settings: LogSettings): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, { name, retentionInDays: settings.retentionDays, kmsKeyId: settings.keyArn });
}
