import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Codepipeline } from '@cdktf/provider-aws/lib/codepipeline';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { ArtifactStore } from './artifact-store';
import type { BlueGreenDeployment } from './blue-green-deployment';
import type { ArnBuilder } from './config/names';
import type { DeploymentFiles } from './deployment-files';
import { grant, serviceRole } from './iam';
import type { ImageBuild } from './image-build';
import type { SourceRepository } from './source-repository';
import { IMAGE_PLACEHOLDER } from './task-definition';

/** Names of the artifacts passed between stages. */
export const ARTIFACTS = {
  source: 'SourceCode',
  deploymentFiles: 'DeploymentFiles',
  image: 'ImageDetail',
} as const;

/** Namespace of the CodeCommit action's output variables (CommitId, BranchName, ...). */
export const SOURCE_VARIABLES = 'SourceVariables';

export interface DeliveryPipelineProps {
  readonly names: { pipeline: string; pipelineRole: string; pipelineTriggerRole: string; pipelineTriggerRule: string };
  readonly accountId: string;
  readonly arn: ArnBuilder;
  readonly repository: SourceRepository;
  readonly artifactStore: ArtifactStore;
  /** The zipped appspec.yaml and taskdef.json: the pipeline starts once on creation and reads them. */
  readonly deploymentFiles: DeploymentFiles;
  /** Family of taskdef.json: the deploy action registers revisions of it. */
  readonly taskDefinitionFamily: string;
  readonly build: ImageBuild;
  readonly deployment: BlueGreenDeployment;
  /** Roles named in taskdef.json: the deploy action registers it and so passes them to ECS. */
  readonly taskRoles: readonly IamRole[];
}

/**
 * CodePipeline (V2): Source (CodeCommit push + the deployment files from S3) -> Build (image)
 * -> Deploy (CodeDeploy blue/green). Started by an EventBridge rule on pushes to the branch;
 * nothing polls.
 */
export class DeliveryPipeline extends Construct {
  readonly pipelineName: string;
  readonly pipelineArn: string;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { repository, artifactStore, build, deployment } = props;

    const role = serviceRole(this, 'role', {
      name: props.names.pipelineRole,
      description: 'CodePipeline: runs the source, build and deploy actions of one environment',
      servicePrincipal: 'codepipeline.amazonaws.com',
      // No source-account condition: CodePipeline's documented trust policy has none, and CreatePipeline
      // fails with "not authorized to perform AssumeRole" when the service does not send the key
      // (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-service-role-cli.html).
    });
    artifactStore.grantReadWrite(role, 'artifacts');
    grant(this, 'actions', role, [
      ...repository.sourceActionStatements(),
      { sid: 'RunBuild', actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'], resources: [build.projectArn] },
      {
        sid: 'RegisterRevision',
        actions: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
        resources: [deployment.applicationArn],
      },
      { sid: 'StartDeployment', actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'], resources: [deployment.deploymentGroupArn] },
      { sid: 'ReadDeploymentConfig', actions: ['codedeploy:GetDeploymentConfig'], resources: [deployment.deploymentConfigArn] },
      {
        // The Service Authorization Reference lists task-definition as RegisterTaskDefinition's resource;
        // the deploy action registers taskdef.json, whose family is this one, so every revision is in scope.
        sid: 'RegisterTaskDefinition',
        actions: ['ecs:RegisterTaskDefinition'],
        resources: [props.arn('ecs', `task-definition/${props.taskDefinitionFamily}:*`)],
      },
      {
        sid: 'PassTaskRoles',
        actions: ['iam:PassRole'],
        resources: props.taskRoles.map((taskRole) => taskRole.arn),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);

    const pipeline = new Codepipeline(this, 'pipeline', {
      name: props.names.pipeline,
      pipelineType: 'V2',
      executionMode: 'QUEUED', // every push is deployed, in order; a deployment is never superseded midway
      roleArn: role.arn,
      artifactStore: [
        { location: artifactStore.bucketName, type: 'S3', encryptionKey: { id: artifactStore.keyArn, type: 'KMS' } },
      ],
      stage: [
        {
          name: 'Source',
          action: [
            {
              name: 'Application',
              category: 'Source',
              owner: 'AWS',
              provider: 'CodeCommit',
              version: '1',
              namespace: SOURCE_VARIABLES,
              outputArtifacts: [ARTIFACTS.source],
              configuration: {
                RepositoryName: repository.repositoryName,
                BranchName: repository.branch,
                PollForSourceChanges: 'false', // the EventBridge rule below starts the pipeline
                OutputArtifactFormat: 'CODE_ZIP',
              },
            },
            {
              name: 'DeploymentFiles',
              category: 'Source',
              owner: 'AWS',
              provider: 'S3',
              version: '1',
              outputArtifacts: [ARTIFACTS.deploymentFiles],
              configuration: {
                S3Bucket: artifactStore.bucketName,
                S3ObjectKey: props.deploymentFiles.objectKey,
                PollForSourceChanges: 'false', // read at each run; edits arrive with `cdktf deploy`
              },
            },
          ],
        },
        {
          name: 'Build',
          action: [
            {
              name: 'Image',
              category: 'Build',
              owner: 'AWS',
              provider: 'CodeBuild',
              version: '1',
              inputArtifacts: [ARTIFACTS.source],
              outputArtifacts: [ARTIFACTS.image],
              configuration: {
                ProjectName: build.projectName,
                EnvironmentVariables: JSON.stringify([
                  { name: 'COMMIT_ID', value: `#{${SOURCE_VARIABLES}.CommitId}`, type: 'PLAINTEXT' },
                ]),
              },
            },
          ],
        },
        {
          name: 'Deploy',
          action: [
            {
              name: 'BlueGreen',
              category: 'Deploy',
              owner: 'AWS',
              provider: 'CodeDeployToECS',
              version: '1',
              inputArtifacts: [ARTIFACTS.deploymentFiles, ARTIFACTS.image],
              configuration: {
                ApplicationName: deployment.applicationName,
                DeploymentGroupName: deployment.deploymentGroupName,
                TaskDefinitionTemplateArtifact: ARTIFACTS.deploymentFiles,
                TaskDefinitionTemplatePath: 'taskdef.json',
                AppSpecTemplateArtifact: ARTIFACTS.deploymentFiles,
                AppSpecTemplatePath: 'appspec.yaml',
                Image1ArtifactName: ARTIFACTS.image,
                Image1ContainerName: IMAGE_PLACEHOLDER,
              },
            },
          ],
        },
      ],
      // CodePipeline starts a run as soon as the pipeline exists: the deployment files must be there by then.
      dependsOn: [props.deploymentFiles.object],
    });
    this.pipelineName = pipeline.name;
    this.pipelineArn = pipeline.arn;

    this.startOnPush(props);
  }

  /** EventBridge rule: a push (branch created or updated) to the configured branch starts the pipeline. */
  private startOnPush(props: DeliveryPipelineProps): void {
    const role = serviceRole(this, 'trigger-role', {
      name: props.names.pipelineTriggerRole,
      description: 'EventBridge: starts the pipeline on pushes',
      servicePrincipal: 'events.amazonaws.com',
      sourceAccount: props.accountId,
    });
    grant(this, 'start-pipeline', role, [{ actions: ['codepipeline:StartPipelineExecution'], resources: [this.pipelineArn] }]);

    const rule = new CloudwatchEventRule(this, 'on-push', {
      name: props.names.pipelineTriggerRule,
      description: `Start ${props.names.pipeline} on pushes to ${props.repository.branch}`,
      eventPattern: JSON.stringify(pushEventPattern(props.repository.repositoryArn, props.repository.branch)),
    });
    new CloudwatchEventTarget(this, 'on-push-target', { rule: rule.name, arn: this.pipelineArn, roleArn: role.arn });
  }
}

/** CodeCommit's event for a branch being created or moved by a push. */
function pushEventPattern(repositoryArn: string, branch: string): object {
  return {
    source: ['aws.codecommit'],
    'detail-type': ['CodeCommit Repository State Change'],
    resources: [repositoryArn],
    detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: [branch] },
  };
}
