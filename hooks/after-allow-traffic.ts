import { codeDeployHook } from './lib/codedeploy-adapter';
import { smokeTestFromEnvironment } from './lib/environment';
import { smokeTest } from './lib/smoke-test';

/**
 * CodeDeploy AfterAllowTraffic: production (PRD) traffic reaches the replacement task set.
 * A failed smoke test rolls production back to the original task set.
 */
export const handler = codeDeployHook('AfterAllowTraffic', (context) => smokeTest(smokeTestFromEnvironment())(context));
