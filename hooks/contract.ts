/**
 * The contract between the Lambda hooks and the stacks that deploy them: the only module under
 * hooks/ that synth-time code (stacks/, main.ts, .ci/) may import, and it imports nothing itself.
 * What crosses it: the lifecycle events and their handler files, the smoke-test configuration the
 * stack passes as SMOKE_TEST, and the timing both sides must agree on.
 */

/** CodeDeploy ECS lifecycle events that run Lambda hooks, in order, with their handler file in hooks/. */
export const LIFECYCLE_HOOKS = [
  { event: 'BeforeInstall', file: 'before-install' },
  { event: 'AfterInstall', file: 'after-install' },
  { event: 'AfterAllowTestTraffic', file: 'after-allow-test-traffic' },
  { event: 'BeforeAllowTraffic', file: 'before-allow-traffic' },
  { event: 'AfterAllowTraffic', file: 'after-allow-traffic' },
] as const;

export type LifecycleEvent = (typeof LIFECYCLE_HOOKS)[number]['event'];

/** Milliseconds a CodeDeploy hook keeps back from its Lambda timeout to report its status. */
export const REPORT_MARGIN_MS = 5000;

/** What a smoke test checks; the stack passes it to each function as SMOKE_TEST (JSON). */
export interface SmokeTestConfig {
  /** Base URL, e.g. the QA listener "http://<alb>:8080". */
  readonly url: string;
  readonly paths: readonly string[];
  readonly expectedStatus: number;
  /** Text the body must contain, if set. */
  readonly bodyContains?: string;
  readonly requestTimeoutMs: number;
  /** Further attempts per path after a failed one. */
  readonly retries: number;
  /** Wait before the first retry; doubles after each. */
  readonly backoffMs: number;
  /** After a path passes, `samples` more requests must each answer within `budgetMs`. */
  readonly latency: { readonly samples: number; readonly budgetMs: number };
}
