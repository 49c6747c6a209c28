import { Construct } from 'constructs';
import { CodecommitRepository } from '@cdktf/provider-aws/lib/codecommit-repository';
import { EnvironmentContext } from '../shared/context';
import type { PolicyStatement } from '../shared/iam';

export interface SourceRepositoryProps {
  /** The branch whose pushes deploy this environment. */
  readonly branch: string;
}

/** The environment's CodeCommit repository: push an application with a Dockerfile at its root. */
export class SourceRepository extends Construct {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly cloneUrlHttp: string;
  /** For git-remote-codecommit: `git clone codecommit::<region>://<name>`. */
  readonly cloneUrlGrc: string;
  readonly branch: string;

  constructor(scope: Construct, id: string, props: SourceRepositoryProps) {
    super(scope, id);
    const { names, region } = EnvironmentContext.of(this);
    const repository = new CodecommitRepository(this, 'repository', {
      repositoryName: names.sourceRepository,
      description: `Application source; pushes to ${props.branch} deploy this environment`,
    });
    this.repositoryName = repository.repositoryName;
    this.repositoryArn = repository.arn;
    this.cloneUrlHttp = repository.cloneUrlHttp;
    this.cloneUrlGrc = `codecommit::${region}://${names.sourceRepository}`;
    this.branch = props.branch;
  }

  /** What the pipeline's CodeCommit source action calls to fetch a commit as a zip. */
  sourceActionStatements(): PolicyStatement[] {
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
}
