/**
 * Synthesizes every shipped environment plus the test-only variants (.ci/variants.ts) into one
 * folder, for the scan and the offline plan. Usage: tsx tools/synth-checked.ts <outdir>
 */
import { synthesizeApp } from '../stacks/app';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import { HookCheckError } from '../stacks/validation/hook-check';
import { VARIANTS } from '../.ci/variants';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: tsx tools/synth-checked.ts <outdir>');
try {
  const configs = loadEnvironments([...environments, ...VARIANTS]);
  synthesizeApp(configs, outdir);
  console.log(`synthesized ${configs.map((config) => config.name).join(', ')} -> ${outdir}/stacks`);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof HookCheckError)) throw error;
  console.error(error.message);
  process.exit(1);
}
