import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { ECR_PUSH_ACTIONS } from '../service/container-registry';
import { EnvironmentContext } from '../shared/context';
import type { PolicyStatement } from '../shared/iam';

/**
 * The BuildKit image the build's docker-container builder runs, from ECR Public: buildx would pull
 * moby/buildkit from Docker Hub anonymously, and from CodeBuild's shared addresses that hits Docker
 * Hub's pull limit (toomanyrequests at "booting buildkit"). This is the mirror that docker/setup-buildx-action#446
 * recommends for that; it is a community copy, not Docker's own. To use your own copy, point an ECR
 * pull-through cache rule at ECR Public and set this to <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/...
 * When the builder cannot boot, the buildspec falls back to a plain docker build.
 */
export const BUILDKIT_IMAGE = 'public.ecr.aws/vend/moby/buildkit:buildx-stable-1';

/** The tag the build moves to the newest cache manifest. */
export const BUILD_CACHE_TAG = 'buildcache';

/**
 * An ECR repository that holds BuildKit's registry cache, apart from the application images: the
 * cache tag moves on every build, which the application repository's immutable tags forbid. Builds
 * on any host reuse unchanged layers from it (docker buildx --cache-from/--cache-to type=registry,
 * https://aws.amazon.com/blogs/containers/announcing-remote-cache-support-in-amazon-ecr-for-buildkit-clients/).
 * Replaced cache manifests become untagged and expire after a day; nothing in it is ever deployed.
 */
export class BuildCache extends Construct {
  readonly repositoryUrl: string;
  private readonly repositoryArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const repository = new EcrRepository(this, 'repository', {
      name: context.names.buildCacheRepository,
      imageTagMutability: 'MUTABLE', // the cache tag is overwritten by each build
      imageScanningConfiguration: { scanOnPush: false }, // cache blobs, not runnable images
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: context.keyArn }],
      forceDelete: true, // only a cache: destroy never needs to keep it
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Expire replaced cache manifests',
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }

  /** What the build needs to read and write the cache (ECR login is granted with the image push). */
  readWriteStatement(): PolicyStatement {
    return { sid: 'ReadWriteBuildCache', actions: [...ECR_PUSH_ACTIONS], resources: [this.repositoryArn] };
  }
}
