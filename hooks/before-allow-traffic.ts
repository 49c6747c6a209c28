import { logContext } from './lib/check';
import { codeDeployHook } from './lib/codedeploy-adapter';

/** CodeDeploy BeforeAllowTraffic: records the deployment context and lets it continue. */
export const handler = codeDeployHook('BeforeAllowTraffic', logContext('BeforeAllowTraffic'));
