/** The outcome of a validation check, whichever deployment engine asked for it. */
export interface CheckResult {
  readonly passed: boolean;
  /** One line for logs and for the deployment's failure reason. */
  readonly summary: string;
  /** The check cannot decide yet; engines that can call back later (ECS-native) should. */
  readonly retryLater?: boolean;
  /** State for the next invocation when retrying later (ECS passes it back as hookDetails). */
  readonly details?: Readonly<Record<string, string | number>>;
  /** Seconds until the next invocation when retrying later, if the check knows better than the adapter. */
  readonly retryAfterSeconds?: number;
}

export interface CheckContext {
  /** Epoch milliseconds by which the check must have returned. */
  readonly deadline: number;
  readonly log: (message: string, data?: object) => void;
  /** The invoking event, for checks that need deployment details. */
  readonly event: unknown;
}

/** Validation logic written once and wrapped by one adapter per deployment engine. */
export type Check = (context: CheckContext) => Promise<CheckResult>;

/** Minimal Lambda context used by the adapters. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Structured log line (JSON, one per call) for CloudWatch Logs Insights. */
export function logger(hook: string): CheckContext['log'] {
  return (message, data) => console.log(JSON.stringify({ hook, message, ...data }));
}

/** A check that records the deployment context and passes: the default for hooks without tests. */
export function logContext(hook: string): Check {
  return async ({ event, log }) => {
    log('lifecycle event', { event: event as object });
    return { passed: true, summary: `${hook}: context logged` };
  };
}
