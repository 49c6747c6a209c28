import { allOf, awaitApproval } from './lib/approval';
import { ecsNativeHook } from './lib/ecs-native-adapter';
import { approvalFromEnvironment, smokeTestFromEnvironment } from './lib/environment';
import { smokeTest } from './lib/smoke-test';

/**
 * ECS POST_TEST_TRAFFIC_SHIFT: the new revision is behind the test listener only. The smoke test
 * calls it there; with an operator wait configured (APPROVAL), the hook then answers IN_PROGRESS
 * until the revision is approved, and fails (rolling back) when it is rejected or the wait runs out.
 * Each call-back runs the smoke test again, so a revision that degrades while waiting is not approved.
 */
export const handler = ecsNativeHook('EcsAfterTestTraffic', (context) => {
  const smoke = smokeTest(smokeTestFromEnvironment());
  const approval = approvalFromEnvironment();
  return (approval ? allOf(smoke, awaitApproval(approval)) : smoke)(context);
});
