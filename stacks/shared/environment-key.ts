import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { EnvironmentContext } from './context';
import type { PolicyStatement } from './iam';
import { PUBLISHING_SERVICES, type PublishingService } from './notifications';

/**
 * Publishers of encrypted notifications may use the key for the environment's topic only: SNS passes
 * the topic's ARN as the encryption context aws:sns:topicArn when it asks KMS for a publisher
 * (condition key kms:EncryptionContext:aws:sns:topicArn, as in the key policy the GameLift FlexMatch
 * guide gives for encrypted SNS topics:
 * https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html).
 * Services that send aws:SourceAccount must also be of this account; EventBridge does not send it.
 */
function publisherStatements(accountId: string, topicArn: string): object[] {
  const forTheTopic = { 'kms:EncryptionContext:aws:sns:topicArn': topicArn };
  const statement = (sid: string, services: readonly PublishingService[], condition: object) =>
    services.length === 0
      ? []
      : [
          {
            Sid: sid,
            Effect: 'Allow',
            Principal: { Service: services.map((service) => service.principal) },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*', // this key
            Condition: condition,
          },
        ];
  return [
    ...statement(
      'ServicesOfThisAccountPublishEncryptedNotifications',
      PUBLISHING_SERVICES.filter((s) => s.sendsSourceAccount),
      { StringEquals: { 'aws:SourceAccount': accountId, ...forTheTopic } },
    ),
    ...statement(
      'EventBridgePublishesEncryptedNotifications',
      PUBLISHING_SERVICES.filter((s) => !s.sendsSourceAccount),
      { StringEquals: forTheTopic },
    ),
  ];
}

/** KMS actions to read, and to write, data encrypted with the key. */
const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE = ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/**
 * The environment's customer managed key: pipeline artifacts and the artifact bucket, ECR
 * images, CloudWatch log groups and the notification topic. Rotated yearly. Registers itself as the
 * environment context's key, so log groups and encrypted resources created after it use it.
 */
export class EnvironmentKey extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const { accountId, region, names } = context;
    const key = new KmsKey(this, 'key', {
      description: `${names.keyAlias.replace('alias/', '')}: pipeline artifacts, images, logs and notifications`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKeyThroughIam',
            Effect: 'Allow',
            Principal: { AWS: context.arn('iam', 'root', { global: true }) },
            // The default key policy: without it IAM policies cannot grant use of the key and it
            // becomes unmanageable. In a key policy, Resource "*" means this key only.
            Action: 'kms:*',
            Resource: '*',
          },
          ...publisherStatements(accountId, context.arn('sns', names.notificationTopic)),
          {
            Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
            Effect: 'Allow',
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: [...KMS_READ, ...KMS_WRITE],
            Resource: '*', // this key
            Condition: {
              ArnLike: { 'kms:EncryptionContext:aws:logs:arn': context.arn('logs', 'log-group:*') },
            },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alias', { name: names.keyAlias, targetKeyId: key.keyId });
    this.arn = key.arn;
    context.useKey(key.arn);
  }
}

/** Lets a role encrypt and decrypt data under the key. */
export function encryptDecryptStatement(keyArn: string): PolicyStatement {
  return { actions: [...KMS_READ, ...KMS_WRITE], resources: [keyArn] };
}

/** Lets a role read data encrypted under the key. */
export function decryptStatement(keyArn: string): PolicyStatement {
  return { actions: [...KMS_READ], resources: [keyArn] };
}
