import { ECS_RETURN_MARGIN_MS } from '../contract';
import { logger, type Check, type CheckResult, type LambdaContext } from './check';
import { readEcsHookEvent, type EcsHookEvent } from './ecs-hook-event';

/**
 * What ECS-native blue/green expects back from a lifecycle hook function. With IN_PROGRESS, ECS
 * invokes the function again after callBackDelay seconds and passes hookDetails back to it
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 */
export type EcsHookResponse =
  | { readonly hookStatus: 'SUCCEEDED' | 'FAILED' }
  | {
      readonly hookStatus: 'IN_PROGRESS';
      readonly callBackDelay: number;
      readonly hookDetails?: Readonly<Record<string, string | number>>;
    };

export interface EcsNativeAdapterOptions {
  /** Time kept back from the Lambda timeout to return a verdict. */
  readonly returnMarginMs?: number;
  /** Seconds ECS waits before invoking again when a check asks to be called back. */
  readonly callBackDelaySeconds?: number;
}

/**
 * Wraps a check as an ECS-native (deployment strategy BLUE_GREEN, CANARY or LINEAR) lifecycle hook,
 * which returns its verdict instead of calling CodeDeploy. A check that cannot decide yet returns
 * IN_PROGRESS rather than holding the Lambda; errors and a check that outlives its deadline become
 * FAILED, so ECS rolls back rather than waits.
 */
export function ecsNativeHook(hook: string, check: Check, options: EcsNativeAdapterOptions = {}) {
  const returnMarginMs = options.returnMarginMs ?? ECS_RETURN_MARGIN_MS;
  const callBackDelay = options.callBackDelaySeconds ?? 30;

  return async (event: EcsHookEvent, context: LambdaContext): Promise<EcsHookResponse> => {
    const log = logger(hook);
    const deadline = Date.now() + context.getRemainingTimeInMillis() - returnMarginMs;
    const { shape, details, lifecycleStage, hookDetails } = readEcsHookEvent(event);
    if (shape === 'neither') {
      log('lifecycle event without deployment details', {
        expected: 'executionDetails.{serviceArn,targetServiceRevisionArn} or the same fields at the top level',
        received: Object.keys(event ?? {}),
      });
    } else {
      log('lifecycle event', { shape, lifecycleStage, ...details, hookDetails });
    }
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<EcsHookResponse>((resolve) => {
      timer = setTimeout(
        () => {
          log('verdict', {
            hookStatus: 'FAILED',
            passed: false,
            summary: 'the check did not finish before the hook deadline',
          });
          resolve({ hookStatus: 'FAILED' });
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    const checked = Promise.resolve()
      .then(() => check({ deadline, log, event }))
      .then(
        (result): EcsHookResponse => {
          const response = responseOf(result, callBackDelay);
          // hookStatus IN_PROGRESS: waiting (for an operator), which `bluegreen watch` shows as a wait, not a failure.
          const { hookStatus } = response;
          log('verdict', {
            hookStatus,
            passed: result.passed,
            retryLater: result.retryLater ?? false,
            summary: result.summary,
          });
          return response;
        },
        (error: unknown): EcsHookResponse => {
          log('check threw', { error: String(error) });
          return { hookStatus: 'FAILED' };
        },
      );
    const response = await Promise.race([checked, outOfTime]);
    clearTimeout(timer);
    return response;
  };
}

function responseOf(result: CheckResult, callBackDelay: number): EcsHookResponse {
  if (result.passed) return { hookStatus: 'SUCCEEDED' };
  if (!result.retryLater) return { hookStatus: 'FAILED' };
  const delay = result.retryAfterSeconds ?? callBackDelay;
  return result.details
    ? { hookStatus: 'IN_PROGRESS', callBackDelay: delay, hookDetails: result.details }
    : { hookStatus: 'IN_PROGRESS', callBackDelay: delay };
}
