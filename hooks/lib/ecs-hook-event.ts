/**
 * What ECS sends an ECS-native lifecycle hook, read from either shape AWS documents. The current page
 * ("Lambda hooks for Amazon ECS service deployments", and AWS's sample functions) nests the deployment's
 * details in `executionDetails`, beside `executionId`, `lifecycleStage`, `resourceArn` and, on a
 * call-back, `hookDetails`; an older revision of "Lifecycle hooks for Amazon ECS service deployments"
 * shows the same four fields flat at the top level. Nested wins where both are present.
 */

/** The deployment a hook is invoked for. */
export interface EcsDeploymentDetails {
  readonly serviceArn?: string;
  readonly targetServiceRevisionArn?: string;
  /** Service revision ARN -> percent of test traffic. */
  readonly testTrafficWeights?: Readonly<Record<string, number>>;
  /** Service revision ARN -> percent of production traffic. */
  readonly productionTrafficWeights?: Readonly<Record<string, number>>;
}

/** The event as ECS sends it (either documented shape). */
export interface EcsHookEvent extends EcsDeploymentDetails {
  readonly executionDetails?: EcsDeploymentDetails;
  readonly executionId?: string;
  readonly lifecycleStage?: string;
  /** The service deployment's ARN. */
  readonly resourceArn?: string;
  /** Set on the hook in the service, merged with what the previous IN_PROGRESS answer returned. */
  readonly hookDetails?: Readonly<Record<string, unknown>>;
}

/** Where the deployment's details were found. */
export type EcsEventShape = 'executionDetails' | 'flat' | 'neither';

export interface EcsHookInvocation {
  readonly shape: EcsEventShape;
  readonly details: EcsDeploymentDetails;
  readonly lifecycleStage?: string;
  readonly hookDetails: Readonly<Record<string, unknown>>;
}

const DETAIL_FIELDS = ['serviceArn', 'targetServiceRevisionArn', 'testTrafficWeights', 'productionTrafficWeights'];

export function readEcsHookEvent(event: unknown): EcsHookInvocation {
  const raw = (isRecord(event) ? event : {}) as EcsHookEvent;
  const nested = isRecord(raw.executionDetails) ? raw.executionDetails : undefined;
  const shape: EcsEventShape = nested ? 'executionDetails' : DETAIL_FIELDS.some((f) => f in raw) ? 'flat' : 'neither';
  const source: EcsDeploymentDetails = nested ?? raw;
  return {
    shape,
    details: {
      serviceArn: text(source.serviceArn),
      targetServiceRevisionArn: text(source.targetServiceRevisionArn),
      testTrafficWeights: isRecord(source.testTrafficWeights) ? source.testTrafficWeights : undefined,
      productionTrafficWeights: isRecord(source.productionTrafficWeights) ? source.productionTrafficWeights : undefined,
    },
    lifecycleStage: text(raw.lifecycleStage),
    hookDetails: isRecord(raw.hookDetails) ? raw.hookDetails : {},
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
