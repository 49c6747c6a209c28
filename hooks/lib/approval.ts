import { ECSClient, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { APPROVAL_SIGNALS, approvalParameterName, type ApprovalConfig } from '../contract';
import type { Check } from './check';
import { readEcsHookEvent } from './ecs-hook-event';

export type { ApprovalConfig };

/** The AWS clients the wait uses; one each per container, reused across invocations. */
export interface ApprovalClients {
  readonly ssm?: SSMClient;
  readonly ecs?: ECSClient;
}
let sharedSsm: SSMClient | undefined;
let sharedEcs: ECSClient | undefined;

/**
 * Waits for an operator: passes when the revision's approval parameter says "approved", fails when
 * it says "rejected" or when the wait has run out (ECS then rolls back), and otherwise asks to be
 * called back, carrying the time the wait began in hookDetails. The deployment ECS starts when the
 * service is created is not held: there is no earlier revision to protect or to roll back to.
 */
export function awaitApproval(config: ApprovalConfig, clients: ApprovalClients = {}): Check {
  return async ({ event, log }) => {
    const { details, hookDetails } = readEcsHookEvent(event);
    const revision = details.targetServiceRevisionArn;
    if (!revision) {
      throw new Error('the lifecycle event has no targetServiceRevisionArn, in executionDetails or at the top level');
    }
    const since = Number(hookDetails.waitingSince);
    const calledBack = Number.isFinite(since) && since > 0;
    // Decided once per deployment, on the hook's first invocation; call-backs carry waitingSince.
    if (!calledBack && details.serviceArn && (await isFirstDeployment(clients, details.serviceArn))) {
      return { passed: true, summary: "the service's first deployment: nothing earlier to hold it for" };
    }
    const name = approvalParameterName(config.parameterPrefix, revision);
    const waitingSince = calledBack ? since : Date.now();
    const signal = await readSignal(clients.ssm ?? (sharedSsm ??= new SSMClient({})), name);
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

/**
 * Whether the deployment is the service's first: ListServiceDeployments lists the deployment in
 * progress too, so one entry (or none yet) means CreateService started it. AWS's blue/green sample
 * functions decide the same way. Two results at most: that is all the answer needs.
 */
async function isFirstDeployment(clients: ApprovalClients, serviceArn: string): Promise<boolean> {
  const client = clients.ecs ?? (sharedEcs ??= new ECSClient({}));
  // service/<cluster>/<service>: the call takes the cluster apart from the service.
  const [cluster] = serviceArn.split(':service/')[1]?.split('/') ?? [];
  const { serviceDeployments = [] } = await client.send(
    new ListServiceDeploymentsCommand({ service: serviceArn, cluster, maxResults: 2 }),
  );
  return serviceDeployments.length <= 1;
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
