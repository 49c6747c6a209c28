import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import { createClients, type Clients } from './clients';
import { promote, rollback } from './operate';
import { jsonRenderer, lineRenderer, liveRenderer } from './render';
import { formatStatus, readStatus } from './status';
import { targetOf, type Target } from './target';
import { EXIT, watch } from './watch';

/** What the commands need from the outside world; tests replace each part. */
export interface Io {
  readonly stdout: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly clients?: (region: string) => Clients;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

const EXIT_CODES_HELP = `
Exit codes of watch: 0 succeeded (or --until reached), 1 failed, 2 rolled back, 3 stopped or timed out,
4 usage or configuration error. promote and rollback: 0 done, 1 nothing to act on, 4 usage or configuration.`;

/** Runs one command line (without "node bluegreen") and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.succeeded;
  const program = new Command('bluegreen')
    .description('Operate the blue/green deployments of an environment in stacks/config/environments.ts')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  program
    .command('status')
    .description('which target group is live, what runs, the last pipeline run and deployment, alarm states')
    .argument('<env>', 'environment name')
    .option('--json', 'print one JSON object')
    .action(async (env: string, options: { json?: boolean }) => {
      const target = targetFor(env);
      const status = await readStatus(clientsFor(io, target), target);
      io.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${formatStatus(status, target).join('\n')}\n`);
    });

  program
    .command('watch')
    .description('follow the running pipeline run (or the next one) through its stages and its deployment')
    .argument('<env>', 'environment name')
    .option('--json', 'one JSON object per event, for CI')
    .option('--until <stage>', 'stop (exit 0) at a pipeline stage, a lifecycle step, or "operator"')
    .addOption(
      new Option('--start-timeout <minutes>', 'minutes to wait for a run to start').default(10).argParser(positive),
    )
    .addOption(new Option('--interval <seconds>', 'seconds between polls').default(5).argParser(positive))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(
      async (env: string, options: { json?: boolean; until?: string; startTimeout: number; interval: number }) => {
        const target = targetFor(env);
        const renderer = options.json
          ? jsonRenderer(io.stdout)
          : io.stdout.isTTY
            ? await liveRenderer(io.stdout as NodeJS.WriteStream)
            : lineRenderer(io.stdout);
        exitCode = await watch(
          clientsFor(io, target),
          target,
          {
            until: options.until,
            startTimeoutMinutes: options.startTimeout,
            intervalSeconds: options.interval,
            signal: io.signal,
            sleep: io.sleep,
            now: io.now,
          },
          renderer,
        );
      },
    );

  program
    .command('promote')
    .description('CodeDeploy: reroute a deployment waiting for it; ECS engine: approve the running deployment')
    .argument('<env>', 'environment name')
    .option('--now', 'CodeDeploy: also end the termination wait (remove the old task set now)')
    .action(async (env: string, options: { now?: boolean }) => {
      const target = targetFor(env);
      const result = await promote(clientsFor(io, target), target, options.now);
      (result.exitCode === 0 ? io.stdout : io.stderr).write(`${result.message}\n`);
      exitCode = result.exitCode;
    });

  program
    .command('rollback')
    .description('stop the running deployment and roll it back')
    .argument('<env>', 'environment name')
    .action(async (env: string) => {
      const target = targetFor(env);
      const result = await rollback(clientsFor(io, target), target);
      (result.exitCode === 0 ? io.stdout : io.stderr).write(`${result.message}\n`);
      exitCode = result.exitCode;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    const { name, message } = error as Error;
    io.stderr.write(`bluegreen: ${name}: ${message}\n`);
    return /Credential|AccessDenied|UnrecognizedClient|InvalidClientToken|ExpiredToken/i.test(`${name} ${message}`)
      ? EXIT.usage
      : EXIT.failed;
  }
}

/** The environment's validated config, reduced to what the CLI looks at. */
function targetFor(env: string): Target {
  const [config] = loadEnvironments(environments, [env]);
  return targetOf(config);
}

function clientsFor(io: Io, target: Target): Clients {
  return (io.clients ?? createClients)(target.region);
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
}
