import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetDeploymentCommand, GetDeploymentTargetCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetPipelineStateCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { lastPartOf } from '../hooks/contract';
import type { Clients } from './clients';
import type { Target } from './target';

/** How a deployment ended: the watch command's exit code follows it. */
export type Outcome = 'succeeded' | 'failed' | 'rolled-back' | 'stopped';

export interface Step {
  readonly name: string;
  readonly status: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
}

export interface PipelineView {
  readonly executionId: string;
  readonly status: string;
  readonly stages: readonly (Step & { readonly deployId?: string })[];
}

export interface RevisionView {
  /** Task set label (Blue/Green) or service revision id. */
  readonly revision: string;
  readonly running?: number;
  readonly pending?: number;
  readonly desired?: number;
  readonly productionWeight?: number;
  readonly testWeight?: number;
}

export interface DeploymentView {
  readonly id: string;
  readonly status: string;
  readonly outcome?: Outcome;
  readonly steps: readonly Step[];
  readonly revisions: readonly RevisionView[];
  readonly waitingForOperator: boolean;
  readonly reason?: string;
  readonly startedAt?: Date;
}

export interface HookVerdict {
  readonly hook: string;
  readonly passed: boolean;
  readonly summary: string;
  readonly at: Date;
}

/** The newest pipeline execution, or undefined if the pipeline never ran. */
export async function latestExecution(
  clients: Clients,
  target: Target,
): Promise<{ id: string; status: string; startedAt?: Date } | undefined> {
  const { pipelineExecutionSummaries = [] } = await clients.pipeline.send(
    new ListPipelineExecutionsCommand({ pipelineName: target.pipeline, maxResults: 5 }),
  );
  const [newest] = pipelineExecutionSummaries;
  if (!newest?.pipelineExecutionId) return undefined;
  return { id: newest.pipelineExecutionId, status: newest.status ?? 'Unknown', startedAt: newest.startTime };
}

/** Each stage's status in the given execution (stages another execution holds show as Waiting). */
export async function pipelineView(clients: Clients, target: Target, executionId: string): Promise<PipelineView> {
  const { stageStates = [] } = await clients.pipeline.send(new GetPipelineStateCommand({ name: target.pipeline }));
  const stages = stageStates.map((stage) => {
    const mine = stage.latestExecution?.pipelineExecutionId === executionId;
    const actions = stage.actionStates ?? [];
    const started = actions.map((a) => a.latestExecution?.lastStatusChange).filter((d): d is Date => Boolean(d));
    return {
      name: stage.stageName ?? '?',
      status: mine ? (stage.latestExecution?.status ?? 'Unknown') : 'Waiting',
      startedAt: mine && started.length > 0 ? new Date(Math.min(...started.map(Number))) : undefined,
      deployId: mine
        ? actions.find((a) => a.latestExecution?.externalExecutionId)?.latestExecution?.externalExecutionId
        : undefined,
    };
  });
  const statuses = stages.map((stage) => stage.status);
  const status = statuses.includes('Failed')
    ? 'Failed'
    : statuses.includes('Stopped')
      ? 'Stopped'
      : statuses.every((s) => s === 'Succeeded')
        ? 'Succeeded'
        : 'InProgress';
  return { executionId, status, stages };
}

/** CodeDeploy: the deployment's status, lifecycle events and task sets with their traffic. */
export async function codeDeployView(clients: Clients, target: Target, id: string): Promise<DeploymentView> {
  const { deploymentInfo: info = {} } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
  const { deploymentTarget } = await clients.codedeploy.send(
    new GetDeploymentTargetCommand({ deploymentId: id, targetId: `${target.cluster}:${target.service}` }),
  );
  const ecs = deploymentTarget?.ecsTarget;
  const status = info.status ?? 'Unknown';
  const rolledBack = Boolean(info.rollbackInfo?.rollbackDeploymentId);
  const outcome: Outcome | undefined =
    status === 'Succeeded'
      ? 'succeeded'
      : status === 'Failed'
        ? rolledBack
          ? 'rolled-back'
          : 'failed'
        : status === 'Stopped'
          ? rolledBack
            ? 'rolled-back'
            : 'stopped'
          : undefined;
  return {
    id,
    status,
    outcome,
    steps: (ecs?.lifecycleEvents ?? []).map((event) => ({
      name: event.lifecycleEventName ?? '?',
      status: event.status ?? 'Unknown',
      startedAt: event.startTime,
      endedAt: event.endTime,
    })),
    revisions: (ecs?.taskSetsInfo ?? []).map((set) => ({
      revision: set.taskSetLabel ?? set.identifer ?? '?',
      running: set.runningCount,
      pending: set.pendingCount,
      desired: set.desiredCount,
      productionWeight: set.trafficWeight,
    })),
    waitingForOperator: status === 'Ready',
    reason: info.errorInformation?.message ?? info.rollbackInfo?.rollbackMessage,
    startedAt: info.createTime,
  };
}

/** CodeDeploy: the group's newest deployment, if any. */
export async function latestCodeDeployId(clients: Clients, target: Target): Promise<string | undefined> {
  const { deployments = [] } = await clients.codedeploy.send(
    new ListDeploymentsCommand({
      applicationName: target.codeDeployApplication,
      deploymentGroupName: target.deploymentGroup,
    }),
  );
  return deployments[0];
}

const ECS_OUTCOMES: Readonly<Record<string, Outcome>> = {
  SUCCESSFUL: 'succeeded',
  ROLLBACK_SUCCESSFUL: 'rolled-back',
  ROLLBACK_FAILED: 'failed',
  STOPPED: 'stopped',
};

/** ECS engine: the service's newest deployment (created after `since`, if given). */
export async function latestServiceDeployment(
  clients: Clients,
  target: Target,
  since?: Date,
): Promise<string | undefined> {
  const { serviceDeployments = [] } = await clients.ecs.send(
    new ListServiceDeploymentsCommand({
      cluster: target.cluster,
      service: target.service,
      ...(since ? { createdAt: { after: since } } : {}),
      maxResults: 5,
    }),
  );
  return serviceDeployments[0]?.serviceDeploymentArn;
}

/** ECS engine: the deployment's status, lifecycle stage and both revisions' tasks and traffic. */
export async function ecsView(clients: Clients, target: Target, arn: string): Promise<DeploymentView> {
  const { serviceDeployments = [] } = await clients.ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
  );
  const deployment = serviceDeployments[0] ?? {};
  const status = deployment.status ?? 'Unknown';
  const stage = deployment.lifecycleStage;
  const revision = (summary: {
    arn?: string;
    runningTaskCount?: number;
    pendingTaskCount?: number;
    requestedTaskCount?: number;
    requestedProductionTrafficWeight?: number;
    requestedTestTrafficWeight?: number;
  }): RevisionView => ({
    revision: summary.arn ? lastPartOf(summary.arn) : '?',
    running: summary.runningTaskCount,
    pending: summary.pendingTaskCount,
    desired: summary.requestedTaskCount,
    productionWeight: summary.requestedProductionTrafficWeight,
    testWeight: summary.requestedTestTrafficWeight,
  });
  return {
    id: arn,
    status,
    outcome: ECS_OUTCOMES[status],
    steps: stage ? [{ name: stage, status: ECS_OUTCOMES[status] ? status : 'InProgress' }] : [],
    revisions: [
      ...(deployment.sourceServiceRevisions ?? []).map(revision),
      ...(deployment.targetServiceRevision ? [revision(deployment.targetServiceRevision)] : []),
    ],
    waitingForOperator: stage === 'POST_TEST_TRAFFIC_SHIFT' && target.operatorWaitMinutes > 0,
    reason: deployment.rollback?.reason ?? deployment.statusReason,
    startedAt: deployment.startedAt ?? deployment.createdAt,
  };
}

/**
 * The hook functions' verdicts since a moment, from their log lines: CodeDeploy hooks log
 * "reporting" with the status they report, ECS hooks log "verdict".
 */
export async function hookVerdicts(clients: Clients, target: Target, since: Date): Promise<HookVerdict[]> {
  const verdicts: HookVerdict[] = [];
  for (const logGroupName of Object.values(target.hookLogGroups)) {
    const { events = [] } = await clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime: since.getTime(),
        filterPattern: target.engine === 'ecs' ? '"verdict"' : '"reporting"',
      }),
    );
    for (const event of events) {
      const line = parseLogLine(event.message ?? '');
      if (!line) continue;
      const passed = line.passed === true || line.status === 'Succeeded';
      verdicts.push({
        hook: String(line.hook),
        passed,
        summary: String(line.summary ?? ''),
        at: new Date(event.timestamp ?? 0),
      });
    }
  }
  return verdicts.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The JSON a hook logged, behind Lambda's text prefix (timestamp, request id, level). */
function parseLogLine(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(message.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
