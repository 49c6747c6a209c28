/**
 * npm run plan:offline [-- <env> ...]
 *
 * Proves every synthesized stack (shipped environments and the test-only variants) with the real
 * Terraform AWS provider, without AWS credentials or network:
 *   terraform init / validate / plan -refresh=false, then `terraform test` applying the same work
 *   copy against a mocked provider, and assertions on what Terraform evaluated (see checks.ts).
 * The provider comes from a filesystem mirror: TF_PLUGIN_MIRROR, or one found on this machine;
 * with neither, Terraform downloads the pinned version as usual.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  checkBuildspec,
  checkDeploymentFiles,
  checkImageHandOff,
  readsDeploymentFiles,
  checkFirstDeploy,
  checkPolicies,
  resourcesOf,
} from './plan-offline/checks';
import { buildWorkCopy, compareVersions } from './plan-offline/work-copy';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const ROOT = resolve(__dirname, '..');
const WORK = join(ROOT, '.work');
const SYNTH_DIR = join(WORK, 'synth');
const PLAN_DIR = join(WORK, 'plan');
const AWS_PROVIDER_PATH = join('registry.terraform.io', 'hashicorp', 'aws');
/** Mock providers (the offline apply) arrived in Terraform 1.7. */
const MIN_TERRAFORM = [1, 7];
const CONCURRENCY = 2;

interface Mirror {
  readonly root: string;
  readonly version: string;
}

class OfflinePlanError extends Error {}

function terraformVersion(): string {
  const result = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new OfflinePlanError(
      'terraform was not found on PATH. Install Terraform >= 1.7 (a single binary from the HashiCorp releases page ' +
        'or your package manager), then run npm run plan:offline again.',
    );
  }
  const version: string = JSON.parse(result.stdout).terraform_version;
  const [major, minor] = version.split('.').map(Number);
  if (major < MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor < MIN_TERRAFORM[1])) {
    throw new OfflinePlanError(
      `terraform ${version} is too old: the offline apply needs mock providers (Terraform >= 1.7).`,
    );
  }
  return version;
}

/** Versions of hashicorp/aws in a mirror directory (unpacked layout), newest first. */
function mirrorVersions(root: string): string[] {
  const dir = join(root, AWS_PROVIDER_PATH);
  if (!existsSync(dir)) return [];
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  return readdirSync(dir)
    .filter((version) => existsSync(join(dir, version, platform)))
    .sort((a, b) => compareVersions(b, a));
}

/**
 * TF_PLUGIN_MIRROR first; then Terraform's implied local mirror directories; then a search of
 * the root filesystem. Prefers the pinned version when a mirror has several.
 */
function findMirror(pinned: string): Mirror | undefined {
  const pick = (root: string): Mirror | undefined => {
    const versions = mirrorVersions(root);
    if (versions.length === 0) return undefined;
    return { root, version: versions.includes(pinned) ? pinned : versions[0] };
  };
  const configured = process.env.TF_PLUGIN_MIRROR;
  if (configured) {
    const mirror = pick(configured);
    if (!mirror)
      throw new OfflinePlanError(
        `TF_PLUGIN_MIRROR=${configured} holds no ${AWS_PROVIDER_PATH}/<version>/<os>_<arch>/ provider.`,
      );
    return mirror;
  }
  const implied = [
    join(homedir(), '.terraform.d', 'plugins'),
    join(homedir(), '.local', 'share', 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
  for (const root of implied) {
    const mirror = pick(root);
    if (mirror) return mirror;
  }
  const found = spawnSync(
    'find',
    ['/', '-xdev', '-name', 'terraform-provider-aws_*', '-path', `*/${AWS_PROVIDER_PATH}/*`],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  for (const file of (found.stdout ?? '').split('\n').filter(Boolean)) {
    // <root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*
    const root = file.slice(0, file.indexOf(`/${AWS_PROVIDER_PATH}/`));
    const mirror = pick(root);
    if (mirror) return mirror;
  }
  return undefined;
}

function run(
  command: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command[0], command.slice(1), { cwd, env, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ ok: !error, stdout, stderr }),
    );
  });
}

interface Outcome {
  readonly environment: string;
  readonly problems: string[];
  readonly summary: string;
  readonly notes: string[];
}

async function planEnvironment(
  environment: string,
  mirror: Mirror | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Outcome> {
  const started = Date.now();
  const stackDir = join(SYNTH_DIR, 'stacks', environment);
  const synthesized = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  const pinned: string = synthesized.terraform.required_providers.aws.version;
  const copy = buildWorkCopy(synthesized, {
    providerVersion: mirror?.version ?? pinned,
    // Names only: nothing checks that they exist; three cover every supported azCount.
    zoneNames: (region) => ['a', 'b', 'c'].map((letter) => `${region}${letter}`),
  });

  const dir = join(PLAN_DIR, environment);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'tests'), { recursive: true });
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(copy.json, null, 2));
  writeFileSync(join(dir, 'tests', 'offline.tftest.hcl'), copy.mockApplyTest);
  if (existsSync(join(stackDir, 'assets'))) symlinkSync(join(stackDir, 'assets'), join(dir, 'assets'));

  const fail = (step: string, output: { stdout: string; stderr: string }): Outcome => ({
    environment,
    problems: [`terraform ${step} failed:\n${tail(output.stderr + output.stdout)}`],
    summary: `${environment}: FAILED at terraform ${step}`,
    notes: copy.differences,
  });
  const terraform = (...args: string[]) => run(['terraform', ...args, '-no-color'], dir, env);

  const init = await terraform('init', '-input=false');
  if (!init.ok) {
    const hint = mirror
      ? ''
      : `\nNo filesystem mirror of hashicorp/aws was found and the download failed. Set TF_PLUGIN_MIRROR to a directory ` +
        `holding ${AWS_PROVIDER_PATH}/<version>/<os>_<arch>/terraform-provider-aws_* (terraform providers mirror writes one), ` +
        `or run where the Terraform registry is reachable.`;
    return fail('init', { stdout: init.stdout, stderr: init.stderr + hint });
  }
  const validate = await terraform('validate');
  if (!validate.ok) return fail('validate', validate);
  const plan = await terraform('plan', '-refresh=false', '-lock=false', '-input=false', '-out=plan.bin');
  if (!plan.ok) return fail('plan', plan);
  const show = await terraform('show', '-json', 'plan.bin');
  if (!show.ok) return fail('show', show);
  const mockApply = await terraform('test', '-json', '-verbose');
  const messages: Json[] = mockApply.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const state = messages.find((m) => m.type === 'test_state')?.test_state;
  if (!mockApply.ok || !state) {
    const diagnostics = messages
      .filter((m) => m.type === 'diagnostic')
      .map((m) => `${m['@message']} ${m.diagnostic?.detail ?? ''}`);
    return fail('test (mocked apply)', { stdout: diagnostics.join('\n'), stderr: mockApply.stderr });
  }

  const planJson = JSON.parse(show.stdout);
  const buildspec = readFileSync(join(ROOT, 'artifacts', 'buildspec.yml'), 'utf8');
  const planned = resourcesOf(planJson.planned_values);
  const applied = resourcesOf(state.values ?? state);
  const configured = (address: string, attribute: string) => {
    const [type, name] = address.split('.');
    return synthesized.resource?.[type]?.[name]?.[attribute] !== undefined;
  };
  const policies = checkPolicies(applied, configured);
  const outputs: Json = (state.values ?? state).outputs ?? {};
  const files = new Map(copy.archivedFiles.map(({ output, filename }) => [filename, outputs[output]?.value as string]));
  const problems = [
    ...checkFirstDeploy(planJson, copy.declaredResources),
    ...checkBuildspec(planned, buildspec, 'plan'),
    ...checkBuildspec(applied, buildspec, 'mocked apply'),
    ...policies.problems,
    ...checkImageHandOff(planned),
    ...checkDeploymentFiles(files, readsDeploymentFiles(planned)),
  ];
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return {
    environment,
    problems,
    summary:
      `${environment.padEnd(10)} ${String(planJson.resource_changes.length).padStart(4)} to create, ` +
      `${policies.checked} policies and ${files.size} deployment files checked, ${problems.length === 0 ? 'ok' : 'FAILED'} in ${seconds} s`,
    notes: copy.differences,
  };
}

function tail(text: string, lines = 40): string {
  return text
    .trim()
    .split('\n')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const terraform = terraformVersion();

  const synth = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), join(__dirname, 'synth-checked.ts'), SYNTH_DIR],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    },
  );
  if (synth.status !== 0) throw new OfflinePlanError(`synth failed:\n${synth.stderr}${synth.stdout}`);

  const all = readdirSync(join(SYNTH_DIR, 'stacks')).sort();
  const selected = process.argv.slice(2);
  const unknown = selected.filter((name) => !all.includes(name));
  if (unknown.length > 0)
    throw new OfflinePlanError(`unknown environment ${unknown.join(', ')}. Choose from ${all.join(', ')}`);
  const environments = selected.length > 0 ? selected : all;

  const pinned = JSON.parse(readFileSync(join(SYNTH_DIR, 'stacks', environments[0], 'cdk.tf.json'), 'utf8')).terraform
    .required_providers.aws.version;
  const mirror = findMirror(pinned);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  mkdirSync(PLAN_DIR, { recursive: true });
  if (mirror) {
    // Only the mirror: nothing is fetched from a registry.
    const cliConfig = join(PLAN_DIR, 'terraformrc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror.root)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
    env.TF_CLI_CONFIG_FILE = cliConfig;
    console.log(
      `terraform ${terraform}; hashicorp/aws ${mirror.version} from the filesystem mirror ${mirror.root}` +
        (mirror.version === pinned ? '' : ` (stacks pin ${pinned})`),
    );
  } else {
    env.TF_PLUGIN_CACHE_DIR = join(WORK, 'plugin-cache');
    mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
    console.log(
      `terraform ${terraform}; no filesystem mirror of hashicorp/aws found: terraform init downloads the pinned ${pinned}`,
    );
  }

  const queue = [...environments];
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift())
        outcomes.push(await planEnvironment(next, mirror, env));
    }),
  );
  outcomes.sort((a, b) => environments.indexOf(a.environment) - environments.indexOf(b.environment));

  for (const outcome of outcomes) {
    console.log(`${outcome.environment}: the work copy differs from the synthesized stack in:`);
    for (const note of outcome.notes) console.log(`  - ${note}`);
  }
  console.log('');
  for (const outcome of outcomes) {
    console.log(outcome.summary);
    for (const problem of outcome.problems) console.log(`  ${problem}`);
  }
  const failed = outcomes.filter((outcome) => outcome.problems.length > 0).length;
  console.log(
    `offline plan of ${outcomes.length} environments: ${failed === 0 ? 'all passed' : `${failed} FAILED`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  if (!(error instanceof OfflinePlanError)) throw error;
  console.error(`plan:offline: ${error.message}`);
  process.exitCode = 1;
});
