import { probe, type ProbeResult } from './http-probe';
import type { SmokeTestConfig } from '../contract';
import type { Check, CheckResult } from './check';

export type { SmokeTestConfig };

/** Time the check leaves itself, at least, to finish a request. */
const MIN_REQUEST_MS = 50;

/**
 * An HTTP smoke test: every path must answer the expected status (and body text) within the
 * retries, then answer `latency.samples` times within the latency budget. It never runs past
 * `deadline`: when time runs out it stops and says so.
 */
export function smokeTest(config: SmokeTestConfig): Check {
  return async ({ deadline, log }) => {
    const remaining = () => deadline - Date.now();
    for (const path of config.paths) {
      const url = new URL(path, config.url).toString();
      const functional = await untilHealthy(url, config, remaining, log);
      if (!functional.passed) return functional;
      const latency = await withinBudget(url, config, remaining);
      if (!latency.passed) return latency;
      log('path passed', { url, attempts: functional.attempts, slowestMs: latency.slowestMs });
    }
    return { passed: true, summary: `${config.paths.length} path(s) healthy at ${config.url}` };
  };
}

async function untilHealthy(
  url: string,
  config: SmokeTestConfig,
  remaining: () => number,
  log: (message: string, data?: object) => void,
): Promise<CheckResult & { attempts: number }> {
  let problem = '';
  for (let attempt = 0; attempt <= config.retries; attempt++) {
    if (attempt > 0) {
      const wait = Math.min(config.backoffMs * 2 ** (attempt - 1), remaining() - MIN_REQUEST_MS);
      if (wait < 0) break;
      await sleep(wait);
    }
    if (remaining() < MIN_REQUEST_MS) break;
    const result = await probe(url, Math.min(config.requestTimeoutMs, remaining()));
    problem = describeProblem(result, config);
    if (!problem) return { passed: true, summary: 'healthy', attempts: attempt + 1 };
    log('attempt failed', { url, attempt: attempt + 1, problem });
  }
  const outOfTime = remaining() < MIN_REQUEST_MS;
  return {
    passed: false,
    summary: `${url}: ${problem || 'not tried'}${outOfTime ? ' (stopped: the hook deadline was reached)' : ` after ${config.retries + 1} attempts`}`,
    attempts: config.retries + 1,
  };
}

async function withinBudget(
  url: string,
  config: SmokeTestConfig,
  remaining: () => number,
): Promise<CheckResult & { slowestMs: number }> {
  let slowestMs = 0;
  for (let sample = 0; sample < config.latency.samples; sample++) {
    if (remaining() < MIN_REQUEST_MS) {
      return { passed: false, summary: `${url}: latency check stopped, the hook deadline was reached`, slowestMs };
    }
    const result = await probe(url, Math.min(config.requestTimeoutMs, remaining()));
    const problem = describeProblem(result, config);
    if (problem) return { passed: false, summary: `${url}: latency sample ${sample + 1}: ${problem}`, slowestMs };
    slowestMs = Math.max(slowestMs, result.millis);
    if (result.millis > config.latency.budgetMs) {
      return {
        passed: false,
        summary: `${url}: answered in ${result.millis} ms, over the ${config.latency.budgetMs} ms latency budget`,
        slowestMs,
      };
    }
  }
  return { passed: true, summary: 'within budget', slowestMs };
}

/** Empty when the response is what the test expects. */
function describeProblem(result: ProbeResult, config: SmokeTestConfig): string {
  if (result.status === undefined) return result.error ?? 'no response';
  if (result.status !== config.expectedStatus) return `status ${result.status}, expected ${config.expectedStatus}`;
  if (config.bodyContains && !result.body.includes(config.bodyContains))
    return `body does not contain "${config.bodyContains}"`;
  return '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
