import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import { createClients, type Clients } from './clients';
import { decide } from './approve';
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
Exit codes of watch: 0 succeeded (or --until reached), 1 failed, 2 rolled back, 3 stopped or timed out.
promote, rollback, approve and reject: 0 done, 1 nothing to act on (or a rollback is running, which is left alone).
Every command: 4 usage, configuration or credentials, 5 AWS could not be reached (network, proxy, endpoint).`;

/** Runs one command line (without "node bluegreen") and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.succeeded;
  let target: Target | undefined;
  const targetFor = (env: string): Target => {
    const [config] = loadEnvironments(environments, [env]);
    target = targetOf(config);
    return target;
  };
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
        if (options.until !== undefined) {
          const problem = untilProblem(options.until, target);
          if (problem) {
            io.stderr.write(`${problem}\n`);
            exitCode = EXIT.usage;
            return;
          }
        }
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

  for (const [command, status] of [
    ['approve', 'Approved'],
    ['reject', 'Rejected'],
  ] as const) {
    program
      .command(command)
      .description(
        `${command} the promotion waiting in a promoted environment's Approve stage (CodePipeline PutApprovalResult)`,
      )
      .argument('<env>', 'environment name')
      .option('--reason <text>', 'the summary the pipeline records with the decision')
      .action(async (env: string, options: { reason?: string }) => {
        const target = targetFor(env);
        const result = await decide(clientsFor(io, target), target, status, options.reason);
        (result.exitCode === 0 ? io.stdout : io.stderr).write(`${result.message}\n`);
        exitCode = result.exitCode;
      });
  }

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
    const failure = classify(error, target);
    io.stderr.write(`${failure.message}\n`);
    return failure.exitCode;
  }
}

/** Network errors Node reports when AWS (or the configured endpoint) cannot be reached at all. */
const UNREACHABLE = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
];
const CREDENTIALS =
  /Credential|UnrecognizedClient|InvalidClientToken|ExpiredToken|InvalidSignature|SignatureDoesNotMatch/i;

/** What an AWS error means for the operator, and the exit code that says so. */
function classify(error: unknown, target: Target | undefined): { exitCode: number; message: string } {
  const { name, message } = error as Error;
  // Node's code is on its error; where the SDK wraps the error, it is only in the message.
  const own = (error as { code?: string }).code;
  const code = own && UNREACHABLE.includes(own) ? own : UNREACHABLE.find((c) => String(message).includes(c));
  const where = target
    ? ` for environment "${target.environment}" (account ${target.accountId}, ${target.region})`
    : '';
  if (code) {
    const endpoint = process.env.AWS_ENDPOINT_URL ? ` at AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL}` : '';
    return {
      exitCode: EXIT.unreachable,
      message: `bluegreen: AWS could not be reached${endpoint}${where}: ${code} (${message}). Check the network, a proxy, or the endpoint.`,
    };
  }
  if (CREDENTIALS.test(`${name} ${message}`)) {
    return {
      exitCode: EXIT.usage,
      message:
        `bluegreen: no valid AWS credentials${where}: ${name}: ${message}\n` +
        `  Fix: set AWS_PROFILE to a profile for account ${target?.accountId ?? "<the environment's account>"}, ` +
        'or sign in with `aws sso login --profile <profile>`, then run the command again.',
    };
  }
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(`${name} ${message}`)) {
    return {
      exitCode: EXIT.usage,
      message: `bluegreen: the credentials in use may not do this${where}: ${name}: ${message}\n  Fix: use a role of that account that may read the environment's pipeline, deployments, service, load balancer, logs and alarms.`,
    };
  }
  return { exitCode: EXIT.failed, message: `bluegreen: ${name}: ${message}` };
}

/** Why `--until` cannot be reached in this environment, or undefined when it names a stage, step or "operator". */
function untilProblem(until: string, target: Target): string | undefined {
  const wanted = until.toLowerCase();
  // An operator is waited for to reroute (waitForRerouteMinutes) or to approve a promotion.
  const waitsForOperator = target.operatorWaitMinutes > 0 || target.approval;
  if (wanted === 'operator') {
    return waitsForOperator
      ? undefined
      : `--until operator: ${target.environment} never waits for an operator (pipeline.waitForRerouteMinutes is 0) and has no promotion approval.`;
  }
  const valid = [...target.pipelineStages, ...target.lifecycleSteps];
  if (valid.some((name) => name.toLowerCase() === wanted)) return undefined;
  const operator = waitsForOperator ? ', or operator' : '';
  return `--until ${until}: not a stage or step of ${target.environment} (${target.engine} engine). Use one of: ${valid.join(', ')}${operator}.`;
}

function clientsFor(io: Io, target: Target): Clients {
  return (io.clients ?? createClients)(target.region);
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
}
