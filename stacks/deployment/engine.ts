import type { CodepipelineStageAction } from '@cdktf/provider-aws/lib/codepipeline';
import type { PolicyStatement } from '../shared/iam';

/** Artifact names the pipeline hands to its deploy action. */
export interface DeployInputs {
  /** The zipped static deployment files (appspec.yaml, taskdef.json). */
  readonly deploymentFiles: string;
  /** The build's output: imageDetail.json. */
  readonly image: string;
}

export interface EngineOutput {
  readonly value: string;
  readonly description: string;
}

/**
 * The seam between the delivery pipeline and whatever deploys the service: the pipeline asks the
 * engine for its deploy action and the permissions that action needs, and knows nothing else of it.
 */
export interface DeploymentEngine {
  /** The Deploy stage's action. */
  deployAction(inputs: DeployInputs): CodepipelineStageAction;
  /** What the pipeline role needs to run that action, and nothing more. */
  pipelineStatements(): PolicyStatement[];
  /** Stack outputs that name the engine's resources, by output name. */
  readonly outputs: Readonly<Record<string, EngineOutput>>;
}
