import { ecsNativeHook } from './lib/ecs-native-adapter';
import { smokeTestFromEnvironment } from './lib/environment';
import { smokeTest } from './lib/smoke-test';

/**
 * ECS POST_PRODUCTION_TRAFFIC_SHIFT: production traffic reaches the new revision. A failed smoke
 * test through the production listener rolls production back to the previous revision.
 */
export const handler = ecsNativeHook('EcsAfterProductionTraffic', (context) =>
  smokeTest(smokeTestFromEnvironment())(context),
);
