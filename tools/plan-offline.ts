/**
 * npm run plan:offline [-- [--verbose] <env> ...]
 *
 * Proves every synthesized stack (shipped environments and the test-only variants) with the real
 * Terraform AWS provider, without AWS credentials or network:
 *   terraform init / validate / plan -refresh=false, then `terraform test` applying the same work
 *   copy against a mocked provider, and assertions on what Terraform evaluated (see checks.ts).
 * The provider comes from a filesystem mirror: TF_PLUGIN_MIRROR, or one found on this machine;
 * with neither, Terraform downloads the pinned version as usual.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkBuildspec,
  checkDeploymentFiles,
  checkImageHandOff,
  readsDeploymentFiles,
  checkFirstDeploy,
  checkPolicies,
  checkPromotionGrants,
  resourcesOf,
} from './plan-offline/checks';
import { VARIANTS } from '../.ci/variants';
import { environments as shippedEnvironments } from '../stacks/config/environments';
import { loadEnvironments } from '../stacks/config/load';
import {
  inParallel,
  pinnedProvider,
  ROOT,
  run,
  selectedStacks,
  synthesizeAll,
  SYNTH_DIR,
  tail,
  terraformEnvironment,
  terraformVersion,
  ToolingError,
  NO_MIRROR_HINT,
  WORK,
  type Mirror,
} from './plan-offline/terraform';
import { buildWorkCopy } from './plan-offline/work-copy';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const PLAN_DIR = join(WORK, 'plan');

/** Each CodeBuild project (by name suffix) and the artifacts/ buildspec it runs. */
const BUILDSPEC_OF: Readonly<Record<string, string>> = {
  '-image': 'buildspec.yml',
  '-import': 'import-buildspec.yml',
  '-promote': 'promote-buildspec.yml',
};

/** Every synthesized environment's config: the promotion checks compare the plan with it. */
const CONFIGS = loadEnvironments([...shippedEnvironments, ...VARIANTS]);
const CONCURRENCY = 2;

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
    const hint = mirror ? '' : NO_MIRROR_HINT;
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
  const buildspecs = Object.fromEntries(
    Object.entries(BUILDSPEC_OF).map(([suffix, file]) => [
      suffix,
      { file, content: readFileSync(join(ROOT, 'artifacts', file), 'utf8') },
    ]),
  );
  const planned = resourcesOf(planJson.planned_values);
  const applied = resourcesOf(state.values ?? state);
  const configured = (address: string, attribute: string) => {
    const [type, name] = address.split('.');
    return synthesized.resource?.[type]?.[name]?.[attribute] !== undefined;
  };
  const policies = checkPolicies(applied, configured);
  const config = CONFIGS.find((c) => c.name === environment);
  if (!config) throw new ToolingError(`${environment}: synthesized, but not in the config`);
  // The cross-account grants on the planned values, against the shared config of both sides.
  const grants = checkPromotionGrants(planned, config, config.promotion);
  const outputs: Json = (state.values ?? state).outputs ?? {};
  const files = new Map(copy.archivedFiles.map(({ output, filename }) => [filename, outputs[output]?.value as string]));
  const problems = [
    ...checkFirstDeploy(planJson, copy.declaredResources),
    ...checkBuildspec(planned, buildspecs, 'plan'),
    ...checkBuildspec(applied, buildspecs, 'mocked apply'),
    ...policies.problems,
    ...checkImageHandOff(planned),
    ...checkDeploymentFiles(files, readsDeploymentFiles(planned), config.promotion.from !== undefined),
    ...grants.problems,
  ];
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return {
    environment,
    problems,
    summary:
      `${environment.padEnd(10)} ${String(planJson.resource_changes.length).padStart(4)} to create, ` +
      `${policies.checked} policies${grants.checked ? ', ' : ' and '}${files.size} deployment files${grants.checked ? ` and ${grants.checked} promotion grants` : ''} checked, ${problems.length === 0 ? 'ok' : 'FAILED'} in ${seconds} s`,
    notes: copy.differences,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  terraformVersion();
  synthesizeAll();
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const environments = selectedStacks(args.filter((arg) => arg !== '--verbose'));
  const { env, mirror, description } = terraformEnvironment(PLAN_DIR, pinnedProvider(environments[0]));
  console.log(description);

  const outcomes = await inParallel(environments, CONCURRENCY, (environment) =>
    planEnvironment(environment, mirror, env),
  );
  if (verbose) {
    for (const outcome of outcomes) {
      console.log(`${outcome.environment}: the work copy differs from the synthesized stack in:`);
      for (const note of outcome.notes) console.log(`  - ${note}`);
    }
    console.log('');
  }
  for (const outcome of verbose ? [] : outcomes) {
    // What the plan could not check always shows: the attributes newer than the mirror's provider.
    for (const note of outcome.notes.filter((n) => n.includes('stripped')))
      console.log(`${outcome.environment}: ${note}`);
  }
  for (const outcome of outcomes) {
    console.log(
      `${outcome.summary} (work copy: ${outcome.notes.length} differences${verbose ? '' : ', --verbose lists them'})`,
    );
    for (const problem of outcome.problems) console.log(`  ${problem}`);
  }
  const failed = outcomes.filter((outcome) => outcome.problems.length > 0).length;
  console.log(
    `offline plan of ${outcomes.length} environments: ${failed === 0 ? 'all passed' : `${failed} FAILED`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  if (!(error instanceof ToolingError)) throw error;
  console.error(`plan:offline: ${error.message}`);
  process.exitCode = 1;
});
