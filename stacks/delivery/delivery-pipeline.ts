import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Codepipeline, type CodepipelineStage, type CodepipelineTrigger } from '@cdktf/provider-aws/lib/codepipeline';
import type { DeploymentEngine } from '../deployment/engine';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole } from '../shared/iam';
import type { ArtifactStore } from './artifact-store';
import type { DeploymentFiles } from './deployment-files';
import { APPLICATION_ACTION, PIPELINE_STAGES } from '../config/names';
import type { ImageBuild } from './image-build';
import type { PipelineSource } from './pipeline-source';

/** Names of the artifacts passed between stages (the image's comes from the engine). */
export const ARTIFACTS = {
  source: 'SourceCode',
  deploymentFiles: 'DeploymentFiles',
} as const;

/** Namespace of the source action's output variables (CommitId, BranchName, ...). */
export const SOURCE_VARIABLES = 'SourceVariables';

/** Name of the Source stage's application action (pipeline triggers name it). */
export { APPLICATION_ACTION };

export interface DeliveryPipelineProps {
  /** The application code: its Source action, permissions and how pushes start the pipeline. */
  readonly source: PipelineSource;
  readonly artifactStore: ArtifactStore;
  /** The zipped appspec.yaml and taskdef.json, when the engine reads them: the pipeline starts once on creation. */
  readonly deploymentFiles?: DeploymentFiles;
  readonly build: ImageBuild;
  /** Supplies the Deploy stage's action and the permissions it needs. */
  readonly engine: DeploymentEngine;
}

/**
 * CodePipeline (V2): Source (the application commit, and the deployment files from S3 when the
 * engine reads them) -> Build (image) -> Deploy (the engine's action). Started on pushes to the branch, by an EventBridge rule
 * (CodeCommit) or a V2 trigger (connection sources); nothing polls.
 */
export class DeliveryPipeline extends Construct {
  readonly pipelineName: string;
  readonly pipelineArn: string;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { artifactStore } = props;
    const pipeline = new Codepipeline(this, 'pipeline', {
      name: EnvironmentContext.of(this).names.pipeline,
      pipelineType: 'V2',
      executionMode: 'QUEUED', // every push is deployed, in order; a deployment is never superseded midway
      roleArn: this.serviceRole(props),
      artifactStore: [
        { location: artifactStore.bucketName, type: 'S3', encryptionKey: { id: artifactStore.keyArn, type: 'KMS' } },
      ],
      stage: [
        this.sourceStage(props),
        this.buildStage(props),
        {
          name: PIPELINE_STAGES.deploy,
          action: [
            props.engine.deployAction({
              deploymentFiles: props.deploymentFiles && ARTIFACTS.deploymentFiles,
              image: props.engine.imageFile.artifact,
            }),
          ],
        },
      ],
      // Connection sources start the pipeline through a V2 trigger filtered on the branch (and paths).
      ...triggers(props.source),
      // CodePipeline starts a run as soon as the pipeline exists: the deployment files must be there by then.
      dependsOn: props.deploymentFiles ? [props.deploymentFiles.object] : undefined,
    });
    this.pipelineName = pipeline.name;
    this.pipelineArn = pipeline.arn;
    const pattern = props.source.pushEventPattern();
    if (pattern) this.startOnPush(props.source.branch, pattern);
  }

  /** The role runs the three stages' actions and may do nothing else. */
  private serviceRole(props: DeliveryPipelineProps): string {
    const role = serviceRole(this, 'role', {
      name: EnvironmentContext.of(this).names.pipelineRole,
      description: 'CodePipeline: runs the source, build and deploy actions of one environment',
      servicePrincipal: 'codepipeline.amazonaws.com',
      // No source-account condition: CodePipeline's documented trust policy has none, and CreatePipeline
      // fails with "not authorized to perform AssumeRole" when the service does not send the key
      // (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-service-role-cli.html).
    });
    props.artifactStore.grantReadWrite(role, 'artifacts');
    grant(this, 'actions', role, [
      ...props.source.pipelineStatements(),
      {
        sid: 'RunBuild',
        actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
        resources: [props.build.projectArn],
      },
      ...props.engine.pipelineStatements(),
    ]);
    return role.arn;
  }

  /** The application commit, and the deployment files cdktf uploaded (if the engine reads any). */
  private sourceStage({ source, artifactStore, deploymentFiles }: DeliveryPipelineProps): CodepipelineStage {
    const application = source.sourceAction({
      actionName: APPLICATION_ACTION,
      outputArtifact: ARTIFACTS.source,
      namespace: SOURCE_VARIABLES,
    });
    if (!deploymentFiles) return { name: PIPELINE_STAGES.source, action: [application] };
    return {
      name: PIPELINE_STAGES.source,
      action: [
        application,
        {
          name: 'DeploymentFiles',
          category: 'Source',
          owner: 'AWS',
          provider: 'S3',
          version: '1',
          outputArtifacts: [ARTIFACTS.deploymentFiles],
          configuration: {
            S3Bucket: artifactStore.bucketName,
            S3ObjectKey: deploymentFiles.objectKey,
            PollForSourceChanges: 'false', // read at each run; edits arrive with `cdktf deploy`
          },
        },
      ],
    };
  }

  /** The image, tagged with the commit id the source action reports. */
  private buildStage({ build, engine }: DeliveryPipelineProps): CodepipelineStage {
    return {
      name: PIPELINE_STAGES.build,
      action: [
        {
          name: 'Image',
          category: 'Build',
          owner: 'AWS',
          provider: 'CodeBuild',
          version: '1',
          inputArtifacts: [ARTIFACTS.source],
          outputArtifacts: [engine.imageFile.artifact],
          configuration: {
            ProjectName: build.projectName,
            EnvironmentVariables: JSON.stringify([
              { name: 'COMMIT_ID', value: `#{${SOURCE_VARIABLES}.CommitId}`, type: 'PLAINTEXT' },
            ]),
          },
        },
      ],
    };
  }

  /** EventBridge rule: a push event for the configured branch starts the pipeline. */
  private startOnPush(branch: string, eventPattern: object): void {
    const { names } = EnvironmentContext.of(this);
    const role = serviceRole(this, 'trigger-role', {
      name: names.pipelineTriggerRole,
      description: 'EventBridge: starts the pipeline on pushes',
      servicePrincipal: 'events.amazonaws.com',
      thisAccountOnly: true,
    });
    grant(this, 'start-pipeline', role, [
      { actions: ['codepipeline:StartPipelineExecution'], resources: [this.pipelineArn] },
    ]);
    const rule = new CloudwatchEventRule(this, 'on-push', {
      name: names.pipelineTriggerRule,
      description: `Start ${names.pipeline} on pushes to ${branch}`,
      eventPattern: JSON.stringify(eventPattern),
    });
    new CloudwatchEventTarget(this, 'on-push-target', { rule: rule.name, arn: this.pipelineArn, roleArn: role.arn });
  }
}

/** The source's V2 triggers, when it has any (CodeCommit has none: EventBridge starts the pipeline). */
function triggers(source: PipelineSource): { trigger?: CodepipelineTrigger[] } {
  const list = source.triggers(APPLICATION_ACTION);
  return list.length > 0 ? { trigger: list } : {};
}
