import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { EnvironmentConfig } from './config/schema';
import { writeRenderedDeploymentFiles } from './delivery/deployment-files';
import { EnvironmentStack } from './environment-stack';

/**
 * Synthesizes one stack per environment into `outdir` (cdktf's default, cdktf.out, when absent)
 * and writes each stack's rendered deployment files beside it. Returns the output folder.
 */
export function synthesizeApp(configs: readonly EnvironmentConfig[], outdir?: string): string {
  if (outdir) mkdirSync(outdir, { recursive: true });
  const app = new App(outdir ? { outdir } : {});
  for (const config of configs) new EnvironmentStack(app, { config });
  app.synth();
  for (const config of configs) writeRenderedDeploymentFiles(join(app.outdir, 'stacks', config.name));
  return app.outdir;
}

/**
 * An environment deleted from the config leaves its synthesized stack behind, and its resources keep
 * running if it was never destroyed. A stale stack folder is removed with a warning that says how to
 * destroy it; where the environment's local state (terraform.<env>.tfstate in `stateDir`) still holds
 * resources, nothing is removed and the message says so.
 */
export function removeStaleStacks(
  outdir: string,
  configs: readonly EnvironmentConfig[],
  stateDir: string,
): { removed: string[]; refused: string[] } {
  const stacks = join(outdir, 'stacks');
  const removed: string[] = [];
  const refused: string[] = [];
  if (!existsSync(stacks)) return { removed, refused };
  for (const name of readdirSync(stacks)) {
    if (configs.some((config) => config.name === name)) continue;
    const running = resourcesInLocalState(join(stateDir, `terraform.${name}.tfstate`));
    const destroy = `add it back with \`retired: true\`, run \`npx cdktf destroy ${name}\`, then delete it`;
    if (running > 0) {
      refused.push(
        `${name}: deleted from the config, but terraform.${name}.tfstate still holds ${running} resources, which keep ` +
          `running (and billing). Fix: ${destroy} (or delete the state file if those resources are already gone).`,
      );
      continue;
    }
    rmSync(join(stacks, name), { recursive: true, force: true });
    removed.push(
      `${name}: no longer configured; removed its stale ${join(outdir, 'stacks', name)}. If it was deployed and not ` +
        `destroyed, its resources are still running (and billing): ${destroy}.`,
    );
  }
  return { removed, refused };
}

function resourcesInLocalState(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')).resources ?? []).length;
  } catch {
    return 0;
  }
}
