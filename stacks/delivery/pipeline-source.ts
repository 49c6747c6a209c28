import type { CodepipelineStageAction, CodepipelineTrigger } from '@cdktf/provider-aws/lib/codepipeline';
import type { EngineOutput } from '../deployment/engine';
import type { PolicyStatement } from '../shared/iam';

/** How the Source stage names what the application action produces. */
export interface SourceActionNames {
  readonly actionName: string;
  readonly outputArtifact: string;
  /** Namespace of the action's output variables; CommitId tags the image. */
  readonly namespace: string;
}

/**
 * Where the application code comes from: the pipeline asks its source for the Source stage's
 * application action, the permissions that action needs, and how pushes start the pipeline.
 */
export interface PipelineSource {
  readonly branch: string;
  sourceAction(names: SourceActionNames): CodepipelineStageAction;
  pipelineStatements(): PolicyStatement[];
  /** V2 pipeline triggers that start the pipeline on pushes; empty when pushes arrive as events. */
  triggers(actionName: string): CodepipelineTrigger[];
  /** EventBridge pattern of a push to the branch (and how to describe it), for sources that report pushes as events. */
  pushEventPattern(): { pattern: object; description: string } | undefined;
  /** Stack outputs that say how to push to the source. */
  readonly outputs: Readonly<Record<string, EngineOutput>>;
}

/** A Source-stage action of an AWS provider that outputs the commit and its variables. */
export function applicationSourceAction(
  names: SourceActionNames,
  provider: string,
  configuration: Record<string, string>,
): CodepipelineStageAction {
  return {
    name: names.actionName,
    category: 'Source',
    owner: 'AWS',
    provider,
    version: '1',
    namespace: names.namespace,
    outputArtifacts: [names.outputArtifact],
    configuration,
  };
}
