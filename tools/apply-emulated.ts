/**
 * npm run apply:emulated [-- [--verbose] <env> ...]
 *
 * Applies every synthesized stack (shipped environments and test-only variants) with the real Terraform
 * AWS provider to a local AWS emulator (moto, pinned, installed into .venv-emulator by this script,
 * on 127.0.0.1 only), then does to it what deployments, operators and pipeline runs do, re-plans
 * (nothing may change but the reviewed emulator gaps), and destroys it, checking through the API that
 * nothing it created remains. See docs/development.md, "Emulated apply", for what this proves and what it cannot.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { allowDestroy, emulatedCopy, expectedToExist, substitute } from './apply-emulated/emulated-copy';
import { driftOf, EMULATOR_GAPS, explain, withoutIgnore, type Drift } from './apply-emulated/replan';
import {
  inParallel,
  NO_MIRROR_HINT,
  pinnedProvider,
  ROOT,
  run,
  selectedStacks,
  synthesizeAll,
  SYNTH_DIR,
  tail,
  terraformEnvironment,
  ToolingError,
  WORK,
  type Mirror,
  type Ran,
} from './plan-offline/terraform';
import { buildWorkCopy } from './plan-offline/work-copy';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const MOTO_VERSION = '5.2.1';
const VENV = join(ROOT, '.venv-emulator');
const PYTHON = join(VENV, 'bin', 'python');
const HERE = join(ROOT, 'tools', 'apply-emulated');
const EMULATED_DIR = join(WORK, 'emulated');
/** Stacks applied at once (each shares its account's emulator); 2 cores. */
const CONCURRENCY = 3;

/**
 * A reverted ignore rule must fail the re-plan: for these stacks the runner also plans a copy without
 * it and requires the re-plan check to catch the diff (the listeners' default_action that CodeDeploy
 * rewrites; the desired count an operator or Application Auto Scaling sets on the ECS engine).
 */
const SELF_TESTS: Readonly<Record<string, { type: string; attribute: string }>> = {
  dev: { type: 'aws_lb_listener', attribute: 'default_action' },
  staging: { type: 'aws_ecs_service', attribute: 'desired_count' },
};

/** moto[server], pinned, in a virtualenv of the project's (as the scan installs checkov). */
function installEmulator(): void {
  const version = spawnSync(PYTHON, ['-c', 'import moto, flask; print(moto.__version__)'], { encoding: 'utf8' });
  if (version.stdout?.trim() === MOTO_VERSION) return;
  console.log(`Installing moto[server] ${MOTO_VERSION} into ${VENV} ...`);
  const steps = [
    ['python3', '-m', 'venv', VENV],
    [PYTHON, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`],
  ];
  for (const [command, ...args] of steps) {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new ToolingError(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Emulator {
  readonly account: string;
  readonly endpoint: string;
  readonly process: ChildProcess;
}

/** One emulator per account: it plays that account (MOTO_ACCOUNT_ID), so ARNs carry the stacks' account. */
async function startEmulator(account: string): Promise<Emulator> {
  const port = await freePort();
  const log = join(EMULATED_DIR, `moto-${account}.log`);
  const child = spawn(PYTHON, [join(HERE, 'moto_server.py'), String(port)], {
    env: { ...process.env, MOTO_ACCOUNT_ID: account },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk) => (errors += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { account, endpoint, process: child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  writeFileSync(log, errors);
  throw new ToolingError(`the emulator for account ${account} did not start on ${endpoint}:\n${tail(errors)}`);
}

function stopEmulators(emulators: readonly Emulator[]): void {
  for (const emulator of emulators) if (emulator.process.exitCode === null) emulator.process.kill('SIGTERM');
}

interface Outcome {
  readonly stack: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly problems: string[];
  readonly notes: string[];
}

async function emulate(stack: string, emulator: Emulator, mirror: Mirror | undefined, baseEnv: NodeJS.ProcessEnv) {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  const synthesized = JSON.parse(readFileSync(join(SYNTH_DIR, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
  const work = buildWorkCopy(synthesized, {
    providerVersion: mirror?.version ?? synthesized.terraform.required_providers.aws.version,
    zoneNames: (region) => ['a', 'b', 'c'].map((letter) => `${region}${letter}`),
  });
  const emulated = emulatedCopy(work.json);
  const dir = join(EMULATED_DIR, stack);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const write = (json: Json) => writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(json, null, 2));
  const assets = join(SYNTH_DIR, 'stacks', stack, 'assets');
  if (existsSync(assets)) symlinkSync(assets, join(dir, 'assets'));

  const env = { ...baseEnv, AWS_ENDPOINT_URL: emulator.endpoint };
  const terraform = (...args: string[]) => run(['terraform', ...args, '-no-color'], dir, env);
  const python = (...args: string[]) => run([PYTHON, join(HERE, 'deployments.py'), ...args], dir, env);
  const problems: string[] = [];
  const copy = await withWhatMustExist(emulated, emulator, python);
  write(copy.json);
  const outcome = (summary: string): Outcome => ({
    stack,
    ok: problems.length === 0,
    summary: `${stack.padEnd(10)} ${summary} in ${seconds()} s`,
    problems,
    notes: [...work.differences, ...copy.differences],
  });
  const failed = (step: string, output: { stdout: string; stderr: string }) => {
    // Terraform writes its errors to stderr: those first, then the end of what it was doing.
    problems.push(`${step} failed:\n${tail(output.stderr, 40)}\n${tail(output.stdout, 8)}`);
    return outcome(`FAILED at ${step}`);
  };

  const init = await terraform('init', '-input=false');
  if (!init.ok) return failed('terraform init', { ...init, stderr: init.stderr + (mirror ? '' : NO_MIRROR_HINT) });
  const apply = await terraform('apply', '-auto-approve', '-input=false', '-parallelism=20');
  if (!apply.ok) return failed('terraform apply', apply);
  const created = Number(/Resources: (\d+) added/.exec(apply.stdout)?.[1] ?? 0);

  const state = await terraform('show', '-json');
  writeFileSync(join(dir, 'state.json'), state.stdout);
  const simulated = await python('simulate', emulator.endpoint, 'state.json');
  if (!simulated.ok) return failed('the simulated deployments', simulated);
  const changes = simulated.stdout.trim().split('\n').slice(0, -1);

  const replan = await replanned(terraform);
  if ('error' in replan) return failed('terraform plan (re-plan)', replan.error);
  const unexpected = replan.drifts.filter((drift) => !drift.gap);
  problems.push(...unexpected.map(explain));
  const gapsSeen = replan.drifts.filter((drift) => drift.gap);

  const selfTest = SELF_TESTS[stack];
  if (selfTest) {
    write(withoutIgnore(copy.json, selfTest.type, selfTest.attribute));
    const broken = await replanned(terraform);
    write(copy.json);
    const caught =
      !('error' in broken) &&
      broken.drifts.some((d) => !d.gap && d.type === selfTest.type && d.attribute === selfTest.attribute);
    if (!caught) {
      problems.push(
        `self-test: without ${selfTest.attribute} in ${selfTest.type}'s ignore_changes the re-plan check did not fail`,
      );
    }
  }

  const destroyPreparation = allowDestroy(copy.json);
  if (destroyPreparation.changes.length > 0) {
    // As the README says: allow destroying data and the load balancer, deploy that, then destroy. Only
    // those resources: the rest of the plan is the emulator gaps, some of whose update calls moto lacks.
    write(destroyPreparation.json);
    const targets = destroyPreparation.changes.map((change) => `-target=${change.split(':')[0]}`);
    const prepared = await terraform('apply', '-auto-approve', '-input=false', ...targets);
    if (!prepared.ok) return failed('terraform apply (allowDestroyWithData, no deletion protection)', prepared);
  }
  await python('inventory', 'state.json', 'inventory.json');
  const destroy = await terraform('destroy', '-auto-approve', '-input=false', '-parallelism=20');
  if (!destroy.ok) return failed('terraform destroy', destroy);
  const destroyed = Number(/Resources: (\d+) destroyed/.exec(destroy.stdout)?.[1] ?? 0);
  const left = await python('remains', emulator.endpoint, 'inventory.json');
  if (!left.ok) problems.push(`left behind after destroy:\n${tail(left.stdout + left.stderr)}`);

  const replanSummary =
    unexpected.length === 0
      ? `re-plan clean${gapsSeen.length ? ` but for ${gapsSeen.length} emulator gaps` : ''}`
      : `re-plan shows ${unexpected.length} change${unexpected.length === 1 ? '' : 's'}`;
  return {
    ...outcome(
      `${created} created, ${changes.length} deployment changes simulated, ${replanSummary}` +
        `${selfTest ? ' (self-test caught a reverted ignore rule)' : ''}, ${destroyed} destroyed` +
        `${left.ok ? ', nothing left' : ', SOMETHING LEFT'}${problems.length ? ': FAILED' : ''}`,
    ),
    gaps: gapsSeen,
    changes,
  };
}

/**
 * An HTTPS stack expects its certificate (and zone) to exist: the emulator gets a self-signed one and a
 * zone, and the copy their identifiers in place of the configured placeholders.
 */
async function withWhatMustExist(
  copy: ReturnType<typeof emulatedCopy>,
  emulator: Emulator,
  python: (...args: string[]) => Promise<Ran>,
): Promise<ReturnType<typeof emulatedCopy>> {
  const expected = expectedToExist(copy.json);
  if (!expected.certificateArn) return copy;
  const region = copy.json.provider.aws[0].region;
  const prepared = await python('prepare', emulator.endpoint, region, expected.domain ?? 'app.example.com');
  if (!prepared.ok) throw new ToolingError(`could not prepare the certificate and zone:\n${tail(prepared.stderr)}`);
  const created = JSON.parse(prepared.stdout) as { certificateArn: string; hostedZoneId: string };
  const replacements: Record<string, string> = { [expected.certificateArn]: created.certificateArn };
  if (expected.hostedZoneId) replacements[expected.hostedZoneId] = created.hostedZoneId;
  return {
    ...copy,
    json: substitute(copy.json, replacements),
    differences: [
      ...copy.differences,
      ...Object.entries(replacements).map(
        ([from, to]) =>
          `${from}: the emulator's own ${to.startsWith('arn:') ? 'imported self-signed certificate' : 'hosted zone'} ${to}`,
      ),
    ],
  };
}

async function replanned(
  terraform: (...args: string[]) => Promise<Ran>,
): Promise<{ drifts: Drift[] } | { error: Ran }> {
  // -detailed-exitcode: 0 no changes, 2 changes (judged below), anything else an error.
  const plan = await terraform('plan', '-detailed-exitcode', '-input=false', '-lock=false', '-out=replan.bin');
  if (plan.code !== 0 && plan.code !== 2) return { error: plan };
  const show = await terraform('show', '-json', 'replan.bin');
  if (!show.ok) return { error: show };
  return { drifts: driftOf(JSON.parse(show.stdout)) };
}

async function main(): Promise<void> {
  const started = Date.now();
  synthesizeAll();
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const stacks = selectedStacks(args.filter((arg) => arg !== '--verbose'));
  mkdirSync(EMULATED_DIR, { recursive: true });
  const { env, mirror, description } = terraformEnvironment(EMULATED_DIR, pinnedProvider(stacks[0]));
  console.log(`${description}; moto ${MOTO_VERSION} on 127.0.0.1`);
  installEmulator();

  const accountOf = new Map(
    stacks.map((stack) => [
      stack,
      JSON.parse(readFileSync(join(SYNTH_DIR, 'stacks', stack, 'cdk.tf.json'), 'utf8')).provider.aws[0]
        .allowed_account_ids?.[0] ?? '123456789012',
    ]),
  );
  const accounts = [...new Set(accountOf.values())];
  const emulators: Emulator[] = [];
  const stop = () => stopEmulators(emulators);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (const account of accounts) emulators.push(await startEmulator(account));
    const byAccount = new Map(emulators.map((emulator) => [emulator.account, emulator]));
    const outcomes = await inParallel(stacks, CONCURRENCY, (stack) =>
      emulate(stack, byAccount.get(accountOf.get(stack)!)!, mirror, env),
    );
    report(outcomes, verbose);
    const failed = outcomes.filter((outcome) => !outcome.ok).length;
    console.log(
      `emulated apply of ${outcomes.length} stacks: ${failed === 0 ? 'all passed' : `${failed} FAILED`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    stop();
  }
}

function report(outcomes: readonly (Outcome & { gaps?: Drift[]; changes?: string[] })[], verbose: boolean): void {
  for (const outcome of verbose ? outcomes : []) {
    console.log(`${outcome.stack}: the emulated copy differs from the synthesized stack in:`);
    for (const note of outcome.notes) console.log(`  - ${note}`);
    for (const change of outcome.changes ?? []) console.log(`  simulated: ${change}`);
  }
  // Left-out resources always show: they are what this run did not prove.
  for (const outcome of verbose ? [] : outcomes) {
    for (const note of outcome.notes.filter((n) => n.includes('left out'))) console.log(`${outcome.stack}: ${note}`);
  }
  const seen = new Set(outcomes.flatMap((outcome) => (outcome.gaps ?? []).map((d) => `${d.type}.${d.attribute}`)));
  const unused = EMULATOR_GAPS.filter((gap) => !seen.has(`${gap.type}.${gap.attribute}`));
  console.log(`\nemulator gaps seen in the re-plans (${seen.size} of ${EMULATOR_GAPS.length} listed in replan.ts):`);
  for (const gap of EMULATOR_GAPS.filter((g) => seen.has(`${g.type}.${g.attribute}`))) {
    console.log(`  - ${gap.type}.${gap.attribute}: ${gap.reason} (${gap.link})`);
  }
  if (unused.length > 0 && outcomes.length > 1) {
    console.log(`  listed but not seen: ${unused.map((g) => `${g.type}.${g.attribute}`).join(', ')}`);
  }
  console.log('');
  for (const outcome of outcomes) {
    console.log(outcome.summary);
    for (const problem of outcome.problems) console.log(`  ${problem}`);
  }
}

main().catch((error) => {
  if (!(error instanceof ToolingError)) throw error;
  console.error(`apply:emulated: ${error.message}`);
  process.exitCode = 1;
});
