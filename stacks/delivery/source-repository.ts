import { Construct } from 'constructs';
import type { CodepipelineStageAction, CodepipelineTrigger } from '@cdktf/provider-aws/lib/codepipeline';
import { CodecommitRepository } from '@cdktf/provider-aws/lib/codecommit-repository';
import type { EngineOutput } from '../deployment/engine';
import { EnvironmentContext } from '../shared/context';
import type { PolicyStatement } from '../shared/iam';
import { applicationSourceAction, type PipelineSource, type SourceActionNames } from './pipeline-source';

export interface SourceRepositoryProps {
  /** The branch whose pushes deploy this environment. */
  readonly branch: string;
}

/**
 * The environment's CodeCommit repository: push an application with a Dockerfile at its root.
 * CodeCommit reports pushes to EventBridge, whose rule starts the pipeline; nothing polls.
 */
export class SourceRepository extends Construct implements PipelineSource {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly branch: string;
  readonly outputs: Readonly<Record<string, EngineOutput>>;

  constructor(scope: Construct, id: string, props: SourceRepositoryProps) {
    super(scope, id);
    const { names, region } = EnvironmentContext.of(this);
    const repository = new CodecommitRepository(this, 'repository', {
      repositoryName: names.sourceRepository,
      description: `Application source; pushes to ${props.branch} deploy this environment`,
    });
    this.repositoryName = repository.repositoryName;
    this.repositoryArn = repository.arn;
    this.branch = props.branch;
    this.outputs = {
      clone_url_http: { value: repository.cloneUrlHttp, description: 'git clone over HTTPS (credential helper)' },
      clone_url_grc: {
        // For git-remote-codecommit: `git clone codecommit::<region>://<name>`.
        value: `codecommit::${region}://${names.sourceRepository}`,
        description: 'git clone with git-remote-codecommit',
      },
    };
  }

  sourceAction(names: SourceActionNames): CodepipelineStageAction {
    return applicationSourceAction(names, 'CodeCommit', {
      RepositoryName: this.repositoryName,
      BranchName: this.branch,
      PollForSourceChanges: 'false', // the EventBridge rule starts the pipeline
      OutputArtifactFormat: 'CODE_ZIP',
    });
  }

  /** What the pipeline's CodeCommit source action calls to fetch a commit as a zip. */
  pipelineStatements(): PolicyStatement[] {
    return [
      {
        actions: [
          'codecommit:CancelUploadArchive',
          'codecommit:GetBranch',
          'codecommit:GetCommit',
          'codecommit:GetUploadArchiveStatus',
          'codecommit:UploadArchive',
        ],
        resources: [this.repositoryArn],
      },
    ];
  }

  triggers(): CodepipelineTrigger[] {
    return [];
  }

  /** CodeCommit's event for a branch being created or moved by a push. */
  pushEventPattern(): { pattern: object; description: string } {
    const pattern = {
      source: ['aws.codecommit'],
      'detail-type': ['CodeCommit Repository State Change'],
      resources: [this.repositoryArn],
      detail: {
        event: ['referenceCreated', 'referenceUpdated'],
        referenceType: ['branch'],
        referenceName: [this.branch],
      },
    };
    return { pattern, description: `on pushes to ${this.branch}` };
  }
}
