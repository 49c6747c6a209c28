import { mkdirSync } from 'node:fs';
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
