import type { ApprovalConfig, SmokeTestConfig } from '../contract';

/** The smoke test the stack configured for this function (environment variable SMOKE_TEST). */
export function smokeTestFromEnvironment(env: NodeJS.ProcessEnv = process.env): SmokeTestConfig {
  const raw = env.SMOKE_TEST;
  if (!raw) throw new Error('SMOKE_TEST is not set: the function was deployed without its smoke-test configuration');
  const config = JSON.parse(raw) as SmokeTestConfig;
  if (typeof config.url !== 'string' || !Array.isArray(config.paths) || config.paths.length === 0) {
    throw new Error('SMOKE_TEST needs a url and at least one path');
  }
  return config;
}

/** The operator approval the stack configured (environment variable APPROVAL), if any. */
export function approvalFromEnvironment(env: NodeJS.ProcessEnv = process.env): ApprovalConfig | undefined {
  const raw = env.APPROVAL;
  if (!raw) return undefined;
  const config = JSON.parse(raw) as ApprovalConfig;
  if (typeof config.parameterPrefix !== 'string' || !(config.waitMinutes > 0) || !(config.callBackDelaySeconds > 0)) {
    throw new Error('APPROVAL needs a parameterPrefix, a positive waitMinutes and a positive callBackDelaySeconds');
  }
  return config;
}
