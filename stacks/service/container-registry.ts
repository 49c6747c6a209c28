import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EnvironmentContext } from '../shared/context';
import { grant, type PolicyStatement, type RoleRef } from '../shared/iam';

/** Docker login to ECR. GetAuthorizationToken is account-wide: it has no resource-level permissions. */
const ECR_LOGIN: PolicyStatement = { sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] };

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
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
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
}
