import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments, parseSelection } from '../stacks/config/load';
import type { EnvironmentInput } from '../stacks/config/schema';
import { shiftMinutes, trafficShift } from '../stacks/config/traffic-shift';
import { deploymentWaitingTime, describeWaitingTime } from '../stacks/config/waiting-time';
import { devWith, shipped, synthesize, withPeers } from './support/synth';

/** Expects loading to fail with one message naming the environment, the field and the fix. */
function expectRejected(input: EnvironmentInput, field: string, ...details: string[]): void {
  let message = '';
  try {
    loadEnvironments(withPeers(input));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    message = (error as Error).message;
  }
  expect(message).toContain(`environment "${input.name}": ${field}:`);
  expect(message).toContain('Fix:');
  for (const detail of details) expect(message).toContain(detail);
}

describe('shipped configuration', () => {
  it('validates and applies defaults', () => {
    const [dev, , prod] = loadEnvironments(environments); // dev, staging, prod
    expect(dev.loadBalancer).toMatchObject({ productionPort: 80, testPort: 8080, testListenerAllowedCidrs: [] });
    expect(dev.network.publicSubnetCidrs).toEqual(['10.10.0.0/20', '10.10.16.0/20']);
    expect(dev.network.privateSubnetCidrs).toEqual(['10.10.128.0/20', '10.10.144.0/20']);
    expect(prod.network.privateSubnetCidrs).toHaveLength(3);
  });

  it('selects environments by name', () => {
    expect(loadEnvironments(environments, ['prod']).map((env) => env.name)).toEqual(['prod']);
    expect(parseSelection(' dev, prod ,')).toEqual(['dev', 'prod']);
    expect(parseSelection(undefined)).toEqual([]);
  });
});

describe('bad configuration is rejected with environment, field and fix', () => {
  it.each<[string, (env: Json) => void, string, string[]]>([
    ['an invalid VPC CIDR', (e) => (e.network.vpcCidr = '10.0.0.0/33'), 'network.vpcCidr', ['10.0.0.0/33']],
    [
      'a VPC CIDR with host bits set',
      (e) => (e.network.vpcCidr = '10.0.0.1/16'),
      'network.vpcCidr',
      ['not a valid IPv4 network'],
    ],
    ['a VPC too small for the layout', (e) => (e.network.vpcCidr = '10.0.0.0/26'), 'network.vpcCidr', ['/16 to /22']],
    [
      'overlapping subnets',
      (e) => (e.network.privateSubnetCidrs = ['10.10.0.0/24', '10.10.200.0/24']),
      'network.privateSubnetCidrs[0]',
      ['overlaps 10.10.0.0/20 (network.publicSubnetCidrs[0])'],
    ],
    [
      'a subnet outside the VPC',
      (e) => (e.network.publicSubnetCidrs = ['10.10.0.0/24', '10.99.0.0/24']),
      'network.publicSubnetCidrs[1]',
      ['does not fit inside the VPC 10.10.0.0/16'],
    ],
    [
      'a subnet per AZ missing',
      (e) => (e.network.publicSubnetCidrs = ['10.10.0.0/24']),
      'network.publicSubnetCidrs',
      ['azCount is 2'],
    ],
    ['too many AZs', (e) => (e.network.azCount = 4), 'network.azCount', ['from 2 to 3']],
    ['an unknown NAT mode', (e) => (e.network.natGateways = 'none'), 'network.natGateways', ['"single"']],
    ['an invalid Fargate cpu', (e) => (e.container.cpu = 300), 'container.cpu', ['256, 512']],
    [
      'an invalid Fargate cpu/memory pair',
      (e) => (e.container.memory = 4096),
      'container.memory',
      ['4096 MiB is not valid with cpu 256', '512, 1024, 2048'],
    ],
    ['a container port out of range', (e) => (e.container.port = 70000), 'container.port', ['1 to 65535']],
    ['a listener port out of range', (e) => (e.loadBalancer.testPort = 0), 'loadBalancer.testPort', ['1 to 65535']],
    ['equal listener ports', (e) => (e.loadBalancer.testPort = 80), 'loadBalancer.testPort', ['equals productionPort']],
    ['an account id that is not 12 digits', (e) => (e.accountId = '12345'), 'accountId', ['12 digits']],
    ['an account id given as a number', (e) => (e.accountId = 111111111111), 'accountId', ['12 digits']],
    ['a missing section', (e) => delete e.registry, 'registry', ['docs/configuration.md']],
    [
      'a misspelt field',
      (e) => (e.loadBalancer.testListenerAllowedCidr = ['203.0.113.0/24']),
      'loadBalancer.testListenerAllowedCidr',
      ['is not a field of loadBalancer', 'did you mean "testListenerAllowedCidrs"?'],
    ],
    [
      'a misspelt required field: the typo, and the field it leaves missing, in plain words',
      (e) => ((e.service.desiredCout = 2), delete e.service.desiredCount),
      'service.desiredCout',
      ['did you mean "desiredCount"?', 'environment "dev": service.desiredCount: is missing'],
    ],
    ['a missing section', (e) => delete e.network, 'network', ['network: is missing. Fix: add it']],
    ['an empty string', (e) => (e.container.name = ''), 'container.name', ['container.name: is empty']],
    // Known regions come from the AWS SDK's partition data; a typo of a real one is refused.
    [
      'a region AWS does not have',
      (e) => (e.region = 'eu-centrl-1'),
      'region',
      ['"eu-centrl-1" is not a region AWS knows'],
    ],
    // ELB CreateLoadBalancer: a load balancer name "must not begin with internal-".
    [
      'an app whose ALB name begins with internal-',
      (e) => (e.app = 'internal'),
      'app',
      ['may not begin with "internal-"'],
    ],
    // Tag naming limits: "aws:" is reserved; keys at most 128 characters; letters, digits, spaces and _.:/=+-@.
    ['a tag key with the reserved aws: prefix', (e) => (e.tags = { 'aws:team': 'web' }), 'tags.aws:team', ['reserves']],
    [
      'a tag key over 128 characters',
      (e) => (e.tags = { ['k'.repeat(129)]: 'v' }),
      `tags.${'k'.repeat(129)}`,
      ['1-128'],
    ],
    [
      'a tag value with a character AWS refuses',
      (e) => (e.tags = { team: 'web#1' }),
      'tags.team',
      ['has a value AWS refuses'],
    ],
    // CodeCommit's referenceName and the V2 trigger's branch filter are short names.
    ['a branch given as a ref', (e) => (e.pipeline.branch = 'refs/heads/main'), 'pipeline.branch', ['e.g. "main"']],
    [
      'a blank file-path glob',
      (e) => (e.pipeline.source = { provider: 'GitHub', repository: 'acme/web', filePaths: [' '] }),
      'pipeline.source.filePaths[0]',
      ['is blank, which matches no path'],
    ],
    [
      'an empty state key prefix',
      (e) => (e.state = { bucket: 'my-terraform-state', keyPrefix: '' }),
      'state.keyPrefix',
      ['is empty'],
    ],
    [
      'a state bucket region AWS does not have',
      (e) => (e.state = { bucket: 'my-terraform-state', region: 'eu-west-9' }),
      'state.region',
      ['"eu-west-9" is not a region AWS knows'],
    ],
    [
      'test-listener ranges that add up to the internet',
      (e) => (e.loadBalancer.testListenerAllowedCidrs = ['0.0.0.0/1', '128.0.0.0/1']),
      'loadBalancer.testListenerAllowedCidrs[1]',
      ['"0.0.0.0/1" opens the test listener to 2^31 addresses', '"128.0.0.0/1" opens the test listener to 2^31'],
    ],
    [
      'a test port equal to the production port: the fix names another port',
      (e) => ((e.loadBalancer.productionPort = 8080), (e.loadBalancer.testPort = 8080)),
      'loadBalancer.testPort',
      ['Fix: use another port, such as 8443'],
    ],
    ['a bad region', (e) => (e.region = 'Frankfurt'), 'region', ['eu-central-1']],
    [
      'a QA listener open to the internet',
      (e) => (e.loadBalancer.testListenerAllowedCidrs = ['0.0.0.0/0']),
      'loadBalancer.testListenerAllowedCidrs[0]',
      ['whole internet'],
    ],
    [
      'a malformed QA CIDR',
      (e) => (e.loadBalancer.testListenerAllowedCidrs = ['office']),
      'loadBalancer.testListenerAllowedCidrs[0]',
      ['"office"'],
    ],
    [
      'a mutable image tag',
      (e) => (e.container.initialImage = 'public.ecr.aws/docker/library/httpd:latest'),
      'container.initialImage',
      ['latest'],
    ],
    ['an image without tag', (e) => (e.container.initialImage = 'httpd'), 'container.initialImage', ['tag or digest']],
    [
      'a health-check timeout not below the interval',
      (e) => (e.loadBalancer.healthCheck.timeoutSeconds = 5),
      'loadBalancer.healthCheck.timeoutSeconds',
      ['less than intervalSeconds'],
    ],
    ['a log retention CloudWatch rejects', (e) => (e.logRetentionDays = 10), 'logRetentionDays', ['7, 14']],
    [
      'a health-check path without a slash',
      (e) => (e.container.healthCheckPath = 'health'),
      'container.healthCheckPath',
      ['start with "/"'],
    ],
    [
      'an ECR registry endpoint without the S3 gateway endpoint',
      (e) => ((e.network.s3GatewayEndpoint = false), (e.network.interfaceEndpoints = ['ecr.dkr'])),
      'network.interfaceEndpoints',
      ['ecr.dkr without the S3 gateway endpoint', 'set network.s3GatewayEndpoint to true'],
    ],
    [
      'an interface endpoint this stack does not know',
      (e) => (e.network.interfaceEndpoints = ['sqs']),
      'network.interfaceEndpoints[0]',
      ['ecr.api, ecr.dkr, logs'],
    ],
    [
      'connection fields on a CodeCommit source',
      (e) => (e.pipeline.source = { provider: 'CodeCommit', repository: 'acme/web' }),
      'pipeline.source.repository',
      ['connection sources only'],
    ],
    [
      'a GitHub source without its repository',
      (e) => (e.pipeline.source = { provider: 'GitHub' }),
      'pipeline.source.repository',
      ['is required for GitHub', 'owner/repository'],
    ],
    [
      'a GitHub Enterprise Server source without an existing connection',
      (e) => (e.pipeline.source = { provider: 'GitHubEnterpriseServer', repository: 'acme/web' }),
      'pipeline.source.connectionArn',
      ['needs a host'],
    ],
    [
      'a connection in another account',
      (e) =>
        (e.pipeline.source = {
          provider: 'GitLab',
          repository: 'acme/platform/web',
          connectionArn:
            'arn:aws:codeconnections:eu-central-1:999999999999:connection/11111111-2222-3333-4444-555555555555',
        }),
      'pipeline.source.connectionArn',
      ['is in 999999999999/eu-central-1', "environment's account and region"],
    ],
    [
      'an app name that makes target-group names exceed 32 characters',
      (e) => (e.app = 'customer-portal-web'),
      'app',
      [
        'secondaryTargetGroup name "customer-portal-web-dev-secondary" is 33 characters (AWS limit 32)',
        'at most 22 characters',
      ],
    ],
  ])('%s', (_label, change, field, details) => {
    expectRejected(devWith(change), field, ...details);
  });

  it('reports every problem of every environment at once', () => {
    const broken = [devWith((e) => (e.accountId = 'x')), devWith((e) => ((e.name = 'qa'), (e.container.port = -1)))];
    expect(() => loadEnvironments(broken)).toThrow(
      /environment "dev": accountId:[\s\S]*environment "qa": container\.port:/,
    );
  });

  it('rejects two environments with the same name', () => {
    expect(() => loadEnvironments([shipped('dev'), shipped('dev')])).toThrow(/environment "dev": name: is used twice/);
  });

  it('rejects selecting an environment that is not configured, naming the ones that are', () => {
    expect(() => loadEnvironments(environments, ['qa'])).toThrow(
      'environment "qa" was selected but is not configured. Fix: choose one of dev, staging, prod',
    );
  });

  it('main.ts prints the message without a stack trace and writes no stack', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'synth-')), 'out');
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [require.resolve('tsx/cli'), 'main.ts'], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, ENVIRONMENT: 'qa', CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
        stdio: 'pipe',
      });
    } catch (error) {
      const failure = error as { status: number; stderr: Buffer };
      status = failure.status;
      stderr = failure.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr).toContain('environment "qa" was selected but is not configured');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack frames
    expect(existsSync(outdir)).toBe(false);
  });
});

describe('synth stays fast', () => {
  it('imports provider resources only from @cdktf/provider-aws/lib/<resource>, never the package root', () => {
    const dir = join(__dirname, '..', 'stacks');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of [...files.map((f) => join(dir, f)), join(__dirname, '..', 'main.ts')]) {
      expect(`${file}: ${readFileSync(file, 'utf8')}`).not.toMatch(/from '@cdktf\/provider-aws'/);
    }
  });
});

describe('state backend', () => {
  it('keeps local state in the project root when no bucket is configured', () => {
    const { json } = synthesize(shipped('dev'));
    expect(json.terraform.backend).toEqual({ local: { path: '../../../terraform.dev.tfstate' } });
  });

  it('uses the S3 backend with S3-native locking when a bucket is configured', () => {
    const { json } = synthesize(devWith((e) => (e.state = { bucket: 'acme-terraform-state' })));
    expect(json.terraform.backend.s3).toEqual({
      bucket: 'acme-terraform-state',
      key: 'ecs-bluegreen/web/dev/terraform.tfstate',
      region: 'eu-central-1',
      encrypt: true,
      use_lockfile: true,
    });
  });
});

describe('QA listener access', () => {
  it('admits exactly the configured CIDRs on the test port', () => {
    const stack = synthesize(devWith((e) => (e.loadBalancer.testListenerAllowedCidrs = ['203.0.113.0/24'])));
    const testRules = Object.values(stack.resources('aws_vpc_security_group_ingress_rule')).filter(
      (r) => r.from_port === 8080,
    );
    const fromOutside = testRules.filter((r) => !String(r.cidr_ipv4).includes('aws_eip.'));
    expect(fromOutside).toEqual([
      expect.objectContaining({ cidr_ipv4: '203.0.113.0/24', to_port: 8080, ip_protocol: 'tcp' }),
    ]);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('deployment engine', () => {
  const staging = () => structuredClone(shipped('staging')) as Json;

  it('defaults to CodeDeploy and ships staging on the ECS engine with a canary', () => {
    const [dev, stagingConfig] = loadEnvironments(environments);
    expect(dev.pipeline.engine).toBe('codedeploy');
    expect(stagingConfig.pipeline).toMatchObject({ engine: 'ecs', trafficShift: 'Canary10Percent5Minutes' });
  });

  it.each<[string, (env: Json) => void, string, string[]]>([
    ['an unknown engine', (e) => (e.pipeline.engine = 'lambda'), 'pipeline.engine', ['must be one of codedeploy, ecs']],
    [
      'an ECS-only deploy timeout on CodeDeploy',
      (e) => (e.pipeline.deployTimeoutMinutes = 30),
      'pipeline.deployTimeoutMinutes',
      ['applies to the "ecs" engine only'],
    ],
    [
      'an ECS-only call-back delay on CodeDeploy',
      (e) => (e.hooks = { callBackDelaySeconds: 60 }),
      'hooks.callBackDelaySeconds',
      ['applies to the "ecs" engine only'],
    ],
    [
      'a deploy timeout above the ECS action maximum',
      (e) => Object.assign(e.pipeline, { engine: 'ecs', deployTimeoutMinutes: 61 }),
      'pipeline.deployTimeoutMinutes',
      ['is above 60'],
    ],
  ])('rejects %s', (_label, change, field, details) => expectRejected(devWith(change), field, ...details));

  it('rejects an ECS deployment that cannot finish within the deploy action timeout, showing where the time goes', () => {
    const env = staging();
    env.pipeline.waitForRerouteMinutes = 50; // + 4 hooks + 5 canary + 5 bake > 60
    expectRejected(env, 'pipeline.deployTimeoutMinutes', 'operator approval ≤50', 'at most 60 minutes');
    const shorter = staging();
    shorter.pipeline.deployTimeoutMinutes = 20; // 29.3 minutes do not fit in 20
    expectRejected(shorter, 'pipeline.deployTimeoutMinutes', 'is 20 minutes', 'raise deployTimeoutMinutes');
  });

  it('rejects a call-back delay as long as the operator wait itself', () => {
    const env = staging();
    env.pipeline.waitForRerouteMinutes = 2;
    env.hooks = { callBackDelaySeconds: 120 };
    expectRejected(env, 'hooks.callBackDelaySeconds', 'an approval would never be seen');
  });

  it('accepts the long operator wait prod uses on CodeDeploy, which has no pipeline timeout to fit', () => {
    expect(() => loadEnvironments(withPeers(shipped('prod')))).not.toThrow();
  });
});

describe('waiting time printed at synth', () => {
  const [dev, stagingConfig, prod] = loadEnvironments(environments);

  it('sums each step the configuration implies (staging: 2 x 5 s checks, 2 x 120 s hooks, 15 + 5 + 5 min, 5 s drain)', () => {
    const { steps, totalMinutes } = deploymentWaitingTime(stagingConfig);
    expect(steps.map((step) => [step.label, step.minutes])).toEqual([
      ['health checks', 10 / 60],
      ['smoke-test hooks', 240 / 60],
      ['operator approval', 15],
      ['traffic shift', 5],
      ['bake time', 5],
      ['draining', 5 / 60],
    ]);
    expect(totalMinutes).toBeCloseTo(10 / 60 + 4 + 15 + 5 + 5 + 5 / 60);
  });

  it('names the CodeDeploy steps after CodeDeploy and leaves out what costs nothing', () => {
    expect(describeWaitingTime(prod)).toBe(
      'health checks 0.5 + smoke-test hooks ≤4 + operator reroute ≤60 + traffic shift 5 + termination wait 15 + draining 0.5 = up to 85 min',
    );
    expect(describeWaitingTime(dev)).toBe('health checks 0.2 + smoke-test hooks ≤4 + draining 0.1 = up to 4.3 min');
  });

  it('counts a linear shift as the waits between its steps (10% every 3 minutes: 9 waits)', () => {
    expect(shiftMinutes(trafficShift('Linear10PercentEvery3Minutes'))).toBe(27);
    expect(trafficShift('Canary10Percent15Minutes')).toEqual({ kind: 'canary', percent: 10, minutes: 15 });
  });

  it('is printed for every environment by npm run synth', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'synth-')), 'out');
    const stdout = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'main.ts'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, ENVIRONMENT: 'staging', CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    expect(stdout).toContain('staging:');
    expect(stdout).toContain('ecs engine, Canary10Percent5Minutes');
    expect(stdout).toContain('a deployment waits: health checks 0.2 + smoke-test hooks ≤4 + operator approval ≤15');
  });
});
