import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { EnvironmentContext } from '../shared/context';
import { decryptStatement, encryptDecryptStatement } from '../shared/environment-key';
import { grant, type RoleRef } from '../shared/iam';

export interface ArtifactStoreProps {
  /** Lets destroy delete the bucket while it still holds objects. */
  readonly forceDestroy: boolean;
  /** Days before pipeline artifacts and replaced object versions expire. */
  readonly retentionDays: number;
}

/**
 * The environment's artifact bucket: the pipeline's artifact store and the
 * home of the deployment files. Versioned (the S3 source action requires it), encrypted with
 * the environment key, private, TLS-only, and pruned by lifecycle rules.
 */
export class ArtifactStore extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  /** Bucket settings objects must wait for: a version id and the right key from the first upload. */
  readonly configured: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    this.keyArn = context.keyArn;

    const bucket = new S3Bucket(this, 'bucket', {
      bucket: context.names.artifactBucket,
      forceDestroy: props.forceDestroy,
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;

    const versioning = new S3BucketVersioning(this, 'versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    const encryption = new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    this.configured = [versioning, encryption];
    this.blockPublicAccess(bucket);
    this.expireOldArtifacts(bucket, context.names.pipeline, props.retentionDays);
  }

  /** Private, owner-enforced and TLS-only. */
  private blockPublicAccess(bucket: S3Bucket): void {
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*', // everyone, this is a deny
            Action: 's3:*', // every request without TLS is refused
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
  }

  private expireOldArtifacts(bucket: S3Bucket, pipelineName: string, retentionDays: number): void {
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          // CodePipeline stores artifacts under the first 20 characters of the pipeline name.
          id: 'expire-pipeline-artifacts',
          status: 'Enabled',
          filter: [{ prefix: `${pipelineName.slice(0, 20)}/` }],
          expiration: [{ days: retentionDays }],
        },
        {
          // Old versions of the deployment files (and of expired artifacts) are not needed for long.
          id: 'expire-replaced-versions',
          status: 'Enabled',
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
  }

  /**
   * Lets a role read and write pipeline artifacts. `readBucketAcl` for CodeBuild, whose documented
   * service-role policy reads the bucket's ACL and location
   * (https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html).
   */
  grantReadWrite(
    role: RoleRef,
    policyName: string,
    options: { readBucketAcl?: boolean; readOnly?: boolean } = {},
  ): void {
    const bucketActions = [
      's3:GetBucketLocation',
      's3:GetBucketVersioning',
      ...(options.readBucketAcl ? ['s3:GetBucketAcl'] : []),
    ];
    grant(this, policyName, role, [
      {
        actions: ['s3:GetObject', 's3:GetObjectVersion', ...(options.readOnly ? [] : ['s3:PutObject'])],
        resources: [`${this.bucketArn}/*`],
      },
      { actions: bucketActions.sort(), resources: [this.bucketArn] },
      options.readOnly ? decryptStatement(this.keyArn) : encryptDecryptStatement(this.keyArn),
    ]);
  }
}
