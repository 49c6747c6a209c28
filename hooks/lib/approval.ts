import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { APPROVAL_SIGNALS, approvalParameterName, type ApprovalConfig } from '../contract';
import type { Check } from './check';
import type { EcsHookEvent } from './ecs-native-adapter';

export type { ApprovalConfig };

// One client per container, reused across invocations; the SDK comes from the Lambda runtime.
let sharedClient: SSMClient | undefined;

/**
 * Waits for an operator: passes when the revision's approval parameter says "approved", fails when
 * it says "rejected" or when the wait has run out (ECS then rolls back), and otherwise asks to be
 * called back, carrying the time the wait began in hookDetails.
 */
export function awaitApproval(config: ApprovalConfig, client?: SSMClient): Check {
  return async ({ event, log }) => {
    const ecsEvent = event as EcsHookEvent;
    if (!ecsEvent.targetServiceRevisionArn) throw new Error('the lifecycle event has no targetServiceRevisionArn');
    const name = approvalParameterName(config.parameterPrefix, ecsEvent.targetServiceRevisionArn);
    const since = Number(ecsEvent.hookDetails?.waitingSince);
    const waitingSince = Number.isFinite(since) && since > 0 ? since : Date.now();
    const signal = await readSignal(client ?? (sharedClient ??= new SSMClient({})), name);
    if (signal === APPROVAL_SIGNALS.approve) return { passed: true, summary: `approved by an operator (${name})` };
    if (signal === APPROVAL_SIGNALS.reject) return { passed: false, summary: `rejected by an operator (${name})` };
    const waitedMinutes = (Date.now() - waitingSince) / 60_000;
    if (waitedMinutes >= config.waitMinutes) {
      return { passed: false, summary: `no approval within ${config.waitMinutes} minutes (${name})` };
    }
    log('waiting for approval', { parameter: name, waitedMinutes: Math.floor(waitedMinutes), signal });
    return {
      passed: false,
      retryLater: true,
      summary: `waiting for "${APPROVAL_SIGNALS.approve}" in ${name}`,
      details: { waitingSince },
      retryAfterSeconds: config.callBackDelaySeconds,
    };
  };
}

/** The parameter's value, or undefined while nobody has written it. */
async function readSignal(client: SSMClient, name: string): Promise<string | undefined> {
  try {
    const { Parameter } = await client.send(new GetParameterCommand({ Name: name }));
    return Parameter?.Value?.trim();
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as { name?: string }).name === 'ParameterNotFound')
      return undefined;
    throw error;
  }
}

/** Runs the checks in order; the first that does not pass decides. */
export function allOf(...checks: Check[]): Check {
  return async (context) => {
    const summaries: string[] = [];
    for (const check of checks) {
      const result = await check(context);
      if (!result.passed) return result;
      summaries.push(result.summary);
    }
    return { passed: true, summary: summaries.join('; ') };
  };
}
