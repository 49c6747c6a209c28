import { codeDeployHook } from './lib/codedeploy-adapter';
import { smokeTestFromEnvironment } from './lib/environment';
import { smokeTest } from './lib/smoke-test';

/**
 * CodeDeploy AfterAllowTestTraffic: the replacement task set is behind the test (QA) listener
 * only. A failed smoke test here rolls back before production traffic moves.
 */
export const handler = codeDeployHook('AfterAllowTestTraffic', (context) =>
  smokeTest(smokeTestFromEnvironment())(context),
);
