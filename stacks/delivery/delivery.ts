import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import type { DeploymentEngine } from '../deployment/engine';
import type { RegistryRef } from '../service/container-registry';
import type { CpuArchitecture } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import type { Notifications } from '../shared/notifications';
import { ArtifactStore } from './artifact-store';
import { DeliveryPipeline } from './delivery-pipeline';
import { DeploymentFiles } from './deployment-files';
import { ImageBuild } from './image-build';
import { ConnectionSource } from './connection-source';
import type { PipelineSource } from './pipeline-source';
import { SourceRepository } from './source-repository';

export type PipelineSettings = EnvironmentConfig['pipeline'];

export interface DeliveryProps {
  readonly settings: PipelineSettings;
  /** Lets destroy delete the artifact bucket while it still holds objects. */
  readonly allowDestroyWithData: boolean;
  /** The service's CPU architecture: images are built on it. */
  readonly architecture: CpuArchitecture;
  /** Where the build pushes images. */
  readonly registry: RegistryRef;
  /** Deploys what the build produced. */
  readonly engine: DeploymentEngine;
  /** The container the build's image runs in (imagedefinitions.json names it). */
  readonly containerName: string;
  /** Failed pipeline runs are forwarded to it. */
  readonly notifications: Notifications;
}

/**
 * The delivery path of one environment: a push to the branch starts the pipeline, which builds the
 * image into ECR and hands it (with the static deployment files, when the engine reads them) to the
 * deployment engine.
 */
export class Delivery extends Construct {
  readonly source: PipelineSource;
  readonly artifactStore: ArtifactStore;
  readonly pipeline: DeliveryPipeline;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { settings, engine } = props;
    this.artifactStore = new ArtifactStore(this, 'artifact-store', {
      forceDestroy: props.allowDestroyWithData,
      retentionDays: settings.artifactRetentionDays,
    });
    this.source = this.createSource(settings);
    const deploymentFiles =
      engine.deploymentFiles &&
      new DeploymentFiles(this, 'deployment-files', { artifactStore: this.artifactStore, ...engine.deploymentFiles });
    const build = new ImageBuild(this, 'build', {
      registry: props.registry,
      artifactStore: this.artifactStore,
      timeoutMinutes: settings.buildTimeoutMinutes,
      architecture: props.architecture,
      imageFile: engine.imageFile.name,
      containerName: props.containerName,
    });
    this.pipeline = new DeliveryPipeline(this, 'pipeline', {
      source: this.source,
      artifactStore: this.artifactStore,
      deploymentFiles,
      build,
      engine: props.engine,
    });
    props.notifications.forwardPipelineFailures(EnvironmentContext.of(this).names.pipeline);
  }

  /** CodeCommit, created here, or a CodeConnections repository. */
  private createSource(settings: PipelineSettings): PipelineSource {
    const { provider, repository, connectionArn, filePaths } = settings.source;
    if (provider === 'CodeCommit') return new SourceRepository(this, 'source', { branch: settings.branch });
    return new ConnectionSource(this, 'source', {
      provider,
      repository: repository!, // required for connection sources (validated)
      branch: settings.branch,
      connectionArn,
      filePaths,
    });
  }
}
