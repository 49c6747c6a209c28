import { join } from 'node:path';
import { VARIANTS } from '../.ci/variants';
import { targetOf } from '../cli/target';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import type { EnvironmentInput } from '../stacks/config/schema';
import { buildspecScript } from '../tools/buildspec-script';
import { awsApi } from './support/aws-fixtures';
import { runBuildspecScript } from './support/buildspec-run';
import {
  actionsOf,
  allowing,
  appRepository,
  policy,
  shipped,
  statementsOfRole,
  synthesize,
  type Json,
  type Synthesized,
} from './support/synth';

// Build once, promote: shipped prod (account 222222222222) deploys the digest dev (111111111111) built
// and deployed, after an approval; the lab -> labnext variants promote within one account. Expected
// ARNs are written out from the documented ARN formats and the account ids in the config files.

const all = [...environments, ...VARIANTS];
const stackOf = (name: string) =>
  synthesize(
    all.find((env) => env.name === name)!,
    all,
  );
const dev = stackOf('dev');
const prod = stackOf('prod');
const lab = stackOf('lab');
const labnext = stackOf('labnext');

const pipelineOf = (stack: Synthesized) => stack.resource('aws_codepipeline').config;
const stage = (stack: Synthesized, name: string) => pipelineOf(stack).stage.find((s: Json) => s.name === name);
const stageNames = (stack: Synthesized) => pipelineOf(stack).stage.map((s: Json) => s.name);

describe('the promoted environment (prod)', () => {
  it('has no build: Source (the deployment files) -> Import -> Approve -> Deploy', () => {
    expect(stageNames(prod)).toEqual(['Source', 'Import', 'Approve', 'Deploy']);
    expect(stage(prod, 'Source').action.map((a: Json) => a.provider)).toEqual(['S3']);
    expect(prod.resources('aws_codecommit_repository')).toEqual({});
    expect(Object.values(prod.resources('aws_codebuild_project')).map((p: Json) => p.name)).toEqual([
      'web-prod-import',
    ]);
    expect(Object.values(prod.resources('aws_ecr_repository')).map((r: Json) => r.name)).toEqual(['web-prod']);
  });

  it('deploys only what Import wrote, and only after the approval: the Approve stage comes between them', () => {
    const [imported] = stage(prod, 'Import').action[0].output_artifacts;
    expect(stage(prod, 'Deploy').action[0].input_artifacts).toContain(imported);
    const [approval] = stage(prod, 'Approve').action;
    // CodePipeline runs a stage only once the one before it succeeded; a rejected approval fails its stage.
    expect(stageNames(prod).indexOf('Approve')).toBe(stageNames(prod).indexOf('Deploy') - 1);
    expect(approval).toMatchObject({ category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' });
  });

  it('announces the approval on the topic, with the commit, digest and upstream deployment, and links the upstream run', () => {
    const topic = prod.resource('aws_sns_topic');
    const { configuration } = stage(prod, 'Approve').action[0];
    expect(configuration.NotificationArn).toBe(topic.ref('arn'));
    for (const variable of ['CommitId', 'ImageDigest', 'UpstreamDeploymentId'])
      expect(configuration.CustomData).toContain(`#{variables.${variable}}`);
    // A configuration value may have 1000 characters once variables are resolved (CodePipeline User Guide,
    // "Variables reference"); CustomData keeps under half of that with the longest values (a 40-character
    // commit id, a sha256 digest, a 128-character deployment id).
    const longest = configuration.CustomData.replace('#{variables.CommitId}', 'c'.repeat(40))
      .replace('#{variables.ImageDigest}', `sha256:${'0'.repeat(64)}`)
      .replace('#{variables.UpstreamDeploymentId}', 'd'.repeat(128));
    expect(longest.length).toBeLessThanOrEqual(500);
    expect(configuration.ExternalEntityLink).toBe(
      'https://eu-central-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/web-dev/executions/#{variables.UpstreamExecutionId}/timeline?region=eu-central-1',
    );
    // The pipeline role may publish to the topic, with its key for that topic only.
    const statements = statementsOfRole(prod, '-codepipeline');
    expect(allowing(statements, 'sns:Publish')).toEqual([expect.objectContaining({ Resource: topic.ref('arn') })]);
    expect(allowing(statements, 'kms:GenerateDataKey')).toContainEqual(
      expect.objectContaining({
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topic.ref('arn') } },
      }),
    );
  });

  it('declares the variables a promotion starts it with; their default is not a digest', () => {
    expect(pipelineOf(prod).variable.map((v: Json) => v.name)).toEqual([
      'ImageDigest',
      'CommitId',
      'UpstreamDeploymentId',
      'UpstreamExecutionId',
    ]);
    const digest = pipelineOf(prod).variable.find((v: Json) => v.name === 'ImageDigest');
    expect(digest.default_value).not.toMatch(/^sha256:/);
  });

  it("imports the run's digest, reading where the upstream's images are from promotion.json in the deployment files", () => {
    const [action] = stage(prod, 'Import').action;
    expect(action.input_artifacts).toEqual(stage(prod, 'Source').action[0].output_artifacts);
    expect(JSON.parse(action.configuration.EnvironmentVariables)).toEqual([
      { name: 'IMAGE_DIGEST', value: '#{variables.ImageDigest}', type: 'PLAINTEXT' },
      { name: 'COMMIT_ID', value: '#{variables.CommitId}', type: 'PLAINTEXT' },
    ]);
    // <account>.dkr.ecr.<region>.amazonaws.com/<repository> (ECR registry URI format).
    expect(JSON.parse(prod.deploymentFile('promotion.json')).from).toMatchObject({
      environment: 'dev',
      accountId: '111111111111',
      repositoryUri: '111111111111.dkr.ecr.eu-central-1.amazonaws.com/web-dev',
    });
  });

  it("lets Import pull from exactly dev's repository, and push only to its own", () => {
    const statements = statementsOfRole(prod, '-import');
    expect(
      allowing(statements, 'ecr:BatchGetImage')
        .map((s) => s.Resource)
        .sort(),
    ).toEqual(['arn:aws:ecr:eu-central-1:111111111111:repository/web-dev', appRepository(prod).ref('arn')].sort());
    expect(allowing(statements, 'ecr:PutImage').map((s) => s.Resource)).toEqual([appRepository(prod).ref('arn')]);
    const otherAccount = statements.filter((s) => JSON.stringify(s.Resource).includes('111111111111'));
    expect(otherAccount.flatMap(actionsOf).sort()).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    ]);
  });

  it("lets dev's Promote role, by ARN and from dev's account only, start this pipeline and nothing else", () => {
    const role = prod.resource('aws_iam_role', (r) => r.name === 'web-prod-promotion-start');
    expect(policy(role.config.assume_role_policy).Statement).toEqual([
      {
        Sid: 'UpstreamPromoteStepStartsThisPipeline',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: 'sts:AssumeRole',
        Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/web-dev-promote' } },
      },
    ]);
    expect(statementsOfRole(prod, '-promotion-start')).toEqual([
      {
        Effect: 'Allow',
        Action: 'codepipeline:StartPipelineExecution',
        Resource: 'arn:aws:codepipeline:eu-central-1:222222222222:web-prod',
      },
    ]);
  });
});

describe('the environment promoted from (dev)', () => {
  it('promotes only after its own deployment succeeded: the Promote stage follows Deploy', () => {
    expect(stageNames(dev)).toEqual(['Source', 'Build', 'Deploy', 'Promote']);
    const [toProd] = stage(dev, 'Promote').action;
    const [built] = stage(dev, 'Build').action[0].output_artifacts;
    // It reads the image file the Deploy stage deployed, which pins the digest.
    expect(stage(dev, 'Deploy').action[0].input_artifacts).toContain(built);
    expect(toProd.input_artifacts).toEqual([built]);
    expect(JSON.parse(toProd.configuration.EnvironmentVariables)).toEqual([
      { name: 'DOWNSTREAM', value: 'prod', type: 'PLAINTEXT' },
      { name: 'DOWNSTREAM_PIPELINE', value: 'web-prod', type: 'PLAINTEXT' },
      { name: 'START_ROLE_ARN', value: 'arn:aws:iam::222222222222:role/web-prod-promotion-start', type: 'PLAINTEXT' },
      { name: 'COMMIT_ID', value: '#{SourceVariables.CommitId}', type: 'PLAINTEXT' },
      { name: 'PIPELINE_EXECUTION_ID', value: '#{codepipeline.PipelineExecutionId}', type: 'PLAINTEXT' },
    ]);
  });

  it("may assume exactly prod's start role and read its own runs, nothing else of either account", () => {
    const statements = statementsOfRole(dev, '-promote');
    expect(allowing(statements, 'sts:AssumeRole')).toEqual([
      expect.objectContaining({ Resource: 'arn:aws:iam::222222222222:role/web-prod-promotion-start' }),
    ]);
    expect(allowing(statements, 'codepipeline:ListActionExecutions')).toEqual([
      expect.objectContaining({ Resource: 'arn:aws:codepipeline:eu-central-1:111111111111:web-dev' }),
    ]);
    expect(statements.flatMap(actionsOf)).not.toContain('s3:PutObject');
  });

  it("grants prod's Import role, and no one else, pulls from its repository", () => {
    const repositoryPolicy = dev.resource('aws_ecr_repository_policy');
    expect(repositoryPolicy.config.repository).toBe(appRepository(dev).ref('name'));
    expect(policy(repositoryPolicy.config.policy).Statement).toEqual([
      {
        Sid: 'prodImportsPromotedImages',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::222222222222:role/web-prod-import' } },
      },
    ]);
  });
});

describe('promotion within one account (lab -> labnext), ECS engine, no approval', () => {
  it('imports and deploys without an Approve stage, writing the ECS action its imagedefinitions.json', () => {
    expect(stageNames(labnext)).toEqual(['Source', 'Import', 'Deploy']);
    const project = labnext.resource('aws_codebuild_project');
    expect(project.config.environment.environment_variable).toContainEqual({
      name: 'IMAGE_FILE',
      value: 'imagedefinitions.json',
      type: 'PLAINTEXT',
    });
    expect(labnext.deploymentFileNames()).toEqual(['promotion.json']);
  });

  it("grants the same account's Import role by ARN, like another account's", () => {
    const statement = policy(lab.resource('aws_ecr_repository_policy').config.policy).Statement[0];
    expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
    expect(statement.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/web-labnext-import' },
    });
  });
});

describe('a chain (dev -> prod -> a third environment)', () => {
  const third = {
    ...structuredClone(shipped('prod')),
    name: 'dr',
    accountId: '333333333333',
    pipeline: {
      ...structuredClone(shipped('prod').pipeline),
      source: { provider: 'Promotion' as const, from: 'prod' },
    },
  };
  const chain = [...environments, third];
  const middle = synthesize(shipped('prod'), chain);

  it('promotes onwards the digest it imported, with the commit it was started with', () => {
    expect(stageNames(middle)).toEqual(['Source', 'Import', 'Approve', 'Deploy', 'Promote']);
    const [imported] = stage(middle, 'Import').action[0].output_artifacts;
    const [onwards] = stage(middle, 'Promote').action;
    expect(onwards.input_artifacts).toEqual([imported]);
    expect(JSON.parse(onwards.configuration.EnvironmentVariables)).toContainEqual({
      name: 'COMMIT_ID',
      value: '#{variables.CommitId}',
      type: 'PLAINTEXT',
    });
    expect(policy(middle.resource('aws_ecr_repository_policy').config.policy).Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::333333333333:role/web-dr-import' },
    });
  });
});

describe('bluegreen reads the stages the stack builds', () => {
  it.each(['dev', 'staging', 'prod', 'lab', 'labnext'])('%s', (name) => {
    const [config] = loadEnvironments(all, [name]);
    expect(targetOf(config).pipelineStages).toEqual(stageNames(stackOf(name)));
  });
});

describe('promotion configuration', () => {
  const prodWith = (change: (env: Json) => void): EnvironmentInput[] => {
    const prodInput = structuredClone(shipped('prod')) as Json;
    change(prodInput);
    return [...environments.filter((env) => env.name !== 'prod'), prodInput];
  };
  const rejected = (inputs: EnvironmentInput[]): string => {
    try {
      loadEnvironments(inputs);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it.each<[string, (env: Json) => void, string[]]>([
    [
      'a missing upstream',
      (env) => (env.pipeline.source.from = 'dve'),
      ['environment "prod": pipeline.source.from: "dve" is not a configured environment', 'did you mean "dev"?'],
    ],
    ['itself', (env) => (env.pipeline.source.from = 'prod'), ['pipeline.source.from: is this environment itself']],
    ['no upstream', (env) => delete env.pipeline.source.from, ['pipeline.source.from: is required for a promotion']],
    [
      'another region',
      (env) => (env.region = 'eu-west-1'),
      ['"dev" is in eu-central-1, prod in eu-west-1; promotion across regions is not supported'],
    ],
    [
      'another container name',
      (env) => (env.container.name = 'web'),
      ['environment "prod": container.name: is "web", but "dev" deploys container "app"'],
    ],
    [
      'another architecture',
      (env) => (env.container.architecture = 'arm64'),
      ['environment "prod": container.architecture: is arm64, but "dev" builds x86_64 images'],
    ],
    [
      'a repository field',
      (env) => (env.pipeline.source.repository = 'acme/web'),
      ['pipeline.source.repository: does not apply to a promotion'],
    ],
  ])('refuses %s, naming the field and the fix', (_case, change, messages) => {
    const message = rejected(prodWith(change));
    for (const text of messages) expect(message).toContain(text);
    expect(message).toContain('Fix:');
  });

  it('refuses a cycle', () => {
    const inputs = prodWith(() => undefined).map((env) =>
      env.name === 'dev'
        ? { ...env, pipeline: { ...env.pipeline, source: { provider: 'Promotion', from: 'prod' } } }
        : env,
    );
    expect(rejected(inputs as EnvironmentInput[])).toContain(
      'environment "dev": pipeline.source.from: promotions form a cycle (dev -> prod -> dev)',
    );
  });

  it('refuses promotion fields on a repository source', () => {
    const inputs = environments.map((env) =>
      env.name === 'staging'
        ? { ...env, pipeline: { ...env.pipeline, source: { ...env.pipeline?.source, approval: true } } }
        : env,
    );
    expect(rejected(inputs as EnvironmentInput[])).toContain(
      'environment "staging": pipeline.source.approval: applies to promotions only',
    );
  });

  it('refuses promoting from a retired environment', () => {
    const inputs = environments.map((env) => (env.name === 'dev' ? { ...env, retired: true } : env));
    expect(rejected(inputs)).toContain('pipeline.source.from: "dev" is retired');
  });
});

describe('import-buildspec.yml: the copy, by digest', () => {
  const SCRIPT = buildspecScript(join(__dirname, '..', 'artifacts', 'import-buildspec.yml'));
  const DEV = '111111111111.dkr.ecr.eu-central-1.amazonaws.com/web-dev';
  const PROD = '222222222222.dkr.ecr.eu-central-1.amazonaws.com/web-prod';
  const DIGEST = `sha256:${'cd'.repeat(32)}`;
  const promotionJson = JSON.stringify({ from: { environment: 'dev', region: 'eu-central-1', repositoryUri: DEV } });
  const runImport = (env: Record<string, string> = {}, imageFile = 'imageDetail.json') =>
    runBuildspecScript(SCRIPT, {
      files: { 'promotion.json': promotionJson },
      imageFile,
      env: {
        REPOSITORY_URI: PROD,
        REPOSITORY_NAME: 'web-prod',
        IMAGE_FILE: imageFile,
        CONTAINER_NAME: 'app',
        IMAGE_DIGEST: DIGEST,
        COMMIT_ID: '0123abc',
        ...env,
      },
    });

  it("copies the promoted digest from dev's registry into prod's, checks it, and hands the engine prod's copy by digest", () => {
    const run = runImport();
    expect(run.status).toBe(0);
    expect(run.calls).toContain(
      `docker buildx imagetools create --prefer-index=false --tag ${PROD}:0123abc ${DEV}@${DIGEST}`,
    );
    expect(run.calls).toContain(
      'docker login --username AWS --password-stdin 111111111111.dkr.ecr.eu-central-1.amazonaws.com',
    );
    expect(run.calls).toContain(
      'docker login --username AWS --password-stdin 222222222222.dkr.ecr.eu-central-1.amazonaws.com',
    );
    expect(run.calls.filter((c) => c.startsWith('docker build ') || c.includes('buildx build'))).toEqual([]);
    expect(run.imageDetail).toEqual({ ImageURI: `${PROD}@${DIGEST}` }); // never a tag, never dev's registry
  });

  it('writes imagedefinitions.json for the ECS action, by digest', () => {
    const run = runImport({}, 'imagedefinitions.json');
    expect(run.status).toBe(0);
    expect(run.imageDetail).toEqual([{ name: 'app', imageUri: `${PROD}@${DIGEST}` }]);
  });

  it('deploys nothing from a run no promotion started (the pipeline\'s creation run, or "Release change")', () => {
    const run = runImport({ IMAGE_DIGEST: 'none' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Nothing to promote: this run was not started by a promotion');
    expect(run.calls).toEqual([]);
    expect(run.imageDetail).toBeUndefined();
  });

  it('refuses a copy whose digest differs from what passed upstream (a pull and push that re-compressed layers)', () => {
    const run = runImport({ STUB_IMAGETOOLS_FAILS: '1', STUB_COPY_DIGEST: `sha256:${'ef'.repeat(32)}` });
    expect(run.calls).toContain(`docker pull ${DEV}@${DIGEST}`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`does not have the digest ${DIGEST} that passed upstream: nothing is deployed`);
    expect(run.imageDetail).toBeUndefined();
  });

  it('reuses a copy an earlier run made', () => {
    const run = runImport({ STUB_IMAGE_EXISTS: '1', STUB_DIGEST: DIGEST });
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.startsWith('docker buildx imagetools') || c.startsWith('docker push'))).toEqual(
      [],
    );
    expect(run.imageDetail).toEqual({ ImageURI: `${PROD}@${DIGEST}` });
  });
});

describe('promote-buildspec.yml: starting the downstream', () => {
  const SCRIPT = buildspecScript(join(__dirname, '..', 'artifacts', 'promote-buildspec.yml'));
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const DEV = '111111111111.dkr.ecr.eu-central-1.amazonaws.com/web-dev';
  const START_ROLE = 'arn:aws:iam::222222222222:role/web-prod-promotion-start';
  const runPromote = (imageFile: string, content: string, env: Record<string, string> = {}) =>
    runBuildspecScript(SCRIPT, {
      files: { [imageFile]: content },
      env: {
        PIPELINE_NAME: 'web-dev',
        IMAGE_FILE: imageFile,
        DOWNSTREAM: 'prod',
        DOWNSTREAM_PIPELINE: 'web-prod',
        START_ROLE_ARN: START_ROLE,
        COMMIT_ID: '0123abc',
        PIPELINE_EXECUTION_ID: 'e0b6a5d4-0000-4000-8000-000000000001',
        ...env,
      },
    });
  // What AWS answers, from the fixtures: the Deploy action's external id, and the assumed role's key.
  const deployment = awsApi<Json>('codepipeline', 'ListActionExecutions').response.actionExecutionDetails.find(
    (detail: Json) => detail.stageName === 'Deploy',
  ).output.executionResult.externalExecutionId;
  const assumedKey = awsApi<Json>('sts', 'AssumeRole') as Json;
  const accessKeyId = assumedKey.variants.find((v: Json) => v.name === 'cliOutput').response.Credentials.AccessKeyId;

  it("starts prod's pipeline, as prod's start role, with the deployed digest, commit and deployment", () => {
    const run = runPromote('imageDetail.json', JSON.stringify({ ImageURI: `${DEV}@${DIGEST}` }));
    expect(run.status).toBe(0);
    expect(run.calls).toContain(
      `aws sts assume-role --role-arn ${START_ROLE} --role-session-name promote-to-prod --output json`,
    );
    expect(run.state('start-credentials')).toBe(accessKeyId);
    expect(JSON.parse(run.state('start-variables')!)).toEqual([
      { name: 'ImageDigest', value: DIGEST },
      { name: 'CommitId', value: '0123abc' },
      { name: 'UpstreamDeploymentId', value: deployment },
      { name: 'UpstreamExecutionId', value: 'e0b6a5d4-0000-4000-8000-000000000001' },
    ]);
    // The run id as clientRequestToken: a retried stage sends the same request id.
    expect(run.calls.find((c) => c.includes('start-pipeline-execution'))).toContain(
      '--name web-prod --client-request-token e0b6a5d4-0000-4000-8000-000000000001',
    );
  });

  it('reads the digest from imagedefinitions.json too (ECS engine upstream)', () => {
    const run = runPromote('imagedefinitions.json', JSON.stringify([{ name: 'app', imageUri: `${DEV}@${DIGEST}` }]));
    expect(run.status).toBe(0);
    expect(JSON.parse(run.state('start-variables')!)[0]).toEqual({ name: 'ImageDigest', value: DIGEST });
  });

  it('promotes nothing from an image file that pins no digest', () => {
    const run = runPromote('imageDetail.json', JSON.stringify({ ImageURI: `${DEV}:0123abc` }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('pins no image digest');
    expect(run.calls).toEqual([]);
  });

  it('says how to fix a downstream that is not deployed, and starts nothing', () => {
    const run = runPromote('imageDetail.json', JSON.stringify({ ImageURI: `${DEV}@${DIGEST}` }), {
      STUB_ASSUME_ROLE_FAILS: '1',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      'If prod is not deployed yet, deploy it (npx cdktf deploy prod), then retry this stage',
    );
    expect(run.calls.some((c) => c.includes('start-pipeline-execution'))).toBe(false);
  });
});
