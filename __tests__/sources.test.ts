import { APPLICATION_ACTION, ARTIFACTS, SOURCE_VARIABLES } from '../stacks/delivery/delivery-pipeline';
import { allowing, devWith, type Json, shipped, statementsOfRole, synthesize, type Synthesized } from './support/synth';

// Connection sources (pipeline.source): GitHub, GitHub Enterprise Server, GitLab, Bitbucket through AWS
// CodeConnections. The shipped staging environment uses GitHub with a connection the stack creates.

const staging = synthesize(shipped('staging'));
const EXISTING = 'arn:aws:codeconnections:eu-central-1:111111111111:connection/11111111-2222-3333-4444-555555555555';
const existing = synthesize(
  devWith(
    (e) =>
      (e.pipeline.source = {
        provider: 'Bitbucket',
        repository: 'acme/web',
        connectionArn: EXISTING,
        filePaths: ['app/**', 'Dockerfile'],
      }),
  ),
);

const pipelineOf = (stack: Synthesized) => stack.resource('aws_codepipeline').config;
const applicationAction = (stack: Synthesized) =>
  pipelineOf(stack).stage[0].action.find((a: Json) => a.name === APPLICATION_ACTION);

describe('a GitHub source with a connection the stack creates (staging)', () => {
  const connection = staging.resource('aws_codestarconnections_connection');

  it('creates the connection for GitHub, which stays PENDING until the console handshake, and says so', () => {
    expect(connection.config).toMatchObject({ name: 'web-staging', provider_type: 'GitHub' });
    expect(staging.outputs.source_connection_arn).toEqual({
      value: connection.ref('arn'),
      description: expect.stringContaining('PENDING'),
    });
    // A pipeline and trigger created while the connection was PENDING may not receive pushes afterwards:
    // the output says what to do once the handshake is done.
    expect(staging.outputs.source_connection_arn.description).toMatch(/then replace the pipeline once/);
  });

  it('fetches the branch with CodeStarSourceConnection as a zip, publishing the commit id variable', () => {
    expect(applicationAction(staging)).toEqual({
      name: APPLICATION_ACTION,
      category: 'Source',
      owner: 'AWS',
      provider: 'CodeStarSourceConnection',
      version: '1',
      namespace: SOURCE_VARIABLES,
      output_artifacts: [ARTIFACTS.source],
      configuration: {
        ConnectionArn: connection.ref('arn'),
        FullRepositoryId: 'example-org/web',
        BranchName: 'main',
        OutputArtifactFormat: 'CODE_ZIP',
      },
    });
  });

  it('starts on pushes to the branch through a V2 trigger, with no CodeCommit repository or EventBridge rule', () => {
    expect(pipelineOf(staging).trigger).toEqual([
      {
        provider_type: 'CodeStarSourceConnection',
        git_configuration: { source_action_name: APPLICATION_ACTION, push: [{ branches: { includes: ['main'] } }] },
      },
    ]);
    expect(staging.resources('aws_codecommit_repository')).toEqual({});
    const rules = Object.values(staging.resources('aws_cloudwatch_event_rule')) as Json[];
    expect(rules.filter((rule) => rule.name.endsWith('-on-push'))).toEqual([]);
  });

  it('lets the pipeline use exactly that connection, under both service prefixes', () => {
    const statements = statementsOfRole(staging, '-codepipeline');
    for (const action of ['codeconnections:UseConnection', 'codestar-connections:UseConnection']) {
      expect(allowing(statements, action)).toEqual([expect.objectContaining({ Resource: connection.ref('arn') })]);
    }
    expect(
      statements.flatMap((s: Json) => [s.Action].flat()).filter((a: string) => a.startsWith('codecommit:')),
    ).toEqual([]);
  });
});

describe('a source with an existing connection and path filters', () => {
  it('creates no connection and uses the given one', () => {
    expect(existing.resources('aws_codestarconnections_connection')).toEqual({});
    expect(applicationAction(existing).configuration).toMatchObject({
      ConnectionArn: EXISTING,
      FullRepositoryId: 'acme/web',
    });
    const statements = statementsOfRole(existing, '-codepipeline');
    expect(allowing(statements, 'codeconnections:UseConnection')).toEqual([
      expect.objectContaining({ Resource: EXISTING }),
    ]);
  });

  it('starts only on pushes that change the listed paths', () => {
    expect(pipelineOf(existing).trigger[0].git_configuration.push).toEqual([
      { branches: { includes: ['main'] }, file_paths: { includes: ['app/**', 'Dockerfile'] } },
    ]);
  });
});

describe('the CodeCommit source (dev)', () => {
  it('keeps the EventBridge push rule and no V2 trigger', () => {
    const dev = synthesize(shipped('dev'));
    expect(pipelineOf(dev).trigger).toBeUndefined();
    expect(
      dev.resource('aws_cloudwatch_event_rule', (r) => r.name.endsWith('-on-push')).config.event_pattern,
    ).toContain('aws.codecommit');
  });
});
