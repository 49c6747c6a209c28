/**
 * The contract between the Lambda hooks and the stacks that deploy them: the only module under
 * hooks/ that synth-time code (stacks/, main.ts, tools/, .ci/) may import, and it imports nothing itself.
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

/**
 * ECS-native blue/green hooks: the deployment stage each runs at, and its handler file in hooks/.
 * After test traffic reaches the new revision the smoke test calls the test listener (and, with an
 * operator wait, the hook waits for approval); after production traffic, the production listener.
 */
export const ECS_LIFECYCLE_HOOKS = [
  { hook: 'EcsAfterTestTraffic', stage: 'POST_TEST_TRAFFIC_SHIFT', file: 'ecs-after-test-traffic' },
  { hook: 'EcsAfterProductionTraffic', stage: 'POST_PRODUCTION_TRAFFIC_SHIFT', file: 'ecs-after-production-traffic' },
] as const;

export type EcsHook = (typeof ECS_LIFECYCLE_HOOKS)[number]['hook'];

/** Any hook function the stacks deploy, whichever engine invokes it. */
export type HookName = LifecycleEvent | EcsHook;

/** Seconds kept back from an ECS hook's Lambda timeout to return its verdict. */
export const ECS_RETURN_MARGIN_MS = 2000;

/**
 * Operator approval on the ECS engine; the stack passes it as APPROVAL (JSON). The operator approves
 * a deployment by writing "approved" (or "rejected") to the SSM parameter `<parameterPrefix>/<revision>`,
 * where <revision> is the last part of the target service revision's ARN.
 */
export interface ApprovalConfig {
  readonly parameterPrefix: string;
  /** Minutes the hook waits for the signal before it fails, which rolls the deployment back. */
  readonly waitMinutes: number;
  /** Seconds ECS waits before asking the hook again. */
  readonly callBackDelaySeconds: number;
}

/** The values an operator writes to the approval parameter. */
export const APPROVAL_SIGNALS = { approve: 'approved', reject: 'rejected' } as const;

/** The last part of an ARN: a service revision's id, a deployment's id. */
export function lastPartOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The parameter the hook reads and `bluegreen promote` writes for one service revision. */
export function approvalParameterName(parameterPrefix: string, serviceRevisionArn: string): string {
  return `${parameterPrefix}/${lastPartOf(serviceRevisionArn)}`;
}

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
