import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { PolicyStatement } from './iam';
import type { PublishingService } from './notifications';

export interface EnvironmentKeyProps {
  readonly alias: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Services that publish to resources encrypted with the key (SNS via EventBridge, CloudWatch alarms). */
  readonly publishingServices: readonly PublishingService[];
}

/**
 * Publishers of encrypted notifications may use the key: with an aws:SourceAccount condition for
 * services that send it, without one for those that do not (the condition would never match).
 */
function publisherStatements(props: EnvironmentKeyProps): object[] {
  const statement = (sid: string, services: readonly PublishingService[], condition?: object) =>
    services.length === 0
      ? []
      : [
          {
            Sid: sid,
            Effect: 'Allow',
            Principal: { Service: services.map((service) => service.principal) },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*', // this key
            ...(condition ? { Condition: condition } : {}),
          },
        ];
  return [
    ...statement('ServicesOfThisAccountPublishEncryptedNotifications', props.publishingServices.filter((s) => s.sendsSourceAccount), {
      StringEquals: { 'aws:SourceAccount': props.accountId },
    }),
    ...statement('EventBridgePublishesEncryptedNotifications', props.publishingServices.filter((s) => !s.sendsSourceAccount)),
  ];
}

/** KMS actions to read, and to write, data encrypted with the key. */
const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE = ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/**
 * The environment's customer managed key: pipeline artifacts and the artifact bucket, ECR
 * images, CloudWatch log groups and the notification topic. Rotated yearly.
 */
export class EnvironmentKey extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    const key = new KmsKey(this, 'key', {
      description: `${props.alias.replace('alias/', '')}: pipeline artifacts, images, logs and notifications`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKeyThroughIam',
            Effect: 'Allow',
            Principal: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` },
            // The default key policy: without it IAM policies cannot grant use of the key and it
            // becomes unmanageable. In a key policy, Resource "*" means this key only.
            Action: 'kms:*',
            Resource: '*',
          },
          ...publisherStatements(props),
          {
            Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
            Effect: 'Allow',
            Principal: { Service: `logs.${props.region}.amazonaws.com` },
            Action: [...KMS_READ, ...KMS_WRITE],
            Resource: '*', // this key
            Condition: {
              ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*` },
            },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: key.keyId });
    this.arn = key.arn;
  }

  /** Statement that lets a role encrypt and decrypt data under the key. */
  readWriteStatement(): PolicyStatement {
    return { actions: [...KMS_READ, ...KMS_WRITE], resources: [this.arn] };
  }
}
