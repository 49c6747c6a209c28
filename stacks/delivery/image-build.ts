import { Construct } from 'constructs';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import type { ImageFile } from '../deployment/engine';
import type { RegistryRef } from '../service/container-registry';
import { ARCHITECTURES, type CpuArchitecture } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole } from '../shared/iam';
import { logGroup, logStreamsOf } from '../shared/log-group';
import { readArtifact } from '../shared/templates';
import type { ArtifactStore } from './artifact-store';
import { BUILD_CACHE_TAG, BUILDKIT_IMAGE, BuildCache } from './build-cache';

export interface ImageBuildProps {
  readonly registry: RegistryRef;
  readonly artifactStore: ArtifactStore;
  readonly timeoutMinutes: number;
  /** The task's architecture: the build runs on it, so the image does too. */
  readonly architecture: CpuArchitecture;
  /** What the deploy action reads: imageDetail.json (CodeDeploy) or imagedefinitions.json (ECS). */
  readonly imageFile: ImageFile['name'];
  /** The task definition's container, which imagedefinitions.json names. */
  readonly containerName: string;
}

/**
 * CodeBuild project that turns a pushed commit into an image in ECR and the file the deployment
 * engine reads: imageDetail.json or imagedefinitions.json (artifacts/buildspec.yml). Privileged,
 * because it runs Docker.
 */
export class ImageBuild extends Construct {
  readonly projectName: string;
  readonly projectArn: string;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    const logs = logGroup(this, 'logs', names.buildLogGroup);

    const role = serviceRole(this, 'role', {
      name: names.buildRole,
      description: 'CodeBuild: builds and pushes the application image',
      servicePrincipal: 'codebuild.amazonaws.com',
      thisAccountOnly: true,
    });
    const cache = new BuildCache(this, 'cache');
    grant(this, 'write-logs', role, [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamsOf(logs)] },
    ]);
    grant(this, 'build-cache', role, [cache.readWriteStatement()]);
    props.registry.grantPush(role, 'push-images');
    props.artifactStore.grantReadWrite(role, 'pipeline-artifacts', { readBucketAcl: true });

    const project = new CodebuildProject(this, 'project', {
      name: names.buildProject,
      description: 'Builds the Dockerfile at the repository root and pushes it, tagged with the commit id',
      serviceRole: role.arn,
      buildTimeout: props.timeoutMinutes,
      encryptionKey: props.artifactStore.keyArn,
      source: { type: 'CODEPIPELINE', buildspec: readArtifact('buildspec.yml') },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: ARCHITECTURES[props.architecture].buildEnvironmentType,
        computeType: 'BUILD_GENERAL1_SMALL',
        image: ARCHITECTURES[props.architecture].buildImage,
        imagePullCredentialsType: 'CODEBUILD',
        privilegedMode: true, // docker build needs the Docker daemon
        environmentVariable: [
          { name: 'REPOSITORY_URI', value: props.registry.repositoryUrl, type: 'PLAINTEXT' },
          { name: 'REPOSITORY_NAME', value: props.registry.repositoryName, type: 'PLAINTEXT' },
          { name: 'CACHE_REPOSITORY_URI', value: cache.repositoryUrl, type: 'PLAINTEXT' },
          { name: 'CACHE_TAG', value: BUILD_CACHE_TAG, type: 'PLAINTEXT' },
          { name: 'BUILDKIT_IMAGE', value: BUILDKIT_IMAGE, type: 'PLAINTEXT' },
          { name: 'IMAGE_FILE', value: props.imageFile, type: 'PLAINTEXT' },
          { name: 'CONTAINER_NAME', value: props.containerName, type: 'PLAINTEXT' },
        ],
      },
      // The durable cache is the ECR registry cache (BuildCache); this best-effort host cache only helps
      // the buildspec's fallback to plain docker build. (LOCAL_SOURCE_CACHE would do nothing: with a
      // CODEPIPELINE source the commit arrives as an artifact, not a git checkout.)
      cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
      logsConfig: { cloudwatchLogs: { groupName: logs.name, status: 'ENABLED' }, s3Logs: { status: 'DISABLED' } },
    });
    this.projectName = project.name;
    this.projectArn = project.arn;
  }
}
