import type { Construct } from 'constructs';
import type { CodepipelineStageAction } from '@cdktf/provider-aws/lib/codepipeline';
import {
  CodebuildProject,
  type CodebuildProjectCache,
  type CodebuildProjectEnvironmentEnvironmentVariable,
} from '@cdktf/provider-aws/lib/codebuild-project';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { ARCHITECTURES, type CpuArchitecture } from '../shared/architecture';
import { grant, serviceRole, type PolicyStatement } from '../shared/iam';
import { logGroup, logStreamsOf } from '../shared/log-group';
import { readArtifact } from '../shared/templates';
import type { ArtifactStore } from './artifact-store';

export interface PipelineProjectProps {
  readonly projectName: string;
  readonly roleName: string;
  readonly logGroupName: string;
  readonly description: string;
  readonly roleDescription: string;
  /** The artifacts/ file CodeBuild runs, inlined into the project. */
  readonly buildspec: string;
  readonly artifactStore: ArtifactStore;
  readonly timeoutMinutes: number;
  /** The images it handles run on this architecture (the curated image of the same one). */
  readonly architecture: CpuArchitecture;
  /** Runs Docker (needs the privileged mode). */
  readonly docker: boolean;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly cache?: CodebuildProjectCache;
}

/** A CodeBuild project a pipeline action runs, its role (CodeBuild, this account only) and its log group. */
export interface PipelineProject {
  readonly role: IamRole;
  readonly projectName: string;
  readonly projectArn: string;
}

/**
 * A CodeBuild project for a pipeline action: CODEPIPELINE source and artifacts, an inline buildspec from
 * artifacts/, logs in its own encrypted group, and a role that may write those logs and nothing else yet
 * (callers grant the rest). Creates its parts in `scope` under fixed ids, so callers keep their addresses.
 * The curated Amazon Linux images include the AWS CLI, jq, Docker and buildx
 * (https://github.com/aws/aws-codebuild-docker-images, al/x86_64/standard/5.0/Dockerfile).
 */
export function pipelineProject(scope: Construct, props: PipelineProjectProps): PipelineProject {
  const logs = logGroup(scope, 'logs', props.logGroupName);
  const role = serviceRole(scope, 'role', {
    name: props.roleName,
    description: props.roleDescription,
    servicePrincipal: 'codebuild.amazonaws.com',
    thisAccountOnly: true,
  });
  grant(scope, 'write-logs', role, [
    { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamsOf(logs)] },
  ]);
  const environmentVariable: CodebuildProjectEnvironmentEnvironmentVariable[] = Object.entries(
    props.environmentVariables,
  ).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' }));
  const project = new CodebuildProject(scope, 'project', {
    name: props.projectName,
    description: props.description,
    serviceRole: role.arn,
    buildTimeout: props.timeoutMinutes,
    encryptionKey: props.artifactStore.keyArn,
    source: { type: 'CODEPIPELINE', buildspec: readArtifact(props.buildspec) },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      type: ARCHITECTURES[props.architecture].buildEnvironmentType,
      computeType: 'BUILD_GENERAL1_SMALL',
      image: ARCHITECTURES[props.architecture].buildImage,
      imagePullCredentialsType: 'CODEBUILD',
      ...(props.docker ? { privilegedMode: true } : {}), // the Docker daemon needs it
      environmentVariable,
    },
    ...(props.cache ? { cache: props.cache } : {}),
    logsConfig: { cloudwatchLogs: { groupName: logs.name, status: 'ENABLED' }, s3Logs: { status: 'DISABLED' } },
  });
  return { role, projectName: project.name, projectArn: project.arn };
}

/** What the pipeline role needs to run (and stop) a CodeBuild action of this project. */
export function runBuildStatement(projectArn: string): PolicyStatement {
  return {
    actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
    resources: [projectArn],
  };
}

/** A pipeline action that runs a CodeBuild project with per-action environment variables. */
export function codeBuildAction(props: {
  readonly name: string;
  readonly category: 'Build';
  readonly projectName: string;
  readonly input: string;
  readonly output?: string;
  readonly variables: Readonly<Record<string, string>>;
}): CodepipelineStageAction {
  return {
    name: props.name,
    category: props.category,
    owner: 'AWS',
    provider: 'CodeBuild',
    version: '1',
    inputArtifacts: [props.input],
    ...(props.output ? { outputArtifacts: [props.output] } : {}),
    configuration: {
      ProjectName: props.projectName,
      EnvironmentVariables: JSON.stringify(
        Object.entries(props.variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
      ),
    },
  };
}
