import { Construct } from 'constructs';
import type { CodepipelineStageAction, CodepipelineTrigger } from '@cdktf/provider-aws/lib/codepipeline';
import { CodestarconnectionsConnection } from '@cdktf/provider-aws/lib/codestarconnections-connection';
import type { EngineOutput } from '../deployment/engine';
import { EnvironmentContext } from '../shared/context';
import type { PolicyStatement } from '../shared/iam';
import { applicationSourceAction, type PipelineSource, type SourceActionNames } from './pipeline-source';

export interface ConnectionSourceProps {
  /** CodeConnections provider type: GitHub, GitHubEnterpriseServer, GitLab or Bitbucket. */
  readonly provider: string;
  /** "owner/repository". */
  readonly repository: string;
  readonly branch: string;
  /** An existing connection; without it one is created (PENDING until the console handshake). */
  readonly connectionArn?: string;
  /** Only pushes changing a matching path start the pipeline; empty: any push. */
  readonly filePaths: readonly string[];
}

/**
 * A repository on GitHub, GitLab or Bitbucket, reached through an AWS CodeConnections connection.
 * The pipeline's CodeStarSourceConnection action fetches the commit as a zip, and a V2 pipeline
 * trigger with a push filter on the branch (and paths) starts the pipeline.
 */
export class ConnectionSource extends Construct implements PipelineSource {
  readonly branch: string;
  readonly connectionArn: string;
  readonly outputs: Readonly<Record<string, EngineOutput>>;
  private readonly props: ConnectionSourceProps;

  constructor(scope: Construct, id: string, props: ConnectionSourceProps) {
    super(scope, id);
    this.props = props;
    this.branch = props.branch;
    const created = !props.connectionArn;
    this.connectionArn =
      props.connectionArn ??
      new CodestarconnectionsConnection(this, 'connection', {
        name: EnvironmentContext.of(this).names.sourceConnection,
        providerType: props.provider,
      }).arn;
    this.outputs = {
      source_repository: {
        value: `${props.provider}: ${props.repository}`,
        description: 'Pushes to the branch deploy',
      },
      source_connection_arn: {
        value: this.connectionArn,
        description: created
          ? 'Created PENDING: complete it in the console (Developer Tools > Settings > Connections), then replace ' +
            'the pipeline once so its push trigger is registered with the available connection (docs/operating.md, "A connection ' +
            'the stack creates"); until then pushes may not start it'
          : 'The existing connection the pipeline uses',
      },
    };
  }

  sourceAction(names: SourceActionNames): CodepipelineStageAction {
    return applicationSourceAction(names, 'CodeStarSourceConnection', {
      ConnectionArn: this.connectionArn,
      FullRepositoryId: this.props.repository,
      BranchName: this.branch,
      OutputArtifactFormat: 'CODE_ZIP',
    });
  }

  /**
   * The action uses the connection. AWS documents both service prefixes: connections created before
   * the rename to CodeConnections are authorized as codestar-connections:, newer ones as codeconnections:
   * (https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html).
   */
  pipelineStatements(): PolicyStatement[] {
    return [
      {
        sid: 'UseSourceConnection',
        actions: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
        resources: [this.connectionArn],
      },
    ];
  }

  triggers(actionName: string): CodepipelineTrigger[] {
    const filePaths = this.props.filePaths.length > 0 ? { filePaths: { includes: [...this.props.filePaths] } } : {};
    return [
      {
        providerType: 'CodeStarSourceConnection',
        gitConfiguration: {
          sourceActionName: actionName,
          push: [{ branches: { includes: [this.branch] }, ...filePaths }],
        },
      },
    ];
  }

  pushEventPattern(): undefined {
    return undefined;
  }
}
