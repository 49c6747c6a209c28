import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EnvironmentContext } from '../shared/context';
import { EcrRepositoryPolicy } from '@cdktf/provider-aws/lib/ecr-repository-policy';
import type { PeerEnvironment } from '../config/promotion';
import { peerResources, roleOfAccount } from '../shared/peers';
import { grant, type PolicyStatement, type RoleRef } from '../shared/iam';

/** Docker login to ECR. GetAuthorizationToken is account-wide: it has no resource-level permissions. */
const ECR_LOGIN: PolicyStatement = { sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] };

/** Pull an image: its manifest, and where to download its layers. */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
] as const;

/** Push an image (layers, manifest) and read back what was pushed. */
export const ECR_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
] as const;

export interface ContainerRegistryProps {
  /** Images kept; older ones expire. */
  readonly keepImages: number;
  /** Lets `terraform destroy` delete the repository while it still holds images. */
  readonly forceDelete: boolean;
}

/** What the build needs of the registry. */
export interface RegistryRef {
  readonly repositoryUrl: string;
  readonly repositoryName: string;
  grantPush(role: RoleRef, policyName: string): void;
}

/** The environment's ECR repository: immutable tags, scanned on push, pruned by count, KMS-encrypted. */
export class ContainerRegistry extends Construct implements RegistryRef {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;
  readonly repositoryName: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const repository = new EcrRepository(this, 'repository', {
      name: context.names.repository,
      imageTagMutability: 'IMMUTABLE', // a commit tag always means the same image
      imageScanningConfiguration: { scanOnPush: true },
      // ECR uses the key through grants it creates itself: pulling and pushing roles need no KMS permissions.
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: context.keyArn }],
      forceDelete: props.forceDelete,
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.repositoryName = repository.name;

    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the newest ${props.keepImages} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: props.keepImages },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }

  /** Lets a role pull images (ECS task execution). */
  grantPull(role: RoleRef, policyName: string): void {
    grant(this, policyName, role, [
      ECR_LOGIN,
      {
        sid: 'PullImages',
        actions: [...ECR_PULL_ACTIONS],
        resources: [this.repositoryArn],
      },
    ]);
  }

  /** Lets a role push images (CodeBuild) and read back what it pushed. */
  grantPush(role: RoleRef, policyName: string): void {
    grant(this, policyName, role, [
      ECR_LOGIN,
      {
        sid: 'PushImages',
        actions: [...ECR_PUSH_ACTIONS],
        resources: [this.repositoryArn],
      },
    ]);
  }

  /**
   * The repository policy: each downstream's Import role may pull, nothing else and no one else. The
   * downstream role needs no KMS permission: ECR decrypts layers with the grants it holds on the
   * environment key (ECR User Guide, "Encryption at rest").
   */
  allowPromotedPulls(downstreams: readonly PeerEnvironment[]): void {
    if (downstreams.length === 0) return;
    new EcrRepositoryPolicy(this, 'promotion-pulls', {
      repository: this.repositoryName,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: downstreams.map((downstream) => {
          const importer = roleOfAccount(downstream, peerResources(downstream).names.importRole);
          return {
            Sid: `${downstream.name}ImportsPromotedImages`.replace(/[^A-Za-z0-9]/g, ''),
            Effect: 'Allow',
            Principal: importer.principal,
            Action: [...ECR_PULL_ACTIONS],
            Condition: importer.condition,
          };
        }),
      }),
    });
  }
}
