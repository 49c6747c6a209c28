import { logContext } from './lib/check';
import { codeDeployHook } from './lib/codedeploy-adapter';

/** CodeDeploy AfterInstall: records the deployment context and lets it continue. */
export const handler = codeDeployHook('AfterInstall', logContext('AfterInstall'));
