import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAws, checkNode, checkPlaceholders, checkProviders, checkTerraform } from '../tools/doctor';
import { answer, awsEndpoint, type AwsEndpoint } from './support/aws-endpoint';
import { environments } from '../stacks/config/environments';
import { loadEnvironments } from '../stacks/config/load';

// `npm run doctor <env>`: each check says ok, or what to fix, before a first deploy.

const [dev, staging] = loadEnvironments(environments, ['dev', 'staging']);
const terraform = (version: string) => () =>
  ({ status: 0, stdout: JSON.stringify({ terraform_version: version }), error: undefined }) as never;

describe('doctor, offline checks', () => {
  it('wants Node.js 20 or newer', () => {
    expect(checkNode('20.20.2').status).toBe('ok');
    expect(checkNode('18.19.0')).toMatchObject({
      status: 'fix',
      detail: expect.stringContaining('install Node.js 20'),
    });
  });

  it('wants Terraform 1.10 for S3 state with use_lockfile, and says so', () => {
    const withState = { ...dev, state: { bucket: 'tf-state', keyPrefix: 'ecs-bluegreen' } };
    expect(checkTerraform(withState, terraform('1.9.8'))).toMatchObject({
      status: 'fix',
      detail: '1.9.8, but S3 state with use_lockfile need 1.10.0 or newer. Fix: upgrade Terraform',
    });
    expect(checkTerraform(withState, terraform('1.11.4')).status).toBe('ok');
    expect(checkTerraform(dev, terraform('1.9.8')).status).toBe('ok');
    const missing = () => ({ status: null, stdout: '', error: new Error('ENOENT') }) as never;
    expect(checkTerraform(dev, missing)).toMatchObject({
      status: 'fix',
      detail: expect.stringContaining('not found on PATH'),
    });
  });

  it('lists every placeholder the shipped examples leave, with its fix', () => {
    expect(checkPlaceholders(dev).detail).toBe(
      'accountId is the placeholder "111111111111": set your account id (`aws sts get-caller-identity --query Account`)',
    );
    expect(checkPlaceholders(staging).detail).toContain(
      'pipeline.source.repository is the placeholder "example-org/web"',
    );
    const real = { ...dev, accountId: '350123456789' };
    expect(checkPlaceholders(real).status).toBe('ok');
  });
});

describe('doctor, where the providers come from', () => {
  const saved = process.env.TF_CLI_CONFIG_FILE;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-'));
    writeFileSync(
      join(dir, 'terraformrc'),
      `provider_installation {\n  filesystem_mirror {\n    path = "${dir}/mirror"\n  }\n}\n`,
    );
    process.env.TF_CLI_CONFIG_FILE = join(dir, 'terraformrc');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = saved;
  });

  it('names the pinned versions a configured mirror lacks, and is ok once it has them', async () => {
    expect(await checkProviders(true)).toMatchObject({
      status: 'fix',
      detail: expect.stringContaining('lacks registry.terraform.io/hashicorp/aws 6.25.0'),
    });
    mkdirSync(join(dir, 'mirror', 'registry.terraform.io', 'hashicorp', 'aws', '6.25.0'), { recursive: true });
    mkdirSync(join(dir, 'mirror', 'registry.terraform.io', 'hashicorp', 'archive', '2.7.1'), { recursive: true });
    expect((await checkProviders(true)).status).toBe('ok');
  });

  it('without a mirror, needs the registry: a fix when it cannot be reached, skipped with --offline', async () => {
    writeFileSync(join(dir, 'terraformrc'), '');
    expect(await checkProviders(false, async () => false)).toMatchObject({
      status: 'fix',
      detail: expect.stringContaining(
        'the Terraform registry cannot be reached and no filesystem mirror is configured',
      ),
    });
    expect((await checkProviders(false, async () => true)).status).toBe('ok');
    expect((await checkProviders(true)).status).toBe('skipped');
  });
});

describe('doctor, with credentials (against a local endpoint answering in STS wire format)', () => {
  const saved = { ...process.env };
  let endpoint: AwsEndpoint;
  beforeAll(async () => {
    // STS GetCallerIdentity as its API reference shows it: the caller is in account 123456789012.
    endpoint = await awsEndpoint((call) => {
      if (call.operation === 'GetCallerIdentity') return answer('sts', 'GetCallerIdentity');
      throw new Error(`unexpected ${call.service}:${call.operation}`);
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    process.env = { ...saved };
    await endpoint.close();
  });

  it('refuses credentials for another account than the environment, and checks nothing else with them', async () => {
    const findings = await checkAws(dev);
    expect(findings).toEqual([
      {
        check: 'Credentials',
        status: 'fix',
        detail:
          'they are for account 123456789012, but dev is for 111111111111 (the provider refuses any other). Fix: use a profile of 111111111111, or correct accountId',
      },
    ]);
    expect(endpoint.calls.map((call) => call.operation)).toEqual(['GetCallerIdentity']);
  });
});
