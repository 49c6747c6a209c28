import type { CodepipelineStageAction } from '@cdktf/provider-aws/lib/codepipeline';
import type { TaskDefinitionValues } from '../service/task-definition';
import type { PolicyStatement } from '../shared/iam';

/** Artifact names the pipeline hands to its deploy action. */
export interface DeployInputs {
  /** The zipped static deployment files, when the engine asked for them. */
  readonly deploymentFiles?: string;
  /** The build's output: the engine's image file. */
  readonly image: string;
}

export interface EngineOutput {
  readonly value: string;
  readonly description: string;
}

/** The file the build writes for the deploy action, and the artifact that carries it. */
export interface ImageFile {
  /** imageDetail.json (CodeDeployToECS) or imagedefinitions.json (the ECS action). */
  readonly name: 'imageDetail.json' | 'imagedefinitions.json';
  readonly artifact: string;
}

/** What the static deployment files (appspec.yaml, taskdef.json) describe. */
export interface DeploymentFilesSpec {
  readonly taskDefinition: TaskDefinitionValues;
  /** Replacement tasks' network: they run here whatever the service was created with. */
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Lifecycle event -> hook function name, for the appspec Hooks section. */
  readonly hooks: Readonly<Record<string, string>>;
}

/**
 * The seam between the delivery pipeline and whatever deploys the service: the pipeline asks the
 * engine what the build must write, which static files to provide, its deploy action and the
 * permissions that action needs, and knows nothing else of it.
 */
export interface DeploymentEngine {
  readonly imageFile: ImageFile;
  /** The static deployment files the deploy action reads, if it reads any. */
  readonly deploymentFiles?: DeploymentFilesSpec;
  /** The Deploy stage's action. */
  deployAction(inputs: DeployInputs): CodepipelineStageAction;
  /** What the pipeline role needs to run that action, and nothing more. */
  pipelineStatements(): PolicyStatement[];
  /** Stack outputs that name the engine's resources, by output name. */
  readonly outputs: Readonly<Record<string, EngineOutput>>;
}
