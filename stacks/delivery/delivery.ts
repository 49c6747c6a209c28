import { Construct } from 'constructs';
import { PROMOTION_VARIABLES } from '../config/names';
import type { Promotions } from '../config/promotion';
import type { EnvironmentConfig } from '../config/schema';
import type { DeploymentEngine } from '../deployment/engine';
import type { RegistryRef } from '../service/container-registry';
import type { CpuArchitecture } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import type { Notifications } from '../shared/notifications';
import { peerResources } from '../shared/peers';
import { ArtifactStore } from './artifact-store';
import { DeliveryPipeline, SOURCE_VARIABLES, type ApprovalGate } from './delivery-pipeline';
import { DeploymentFiles } from './deployment-files';
import { ImageBuild, type ImageStep } from './image-build';
import { ConnectionSource } from './connection-source';
import type { PipelineSource } from './pipeline-source';
import { ImageImport, pipelineVariable, promotionRecord, promotionVariables, PromotionPublisher } from './promotion';
import { SourceRepository } from './source-repository';

export type PipelineSettings = EnvironmentConfig['pipeline'];

export interface DeliveryProps {
  readonly settings: PipelineSettings;
  /** Where the image comes from (another environment) and who promotes from this one. */
  readonly promotion: Promotions;
  /** Lets destroy delete the artifact bucket while it still holds objects. */
  readonly allowDestroyWithData: boolean;
  /** The service's CPU architecture: images are built on it. */
  readonly architecture: CpuArchitecture;
  /** Where the build pushes images (or the promotion copies them). */
  readonly registry: RegistryRef;
  /** Deploys what the build produced. */
  readonly engine: DeploymentEngine;
  /** The container the build's image runs in (imagedefinitions.json names it). */
  readonly containerName: string;
  /** Failed pipeline runs are forwarded to it; approvals are announced on it. */
  readonly notifications: Notifications;
}

/**
 * The delivery path of one environment: a push to the branch starts the pipeline, which builds the
 * image into ECR and hands it (with the static deployment files, when the engine reads them) to the
 * deployment engine. A promoted environment instead takes the image its upstream deployed, by digest,
 * copies it into its own registry and (after an approval) deploys it; an environment others promote
 * from starts their pipelines once its own deployment succeeded.
 */
export class Delivery extends Construct {
  readonly source?: PipelineSource;
  readonly artifactStore: ArtifactStore;
  readonly pipeline: DeliveryPipeline;
  /** Promoted environments: the role the upstream assumes to start this pipeline. */
  readonly promotionStartRoleArn?: string;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { settings, engine, promotion } = props;
    const context = EnvironmentContext.of(this);
    const pipelineArn = context.arn('codepipeline', context.names.pipeline);
    this.artifactStore = new ArtifactStore(this, 'artifact-store', {
      forceDestroy: props.allowDestroyWithData,
      retentionDays: settings.artifactRetentionDays,
    });
    const upstream = promotion.from;
    this.source = upstream ? undefined : this.createSource(settings);
    const deploymentFiles =
      (engine.deploymentFiles || upstream) &&
      new DeploymentFiles(this, 'deployment-files', {
        artifactStore: this.artifactStore,
        engine: engine.deploymentFiles,
        promotion: upstream && promotionRecord(upstream),
      });
    const common = {
      registry: props.registry,
      artifactStore: this.artifactStore,
      timeoutMinutes: settings.buildTimeoutMinutes,
      architecture: props.architecture,
      imageFile: engine.imageFile.name,
      containerName: props.containerName,
    };
    // The commit a run deploys: the source action's variable, or the one the promotion started it with.
    const commitId = upstream ? pipelineVariable(PROMOTION_VARIABLES.commit) : `#{${SOURCE_VARIABLES}.CommitId}`;
    let image: ImageStep;
    if (upstream) {
      const imported = new ImageImport(this, 'import', { ...common, upstream, pipelineArn });
      this.promotionStartRoleArn = imported.startRoleArn;
      image = imported;
    } else {
      image = new ImageBuild(this, 'build', { ...common, commitId });
    }
    const publisher =
      promotion.to.length > 0
        ? new PromotionPublisher(this, 'promote', {
            downstreams: promotion.to,
            artifactStore: this.artifactStore,
            architecture: props.architecture,
            imageFile: engine.imageFile.name,
            pipelineArn,
            pipelineName: context.names.pipeline,
            commitId,
          })
        : undefined;
    this.pipeline = new DeliveryPipeline(this, 'pipeline', {
      source: this.source,
      artifactStore: this.artifactStore,
      deploymentFiles: deploymentFiles || undefined,
      image,
      approval: upstream && promotion.approval ? approvalGate(upstream, props.notifications, context) : undefined,
      engine: props.engine,
      publisher,
      variables: upstream ? promotionVariables() : undefined,
    });
    props.notifications.forwardPipelineFailures(context.names.pipeline);
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

/** The approval: what is promoted (commit, digest, the upstream deployment) and a link to the upstream run. */
function approvalGate(
  upstream: NonNullable<Promotions['from']>,
  notifications: Notifications,
  context: EnvironmentContext,
): ApprovalGate {
  const v = PROMOTION_VARIABLES;
  const { names } = peerResources(upstream);
  const region = upstream.region;
  return {
    topicArn: notifications.topicArn,
    topicKeyArn: context.keyArn,
    summary:
      `Promote commit ${pipelineVariable(v.commit)} (image ${pipelineVariable(v.digest)}) from ${upstream.name}, ` +
      `where deployment ${pipelineVariable(v.upstreamDeployment)} passed. ` +
      `Approve or reject: npx bluegreen approve|reject ${context.environment}`,
    link:
      `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${names.pipeline}` +
      `/executions/${pipelineVariable(v.upstreamExecution)}/timeline?region=${region}`,
  };
}
