import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import {
  Codepipeline,
  type CodepipelineStage,
  type CodepipelineStageAction,
  type CodepipelineTrigger,
  type CodepipelineVariable,
} from '@cdktf/provider-aws/lib/codepipeline';
import type { DeploymentEngine } from '../deployment/engine';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole, type PolicyStatement } from '../shared/iam';
import type { ArtifactStore } from './artifact-store';
import type { DeploymentFiles } from './deployment-files';
import { APPLICATION_ACTION, PIPELINE_STAGES } from '../config/names';
import type { ImageStep } from './image-build';
import { codeBuildAction } from './pipeline-project';
import type { PromotionPublisher } from './promotion';
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

/** A manual approval before the Deploy stage, announced on the environment's topic. */
export interface ApprovalGate {
  readonly topicArn: string;
  /** The key the topic is encrypted with: CodePipeline publishes as the pipeline role. */
  readonly topicKeyArn: string;
  /** What the notification and the console show the approver (pipeline variables allowed). */
  readonly summary: string;
  /** Where the approver looks first. */
  readonly link: string;
}

export interface DeliveryPipelineProps {
  /** The application code: its Source action, permissions and how pushes start the pipeline. Absent in promoted environments. */
  readonly source?: PipelineSource;
  readonly artifactStore: ArtifactStore;
  /** The zipped appspec.yaml and taskdef.json (and promotion.json), when something reads them: the pipeline starts once on creation. */
  readonly deploymentFiles?: DeploymentFiles;
  /** Build (from the source) or Import (a promoted digest): writes the engine's image file. */
  readonly image: ImageStep;
  readonly approval?: ApprovalGate;
  /** Supplies the Deploy stage's action and the permissions it needs. */
  readonly engine: DeploymentEngine;
  /** Environments that promote from this one: the Promote stage after Deploy starts their pipelines. */
  readonly publisher?: PromotionPublisher;
  /** Pipeline variables a run is started with (promoted environments). */
  readonly variables?: CodepipelineVariable[];
}

/**
 * CodePipeline (V2), stages as `pipelineStages` lists them: Source (the application commit and/or the
 * deployment files from S3) -> Build (image) or, promoted, Import (the upstream's digest) and
 * Approve -> Deploy (the engine's action) -> Promote, where others promote from this environment.
 * Started on pushes to the branch, by an EventBridge rule (CodeCommit) or a V2 trigger (connection
 * sources), or by the upstream's Promote step; nothing polls.
 */
export class DeliveryPipeline extends Construct {
  readonly pipelineName: string;
  readonly pipelineArn: string;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { artifactStore } = props;
    const imageArtifact = props.engine.imageFile.artifact;
    const stages: CodepipelineStage[] = [
      this.sourceStage(props),
      {
        name: props.image.stageName,
        action: [
          codeBuildAction({
            name: 'Image',
            category: 'Build',
            projectName: props.image.projectName,
            input: ARTIFACTS[props.image.input],
            output: imageArtifact,
            variables: props.image.variables,
          }),
        ],
      },
      ...(props.approval ? [approvalStage(props.approval)] : []),
      {
        name: PIPELINE_STAGES.deploy,
        action: [
          props.engine.deployAction({
            deploymentFiles: props.engine.deploymentFiles && ARTIFACTS.deploymentFiles,
            image: imageArtifact,
          }),
        ],
      },
      ...(props.publisher ? [{ name: PIPELINE_STAGES.promote, action: props.publisher.actions(imageArtifact) }] : []),
    ];
    const pipeline = new Codepipeline(this, 'pipeline', {
      name: EnvironmentContext.of(this).names.pipeline,
      pipelineType: 'V2',
      executionMode: 'QUEUED', // every push is deployed, in order; a deployment is never superseded midway
      roleArn: this.serviceRole(props),
      artifactStore: [
        { location: artifactStore.bucketName, type: 'S3', encryptionKey: { id: artifactStore.keyArn, type: 'KMS' } },
      ],
      stage: stages,
      ...(props.variables ? { variable: props.variables } : {}),
      // Connection sources start the pipeline through a V2 trigger filtered on the branch (and paths).
      ...triggers(props.source),
      // CodePipeline starts a run as soon as the pipeline exists: the deployment files must be there by then.
      dependsOn: props.deploymentFiles ? [props.deploymentFiles.object] : undefined,
    });
    this.pipelineName = pipeline.name;
    this.pipelineArn = pipeline.arn;
    const push = props.source?.pushEventPattern();
    if (push) this.startOnPush(push.description, push.pattern);
  }

  /** The role runs the pipeline's actions and may do nothing else. */
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
      ...(props.source?.pipelineStatements() ?? []),
      ...props.image.pipelineStatements,
      ...(props.approval ? approvalStatements(props.approval) : []),
      ...props.engine.pipelineStatements(),
      ...(props.publisher?.pipelineStatements ?? []),
    ]);
    return role.arn;
  }

  /** The application commit, and the deployment files cdktf uploaded (if anything reads them). */
  private sourceStage({ source, artifactStore, deploymentFiles }: DeliveryPipelineProps): CodepipelineStage {
    const actions: CodepipelineStageAction[] = [];
    if (source) {
      actions.push(
        source.sourceAction({
          actionName: APPLICATION_ACTION,
          outputArtifact: ARTIFACTS.source,
          namespace: SOURCE_VARIABLES,
        }),
      );
    }
    if (deploymentFiles) {
      actions.push({
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
      });
    }
    return { name: PIPELINE_STAGES.source, action: actions };
  }

  /** EventBridge rule: a push event for the configured branch starts the pipeline. */
  private startOnPush(description: string, eventPattern: object): void {
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
      description: `Start ${names.pipeline} ${description}`,
      eventPattern: JSON.stringify(eventPattern),
    });
    new CloudwatchEventTarget(this, 'on-push-target', { rule: rule.name, arn: this.pipelineArn, roleArn: role.arn });
  }
}

/** The source's V2 triggers, when it has any (CodeCommit has none: EventBridge starts the pipeline). */
function triggers(source: PipelineSource | undefined): { trigger?: CodepipelineTrigger[] } {
  const list = source?.triggers(APPLICATION_ACTION) ?? [];
  return list.length > 0 ? { trigger: list } : {};
}

/** The Approve stage: one manual approval, announced on the topic, showing what is promoted. */
function approvalStage(approval: ApprovalGate): CodepipelineStage {
  return {
    name: PIPELINE_STAGES.approve,
    action: [
      {
        name: 'Promotion',
        category: 'Approval',
        owner: 'AWS',
        provider: 'Manual',
        version: '1',
        // Pipeline variables resolve in an approval's configuration too (CodePipeline User Guide,
        // "Variables reference": https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html).
        configuration: {
          NotificationArn: approval.topicArn,
          CustomData: approval.summary,
          ExternalEntityLink: approval.link,
        },
      },
    ],
  };
}

/** Publishing the approval request: the topic, and its key (SNS asks KMS on the publisher's behalf). */
function approvalStatements(approval: ApprovalGate): PolicyStatement[] {
  return [
    { sid: 'AnnounceApprovals', actions: ['sns:Publish'], resources: [approval.topicArn] },
    {
      sid: 'EncryptApprovalNotifications',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [approval.topicKeyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': approval.topicArn } },
    },
  ];
}
