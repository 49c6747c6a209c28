/**
 * What the offline plan and the emulated apply share: the Terraform binary, the AWS provider from a
 * filesystem mirror, running commands and showing the end of their output.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareVersions } from './work-copy';

export const ROOT = resolve(__dirname, '..', '..');
export const WORK = join(ROOT, '.work');
export const SYNTH_DIR = join(WORK, 'synth');
const AWS_PROVIDER_PATH = join('registry.terraform.io', 'hashicorp', 'aws');
/** Mock providers (the offline apply) arrived in Terraform 1.7. */
const MIN_TERRAFORM = [1, 7];

/** What to do when `terraform init` could not download the provider and there is no mirror. */
export const NO_MIRROR_HINT =
  `\nNo filesystem mirror of hashicorp/aws was found and the download failed. Set TF_PLUGIN_MIRROR to a directory ` +
  `holding ${AWS_PROVIDER_PATH}/<version>/<os>_<arch>/terraform-provider-aws_* (terraform providers mirror writes one), ` +
  `or run where the Terraform registry is reachable.`;

export interface Mirror {
  readonly root: string;
  readonly version: string;
}

/** A problem the user fixes on their machine: printed without a stack trace. */
export class ToolingError extends Error {}

export function terraformVersion(): string {
  const result = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new ToolingError(
      'terraform was not found on PATH. Install Terraform >= 1.7 (a single binary from the HashiCorp releases page ' +
        'or your package manager), then run npm run plan:offline again.',
    );
  }
  const version: string = JSON.parse(result.stdout).terraform_version;
  const [major, minor] = version.split('.').map(Number);
  if (major < MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor < MIN_TERRAFORM[1])) {
    throw new ToolingError(
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
export function findMirror(pinned: string): Mirror | undefined {
  const pick = (root: string): Mirror | undefined => {
    const versions = mirrorVersions(root);
    if (versions.length === 0) return undefined;
    return { root, version: versions.includes(pinned) ? pinned : versions[0] };
  };
  const configured = process.env.TF_PLUGIN_MIRROR;
  if (configured) {
    const mirror = pick(configured);
    if (!mirror)
      throw new ToolingError(
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

export function run(command: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((done) => {
    execFile(command[0], command.slice(1), { cwd, env, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ ok: !error, code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** How a command ended: its exit code (null when it could not start or was killed) and its output. */
export interface Ran {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function tail(text: string, lines = 40): string {
  return text
    .trim()
    .split('\n')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}

/** A Terraform CLI configuration that installs hashicorp/aws from the mirror only: nothing is fetched. */
export function writeMirrorConfig(path: string, mirror: Mirror): void {
  writeFileSync(
    path,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror.root)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
}

/** Synthesizes the environments and the test-only variants into SYNTH_DIR. */
export function synthesizeAll(): void {
  const synth = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), join(ROOT, 'tools', 'synth-checked.ts'), SYNTH_DIR],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } },
  );
  if (synth.status !== 0) throw new ToolingError(`synth failed:\n${synth.stderr}${synth.stdout}`);
}

/** The synthesized stacks to work on: the names given, or all of them. */
export function selectedStacks(selected: readonly string[]): string[] {
  const all = readdirSync(join(SYNTH_DIR, 'stacks')).sort();
  const unknown = selected.filter((name) => !all.includes(name));
  if (unknown.length > 0)
    throw new ToolingError(`unknown environment ${unknown.join(', ')}. Choose from ${all.join(', ')}`);
  return selected.length > 0 ? [...selected] : all;
}

/** Runs `work` over the items, `concurrency` at a time, keeping the items' order in the results. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]);
    }),
  );
  return results;
}

/**
 * The environment Terraform runs in: no prompts, no checkpoint, no instance metadata; the AWS provider
 * from the mirror (a CLI config in `dir`), or downloaded into a plugin cache when there is none.
 */
export function terraformEnvironment(
  dir: string,
  pinned: string,
): { env: NodeJS.ProcessEnv; mirror?: Mirror; description: string } {
  const mirror = findMirror(pinned);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const terraform = terraformVersion();
  mkdirSync(dir, { recursive: true });
  if (mirror) {
    env.TF_CLI_CONFIG_FILE = join(dir, 'terraformrc');
    writeMirrorConfig(env.TF_CLI_CONFIG_FILE, mirror);
    const pin = mirror.version === pinned ? '' : ` (stacks pin ${pinned})`;
    return {
      env,
      mirror,
      description: `terraform ${terraform}; hashicorp/aws ${mirror.version} from the filesystem mirror ${mirror.root}${pin}`,
    };
  }
  env.TF_PLUGIN_CACHE_DIR = join(WORK, 'plugin-cache');
  mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
  return {
    env,
    description: `terraform ${terraform}; no filesystem mirror of hashicorp/aws found: terraform init downloads the pinned ${pinned}`,
  };
}

/** The AWS provider version a synthesized stack pins. */
export function pinnedProvider(stack: string): string {
  return JSON.parse(readFileSync(join(SYNTH_DIR, 'stacks', stack, 'cdk.tf.json'), 'utf8')).terraform.required_providers
    .aws.version;
}
