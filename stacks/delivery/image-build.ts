import { Construct } from 'constructs';
import { PIPELINE_STAGES } from '../config/names';
import type { ImageFile } from '../deployment/engine';
import type { RegistryRef } from '../service/container-registry';
import type { CpuArchitecture } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import { grant, type PolicyStatement } from '../shared/iam';
import type { ArtifactStore } from './artifact-store';
import { BUILD_CACHE_TAG, BUILDKIT_IMAGE, BuildCache } from './build-cache';
import {
  pipelineProject,
  runBuildStatement,
  type PipelineProject,
  type PipelineProjectProps,
} from './pipeline-project';

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
 * The pipeline step that produces the image the deployment engine deploys: a build, or a promotion's
 * import. The pipeline runs its project in one CodeBuild action that writes the engine's image file.
 */
export interface ImageStep {
  /** The pipeline stage it runs in. */
  readonly stageName: string;
  /** The Source artifact its action reads: the application commit, or the deployment files (promotion.json). */
  readonly input: 'source' | 'deploymentFiles';
  readonly projectName: string;
  /** The action's environment variables (pipeline variables resolve in them). */
  readonly variables: Readonly<Record<string, string>>;
  /** What the pipeline role needs to run it. */
  readonly pipelineStatements: PolicyStatement[];
}

/**
 * The CodeBuild project of an image step (build or import): Docker, on the task's architecture, told
 * which repository to push to and which image file the deploy action reads; its role may push to that
 * repository and read and write pipeline artifacts.
 */
export function imageStepProject(
  scope: Construct,
  props: ImageBuildProps,
  step: Omit<PipelineProjectProps, 'artifactStore' | 'timeoutMinutes' | 'architecture' | 'docker'>,
): PipelineProject {
  const project = pipelineProject(scope, {
    ...step,
    artifactStore: props.artifactStore,
    timeoutMinutes: props.timeoutMinutes,
    architecture: props.architecture,
    docker: true,
    environmentVariables: {
      REPOSITORY_URI: props.registry.repositoryUrl,
      REPOSITORY_NAME: props.registry.repositoryName,
      ...step.environmentVariables,
      IMAGE_FILE: props.imageFile,
      CONTAINER_NAME: props.containerName,
    },
  });
  props.registry.grantPush(project.role, 'push-images');
  props.artifactStore.grantReadWrite(project.role, 'pipeline-artifacts', { readBucketAcl: true });
  return project;
}

/**
 * CodeBuild project that turns a pushed commit into an image in ECR and the file the deployment
 * engine reads: imageDetail.json or imagedefinitions.json (artifacts/buildspec.yml). Privileged,
 * because it runs Docker.
 */
export class ImageBuild extends Construct implements ImageStep {
  readonly stageName = PIPELINE_STAGES.build;
  readonly input = 'source';
  readonly projectName: string;
  readonly projectArn: string;
  readonly pipelineStatements: PolicyStatement[];
  /** The image is tagged with the commit id the source action reports. */
  readonly variables: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ImageBuildProps & { readonly commitId: string }) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    const cache = new BuildCache(this, 'cache');
    const project = imageStepProject(this, props, {
      projectName: names.buildProject,
      roleName: names.buildRole,
      logGroupName: names.buildLogGroup,
      description: 'Builds the Dockerfile at the repository root and pushes it, tagged with the commit id',
      roleDescription: 'CodeBuild: builds and pushes the application image',
      buildspec: 'buildspec.yml',
      environmentVariables: {
        CACHE_REPOSITORY_URI: cache.repositoryUrl,
        CACHE_TAG: BUILD_CACHE_TAG,
        BUILDKIT_IMAGE: BUILDKIT_IMAGE,
      },
      // The durable cache is the ECR registry cache (BuildCache); this best-effort host cache only helps
      // the buildspec's fallback to plain docker build. (LOCAL_SOURCE_CACHE would do nothing: with a
      // CODEPIPELINE source the commit arrives as an artifact, not a git checkout.)
      cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
    });
    grant(this, 'build-cache', project.role, [cache.readWriteStatement()]);
    this.projectName = project.projectName;
    this.projectArn = project.projectArn;
    this.pipelineStatements = [{ sid: 'RunBuild', ...runBuildStatement(project.projectArn) }];
    this.variables = { COMMIT_ID: props.commitId };
  }
}
