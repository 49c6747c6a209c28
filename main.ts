import { removeStaleStacks, synthesizeApp } from './stacks/app';
import { environments } from './stacks/config/environments';
import { ConfigError, loadEnvironments, parseSelection } from './stacks/config/load';
import { placeholdersIn } from './stacks/config/placeholders';
import { describeWaitingTime } from './stacks/config/waiting-time';
import { HookCheckError } from './stacks/validation/hook-check';

/**
 * One stack per environment. ENVIRONMENT="dev" (comma-separated) synthesizes a subset;
 * every configured environment is validated either way.
 */
function main(): void {
  const selected = parseSelection(process.env.ENVIRONMENT);
  let configs;
  let outdir;
  try {
    configs = loadEnvironments(environments, selected);
    outdir = synthesizeApp(configs);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof HookCheckError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (selected.length === 0) {
    const stale = removeStaleStacks(outdir, configs, __dirname);
    for (const message of [...stale.removed, ...stale.refused]) console.warn(message);
    if (stale.refused.length > 0) process.exitCode = 1;
  }
  for (const config of configs) {
    const placeholders = placeholdersIn(config);
    if (placeholders.length > 0) {
      console.warn(
        `${config.name}: placeholders left in ${placeholders.map((p) => p.field).join(', ')}: replace them before deploying ` +
          `(\`npm run doctor -- ${config.name}\` says what else a first deploy needs)`,
      );
    }
    if (config.retired) {
      console.warn(
        `${config.name}: retired. Run \`npx cdktf destroy ${config.name}\` to remove what it runs, then delete it from stacks/config/environments.ts.`,
      );
    }
    const nat = config.network.natGateways === 'single' ? '1 NAT gateway' : `${config.network.azCount} NAT gateways`;
    console.log(
      `${config.name}: ${config.accountId}/${config.region}, ${config.network.azCount} AZs, ${nat}, ` +
        `${config.service.desiredCount} x ${config.container.cpu} CPU/${config.container.memory} MiB, ` +
        `${config.pipeline.engine} engine, ${config.pipeline.trafficShift} -> ${outdir}/stacks/${config.name}\n` +
        `  a deployment waits: ${describeWaitingTime(config)}`,
    );
  }
}

main();
