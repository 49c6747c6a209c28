/**
 * npm run doctor -- <env> [--offline]
 *
 * Before a first deploy: checks what `npx cdktf deploy <env>` will need and says, for each, ok or what to
 * fix. The offline checks always run; those that need AWS or the Terraform registry say so when there
 * are no credentials, or skip with --offline. Exits 1 when a deploy would fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CodeCommitClient, ListRepositoriesCommand } from '@aws-sdk/client-codecommit';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import { placeholdersIn } from '../stacks/config/placeholders';
import type { EnvironmentConfig } from '../stacks/config/schema';
import { compareVersions } from './plan-offline/work-copy';

type Status = 'ok' | 'fix' | 'skipped';
export interface Finding {
  readonly check: string;
  readonly status: Status;
  readonly detail: string;
}

const MIN_NODE = 20;
/** S3 state locks with use_lockfile, which Terraform has from 1.10; without remote state 1.5 will do. */
const MIN_TERRAFORM = { withState: '1.10.0', local: '1.5.0' };

/** The providers the stacks pin (the bindings' own provider versions), as Terraform will ask for them. */
function pinnedProviders(): { name: string; version: string }[] {
  return ['@cdktf/provider-aws', '@cdktf/provider-archive'].map((binding) => {
    const { provider } = JSON.parse(readFileSync(require.resolve(`${binding}/package.json`), 'utf8')).cdktf;
    return { name: provider.name as string, version: provider.version as string };
  });
}

export function checkNode(version = process.versions.node): Finding {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE
    ? { check: 'Node.js', status: 'ok', detail: `${version} (the AWS SDK will need 22 or newer from 2027)` }
    : { check: 'Node.js', status: 'fix', detail: `${version} is too old. Fix: install Node.js ${MIN_NODE} or newer` };
}

export function checkTerraform(config: EnvironmentConfig, run = spawnSync): Finding {
  const result = run('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    return {
      check: 'Terraform',
      status: 'fix',
      detail: 'not found on PATH. Fix: install Terraform (a single binary) 1.10 or newer',
    };
  }
  const version = String(JSON.parse(String(result.stdout)).terraform_version);
  const needed = config.state ? MIN_TERRAFORM.withState : MIN_TERRAFORM.local;
  // A pre-release (1.10.0-beta1) counts as its release.
  return compareVersions(version.split('-')[0], needed) >= 0
    ? { check: 'Terraform', status: 'ok', detail: version }
    : {
        check: 'Terraform',
        status: 'fix',
        detail: `${version}, but ${config.state ? 'S3 state with use_lockfile' : 'the stacks'} need ${needed} or newer. Fix: upgrade Terraform`,
      };
}

/**
 * Where `terraform init` will get the pinned providers: a filesystem mirror in the CLI configuration
 * (TF_CLI_CONFIG_FILE or ~/.terraformrc) that holds them, or the Terraform registry.
 */
export async function checkProviders(offline: boolean, reachable = registryReachable): Promise<Finding> {
  const providers = pinnedProviders();
  const wanted = providers.map((p) => `${p.name.split('/').slice(1).join('/')} ${p.version}`).join(', ');
  const mirror = mirrorRoot();
  if (mirror) {
    const missing = providers.filter((p) => !existsSync(join(mirror, p.name, p.version)));
    if (missing.length === 0)
      return { check: 'Providers', status: 'ok', detail: `${wanted} from the mirror ${mirror}` };
    return {
      check: 'Providers',
      status: 'fix',
      detail: `the mirror ${mirror} lacks ${missing.map((p) => `${p.name} ${p.version}`).join(', ')}. Fix: \`terraform providers mirror ${mirror}\` where the registry is reachable`,
    };
  }
  if (offline) return { check: 'Providers', status: 'skipped', detail: `${wanted}: registry not checked (--offline)` };
  return (await reachable())
    ? { check: 'Providers', status: 'ok', detail: `${wanted} from the Terraform registry (reachable)` }
    : {
        check: 'Providers',
        status: 'fix',
        detail: `${wanted}: the Terraform registry cannot be reached and no filesystem mirror is configured. Fix: configure a provider_installation filesystem_mirror in ~/.terraformrc (see \`terraform providers mirror\`)`,
      };
}

function mirrorRoot(): string | undefined {
  const file = process.env.TF_CLI_CONFIG_FILE ?? join(homedir(), '.terraformrc');
  if (!existsSync(file)) return undefined;
  return /filesystem_mirror\s*\{[^}]*path\s*=\s*"([^"]+)"/s.exec(readFileSync(file, 'utf8'))?.[1];
}

async function registryReachable(): Promise<boolean> {
  try {
    const answer = await fetch('https://registry.terraform.io/.well-known/terraform.json', {
      signal: AbortSignal.timeout(4000),
    });
    return answer.ok;
  } catch {
    return false;
  }
}

export function checkPlaceholders(config: EnvironmentConfig): Finding {
  const found = placeholdersIn(config);
  return found.length === 0
    ? { check: 'Config', status: 'ok', detail: 'no placeholders left' }
    : {
        check: 'Config',
        status: 'fix',
        detail: found.map((p) => `${p.field} is the placeholder "${p.value}": ${p.fix}`).join('; '),
      };
}

/** Checks that call AWS with the environment's region and the default credential chain. */
export async function checkAws(config: EnvironmentConfig): Promise<Finding[]> {
  const region = config.region;
  let account: string | undefined;
  try {
    account = (await new STSClient({ region }).send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    const skipped = (check: string) => ({ check, status: 'skipped' as const, detail: 'needs AWS credentials' });
    return [
      {
        check: 'Credentials',
        status: 'fix',
        detail: `${describe(error)}. Fix: set AWS_PROFILE to a profile for account ${config.accountId}, or \`aws sso login --profile <profile>\``,
      },
      ...['State bucket', 'Source', 'Availability zones'].map(skipped),
    ];
  }
  if (account !== config.accountId) {
    return [
      {
        check: 'Credentials',
        status: 'fix',
        detail: `they are for account ${account}, but ${config.name} is for ${config.accountId} (the provider refuses any other). Fix: use a profile of ${config.accountId}, or correct accountId`,
      },
    ];
  }
  return [
    { check: 'Credentials', status: 'ok', detail: `account ${account}` },
    await attempt('State bucket', () => checkStateBucket(config)),
    await attempt('Source', () => checkSource(config)),
    await attempt('Availability zones', () => checkZones(config)),
  ];
}

async function checkStateBucket(config: EnvironmentConfig): Promise<Finding> {
  if (!config.state) {
    return {
      check: 'State bucket',
      status: 'ok',
      detail: `none configured: local state terraform.${config.name}.tfstate (not for teams)`,
    };
  }
  const expected = config.state.region ?? config.region;
  const { LocationConstraint } = await new S3Client({ region: expected }).send(
    new GetBucketLocationCommand({ Bucket: config.state.bucket }),
  );
  const actual = LocationConstraint || 'us-east-1'; // GetBucketLocation answers null for us-east-1
  return actual === expected
    ? { check: 'State bucket', status: 'ok', detail: `${config.state.bucket} in ${actual}` }
    : {
        check: 'State bucket',
        status: 'fix',
        detail: `${config.state.bucket} is in ${actual}, not ${expected}. Fix: set state.region to "${actual}"`,
      };
}

async function checkSource(config: EnvironmentConfig): Promise<Finding> {
  const { source } = config.pipeline;
  const upstream = config.promotion.from;
  if (upstream) {
    return {
      check: 'Source',
      status: 'ok',
      detail: `promotes ${upstream.name}'s tested images (account ${upstream.accountId}): deploy ${upstream.name} too, in either order (docs/promotion.md)`,
    };
  }
  if (source.provider === 'CodeCommit') {
    await new CodeCommitClient({ region: config.region }).send(new ListRepositoriesCommand({}));
    return {
      check: 'Source',
      status: 'ok',
      detail: `CodeCommit is available to account ${config.accountId} in ${config.region}`,
    };
  }
  if (!source.connectionArn) {
    return {
      check: 'Source',
      status: 'ok',
      detail: `a ${source.provider} connection will be created (PENDING until the console handshake)`,
    };
  }
  const { Connection } = await new CodeStarConnectionsClient({ region: config.region }).send(
    new GetConnectionCommand({ ConnectionArn: source.connectionArn }),
  );
  return Connection?.ConnectionStatus === 'AVAILABLE'
    ? { check: 'Source', status: 'ok', detail: `connection ${Connection.ConnectionName} is AVAILABLE` }
    : {
        check: 'Source',
        status: 'fix',
        detail: `connection is ${Connection?.ConnectionStatus}. Fix: complete the handshake in the console (Developer Tools > Settings > Connections)`,
      };
}

async function checkZones(config: EnvironmentConfig): Promise<Finding> {
  const { AvailabilityZones = [] } = await new EC2Client({ region: config.region }).send(
    new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] }),
  );
  const available = AvailabilityZones.filter((zone) => zone.State === 'available').length;
  return available >= config.network.azCount
    ? {
        check: 'Availability zones',
        status: 'ok',
        detail: `${available} in ${config.region}, network.azCount is ${config.network.azCount}`,
      }
    : {
        check: 'Availability zones',
        status: 'fix',
        detail: `the account sees ${available} in ${config.region}, but network.azCount is ${config.network.azCount}. Fix: set azCount to ${available}`,
      };
}

async function attempt(check: string, run: () => Promise<Finding>): Promise<Finding> {
  try {
    return await run();
  } catch (error) {
    return { check, status: 'fix', detail: `${describe(error)}. Fix: check the permissions of these credentials` };
  }
}

function describe(error: unknown): string {
  const { name, message } = error as Error;
  return `${name}: ${message}`;
}

export async function doctor(name: string, offline: boolean): Promise<Finding[]> {
  const [config] = loadEnvironments(environments, [name]);
  const offlineChecks = [checkNode(), checkTerraform(config), await checkProviders(offline), checkPlaceholders(config)];
  const aws = offline
    ? ['Credentials', 'State bucket', 'Source', 'Availability zones'].map((check) => ({
        check,
        status: 'skipped' as const,
        detail: 'not checked (--offline)',
      }))
    : await checkAws(config);
  return [...offlineChecks, ...aws];
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = process.argv.slice(2);
  const [name] = args.filter((arg) => !arg.startsWith('--'));
  if (!name) {
    console.error('usage: npm run doctor -- <env> [--offline]');
    process.exitCode = 2;
    return;
  }
  try {
    const findings = await doctor(name, args.includes('--offline'));
    for (const { check, status, detail } of findings) {
      console.log(
        `${(status === 'ok' ? 'ok' : status === 'fix' ? 'FIX' : 'skip').padEnd(5)} ${check.padEnd(19)} ${detail}`,
      );
    }
    const fixes = findings.filter((f) => f.status === 'fix').length;
    console.log(
      fixes === 0
        ? `${name}: ready for \`npx cdktf deploy ${name}\``
        : `${name}: ${fixes} to fix before \`npx cdktf deploy ${name}\``,
    );
    process.exitCode = fixes === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
