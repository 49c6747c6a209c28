import type { Construct } from 'constructs';
import { EnvironmentContext, type EnvironmentContextValues } from '../../stacks/shared/context';

/** The context a construct test runs in: names start with "web-test", resources live in 123456789012/eu-west-1. */
export const TEST_CONTEXT: EnvironmentContextValues = {
  app: 'web',
  environment: 'test',
  accountId: '123456789012',
  region: 'eu-west-1',
  logRetentionDays: 30,
};

export const TEST_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** Attaches a test environment context (with a key ARN in place of the key) to the scope's stack. */
export function inTestEnvironment(scope: Construct): EnvironmentContext {
  const context = EnvironmentContext.attach(scope, TEST_CONTEXT);
  context.useKey(TEST_KEY_ARN);
  return context;
}
