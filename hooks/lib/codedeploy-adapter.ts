import {
  CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
  type LifecycleEventStatus,
} from '@aws-sdk/client-codedeploy';
import { logger, type Check, type LambdaContext } from './check';
import { REPORT_MARGIN_MS } from '../contract';

/** What CodeDeploy sends to an ECS lifecycle hook function. */
export interface CodeDeployHookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

export interface CodeDeployAdapterOptions {
  /** Time kept back from the Lambda timeout to report the status, retries included. */
  readonly reportMarginMs?: number;
  /** Attempts of the status call when CodeDeploy throttles or fails transiently. */
  readonly reportAttempts?: number;
  readonly client?: CodeDeployClient;
}

// One client per container, reused across invocations; the SDK comes from the Lambda runtime.
let sharedClient: CodeDeployClient | undefined;

/**
 * Wraps a check as a CodeDeploy lifecycle hook. The status is reported exactly once: after
 * the check passes or fails, after it throws, and, if it has not finished by then, shortly
 * before the Lambda timeout. A hook that never reports would hold the deployment for an hour.
 */
export function codeDeployHook(hook: string, check: Check, options: CodeDeployAdapterOptions = {}) {
  const reportMarginMs = options.reportMarginMs ?? REPORT_MARGIN_MS;
  const reportAttempts = options.reportAttempts ?? 5;

  return async (event: CodeDeployHookEvent, context: LambdaContext): Promise<{ status: LifecycleEventStatus }> => {
    const log = logger(hook);
    const client = options.client ?? (sharedClient ??= new CodeDeployClient({}));
    const deadline = Date.now() + context.getRemainingTimeInMillis() - reportMarginMs;

    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<{ status: LifecycleEventStatus; summary: string }>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 'Failed', summary: 'the check did not finish before the hook deadline' }),
        Math.max(0, deadline - Date.now()),
      );
    });
    // Promise.resolve().then: a check that throws synchronously is caught like any other error.
    const checked = Promise.resolve()
      .then(() => check({ deadline, log, event }))
      .then((result) => ({
        status: (result.passed ? 'Succeeded' : 'Failed') as LifecycleEventStatus,
        summary: result.summary,
      }))
      .catch((error: unknown) => ({
        status: 'Failed' as LifecycleEventStatus,
        summary: `the check threw: ${describe(error)}`,
      }));

    const outcome = await Promise.race([checked, outOfTime]);
    clearTimeout(timer);
    log('reporting', { deploymentId: event.DeploymentId, status: outcome.status, summary: outcome.summary });
    await reportStatus(client, event, outcome.status, reportAttempts, log);
    return { status: outcome.status };
  };
}

/** PutLifecycleEventHookExecutionStatus, retried with backoff on throttling and transient errors. */
async function reportStatus(
  client: CodeDeployClient,
  event: CodeDeployHookEvent,
  status: LifecycleEventStatus,
  attempts: number,
  log: (message: string, data?: object) => void,
): Promise<void> {
  const command = new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(command);
      return;
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) {
        log('status report failed', { attempt, error: describe(error) });
        throw error;
      }
      log('status report retried', { attempt, error: describe(error) });
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
    }
  }
}

function isRetryable(error: unknown): boolean {
  const { name, $metadata, $retryable } = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  return (
    Boolean($retryable) ||
    [
      'ThrottlingException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
      'ServiceUnavailable',
      'InternalFailure',
    ].includes(name ?? '') ||
    ($metadata?.httpStatusCode ?? 0) >= 500
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
