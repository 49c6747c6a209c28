import { logContext } from './lib/check';
import { codeDeployHook } from './lib/codedeploy-adapter';

/** CodeDeploy BeforeInstall: records the deployment context and lets it continue. */
export const handler = codeDeployHook('BeforeInstall', logContext('BeforeInstall'));
