import { logger, type Check, type LambdaContext } from './check';

/** What ECS-native blue/green expects back from a lifecycle hook function. */
export type EcsHookResponse =
  | { readonly hookStatus: 'SUCCEEDED' | 'FAILED' }
  | { readonly hookStatus: 'IN_PROGRESS'; readonly callBackDelay: number };

export interface EcsNativeAdapterOptions {
  /** Time kept back from the Lambda timeout to return a verdict. */
  readonly returnMarginMs?: number;
  /** Seconds ECS waits before invoking again when a check asks to be called back. */
  readonly callBackDelaySeconds?: number;
}

/**
 * Wraps a check as an ECS-native (deployment strategy BLUE_GREEN) lifecycle hook, which
 * returns its verdict instead of calling CodeDeploy. Errors and a check that outlives its
 * deadline become FAILED, so ECS rolls back rather than waits.
 */
export function ecsNativeHook(hook: string, check: Check, options: EcsNativeAdapterOptions = {}) {
  const returnMarginMs = options.returnMarginMs ?? 2000;
  const callBackDelay = options.callBackDelaySeconds ?? 30;

  return async (event: unknown, context: LambdaContext): Promise<EcsHookResponse> => {
    const log = logger(hook);
    const deadline = Date.now() + context.getRemainingTimeInMillis() - returnMarginMs;
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<EcsHookResponse>((resolve) => {
      timer = setTimeout(() => resolve({ hookStatus: 'FAILED' }), Math.max(0, deadline - Date.now()));
    });
    const checked = Promise.resolve()
      .then(() => check({ deadline, log, event }))
      .then(
        (result): EcsHookResponse => {
          log('verdict', { passed: result.passed, summary: result.summary });
          if (result.passed) return { hookStatus: 'SUCCEEDED' };
          return result.retryLater ? { hookStatus: 'IN_PROGRESS', callBackDelay } : { hookStatus: 'FAILED' };
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
