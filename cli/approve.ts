import {
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  PutApprovalResultCommand,
} from '@aws-sdk/client-codepipeline';
import { PIPELINE_STAGES, PROMOTION_VARIABLES } from '../stacks/config/names';
import type { Clients } from './clients';
import type { Result } from './operate';
import type { Target } from './target';

/** The approval action of a promoted environment's Approve stage (stacks/delivery/delivery-pipeline.ts). */
export const APPROVAL_ACTION = 'Promotion';

/** AWS's answers when the token no longer applies: decided already, or expired (PutApprovalResult errors). */
const DECIDED = ['ApprovalAlreadyCompletedException', 'InvalidApprovalTokenException'];

/** What a promotion run deploys, from the variables the upstream's Promote step started it with. */
export async function promotionOf(
  clients: Clients,
  target: Target,
  executionId: string,
): Promise<{ commit?: string; digest?: string; upstreamDeployment?: string } | undefined> {
  const { pipelineExecution } = await clients.pipeline.send(
    new GetPipelineExecutionCommand({ pipelineName: target.pipeline, pipelineExecutionId: executionId }),
  );
  const value = (name: string) => {
    const found = pipelineExecution?.variables?.find((v) => v.name === name)?.resolvedValue;
    return found && found !== 'none' ? found : undefined;
  };
  const v = PROMOTION_VARIABLES;
  const promotion = {
    commit: value(v.commit),
    digest: value(v.digest),
    upstreamDeployment: value(v.upstreamDeployment),
  };
  return promotion.digest ? promotion : undefined;
}

/**
 * Approves or rejects the promotion waiting in the environment's Approve stage (CodePipeline
 * PutApprovalResult with the action's current token). Exit 1 when none is waiting.
 */
export async function decide(
  clients: Clients,
  target: Target,
  status: 'Approved' | 'Rejected',
  reason?: string,
): Promise<Result> {
  if (!target.promotedFrom || !target.approval) {
    const why = target.promotedFrom
      ? `its promotions from ${target.promotedFrom} deploy without one (pipeline.source.approval is false)`
      : 'it builds its own images (pipeline.source is not a promotion)';
    return { exitCode: 1, message: `${target.environment} has no approval to give: ${why}.` };
  }
  const { stageStates = [] } = await clients.pipeline.send(new GetPipelineStateCommand({ name: target.pipeline }));
  const stage = stageStates.find((s) => s.stageName === PIPELINE_STAGES.approve);
  const action = stage?.actionStates?.find((a) => a.actionName === APPROVAL_ACTION);
  const token = action?.latestExecution?.status === 'InProgress' ? action.latestExecution.token : undefined;
  const executionId = stage?.latestExecution?.pipelineExecutionId;
  if (!token) {
    return {
      exitCode: 1,
      message: `No promotion of ${target.environment} is waiting for approval. Follow the next one with: bluegreen watch ${target.environment}`,
    };
  }
  const promotion = executionId ? await promotionOf(clients, target, executionId) : undefined;
  const run = executionId ? ` in run ${executionId}` : '';
  const what = promotion
    ? `commit ${promotion.commit ?? '?'} (${promotion.digest}) from ${target.promotedFrom}`
    : `the waiting promotion from ${target.promotedFrom}`;
  const verb = status === 'Approved' ? 'Approved' : 'Rejected';
  try {
    await clients.pipeline.send(
      new PutApprovalResultCommand({
        pipelineName: target.pipeline,
        stageName: PIPELINE_STAGES.approve,
        actionName: APPROVAL_ACTION,
        token,
        result: { status, summary: reason ?? `${verb} with bluegreen` },
      }),
    );
  } catch (error) {
    if (!DECIDED.includes((error as Error).name)) throw error;
    return {
      exitCode: 1,
      message: `The approval${run} was decided already or has expired (${(error as Error).name}): nothing changed.`,
    };
  }
  const next =
    status === 'Approved'
      ? `it deploys now. Follow it with: bluegreen watch ${target.environment}`
      : `nothing of it deploys; ${target.environment} keeps running what it ran.`;
  return { exitCode: 0, message: `${verb} ${what}${run}: ${next}` };
}
