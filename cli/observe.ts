import { paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { GetPipelineStateCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { lastPartOf } from '../hooks/contract';
import { APPLICATION_ACTION, PIPELINE_STAGES } from '../stacks/config/names';
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

/** A stage of a run, with what its action reports as the external execution: a commit, a build, a deployment. */
export interface StageView extends Step {
  readonly commitId?: string;
  readonly buildId?: string;
  readonly deploymentId?: string;
}

export interface PipelineView {
  readonly executionId: string;
  readonly status: string;
  readonly stages: readonly StageView[];
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
  /** A rollback running: CodeDeploy's own rollback deployment, or an ECS deployment rolling back. */
  readonly rollingBack: boolean;
  /** The deployment a CodeDeploy rollback restores production from. */
  readonly rollbackOf?: string;
  readonly reason?: string;
  readonly startedAt?: Date;
}

export interface HookVerdict {
  readonly hook: string;
  /** "waiting": the hook asked to be called back (an ECS hook waiting for an operator). */
  readonly state: 'passed' | 'failed' | 'waiting';
  readonly summary: string;
  readonly at: Date;
}

/** Pages of one hook's log read per poll, at most: a page may be empty and still have a next one. */
export const MAX_LOG_PAGES_PER_POLL = 10;

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

/** What each stage's external execution id is: a commit, a CodeBuild build, or (Deploy) the deployment. */
const STAGE_EXTERNAL_ID: Readonly<Record<string, 'commitId' | 'buildId' | 'deploymentId'>> = {
  [PIPELINE_STAGES.source]: 'commitId',
  [PIPELINE_STAGES.build]: 'buildId',
  [PIPELINE_STAGES.import]: 'buildId',
  [PIPELINE_STAGES.promote]: 'buildId',
};

/** Each stage's status in the given execution (stages another execution holds show as Waiting). */
export async function pipelineView(clients: Clients, target: Target, executionId: string): Promise<PipelineView> {
  const { stageStates = [] } = await clients.pipeline.send(new GetPipelineStateCommand({ name: target.pipeline }));
  const stages = stageStates.map((stage): StageView => {
    const name = stage.stageName ?? '?';
    const mine = stage.latestExecution?.pipelineExecutionId === executionId;
    const actions = stage.actionStates ?? [];
    const started = actions.map((a) => a.latestExecution?.lastStatusChange).filter((d): d is Date => Boolean(d));
    // The Source stage may also fetch the deployment files: its commit is the application action's.
    const reporting =
      name === PIPELINE_STAGES.source ? actions.filter((a) => a.actionName === APPLICATION_ACTION) : actions;
    const external = mine
      ? reporting.find((a) => a.latestExecution?.externalExecutionId)?.latestExecution?.externalExecutionId
      : undefined;
    const field = STAGE_EXTERNAL_ID[name] ?? 'deploymentId';
    return {
      name,
      status: mine ? (stage.latestExecution?.status ?? 'Unknown') : 'Waiting',
      startedAt: mine && started.length > 0 ? new Date(Math.min(...started.map(Number))) : undefined,
      ...(external ? { [field]: external } : {}),
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

/** CodeDeploy statuses before a deployment starts: it has no target (GetDeploymentTarget refuses) yet. */
const NOT_STARTED = ['Created', 'Queued'];

/** CodeDeploy: the deployment's status, lifecycle events and task sets with their traffic. */
export async function codeDeployView(clients: Clients, target: Target, id: string): Promise<DeploymentView> {
  const { deploymentInfo: info = {} } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
  const status = info.status ?? 'Unknown';
  const ecs = NOT_STARTED.includes(status) ? undefined : await ecsTargetOf(clients, target, id);
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
    ...rollbackOf(info),
    reason: info.errorInformation?.message ?? info.rollbackInfo?.rollbackMessage,
    startedAt: info.createTime,
  };
}

/** A rollback is a deployment of its own, created by CodeDeploy (creator codeDeployRollback). */
function rollbackOf(info: DeploymentInfo): Pick<DeploymentView, 'rollingBack' | 'rollbackOf'> {
  if (info.creator !== 'codeDeployRollback') return { rollingBack: false };
  const of = info.rollbackInfo?.rollbackTriggeringDeploymentId;
  return {
    rollingBack: !['Succeeded', 'Failed', 'Stopped'].includes(info.status ?? ''),
    ...(of ? { rollbackOf: of } : {}),
  };
}

/**
 * The deployment's ECS target. GetDeploymentTarget answers DeploymentNotStartedException until the
 * deployment starts, which can race the status read: that is "no target yet", not a failure.
 */
async function ecsTargetOf(clients: Clients, target: Target, id: string) {
  try {
    const { deploymentTarget } = await clients.codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: id, targetId: `${target.cluster}:${target.service}` }),
    );
    return deploymentTarget?.ecsTarget;
  } catch (error) {
    if ((error as { name?: string }).name === 'DeploymentNotStartedException') return undefined;
    throw error;
  }
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

/** ECS statuses of a deployment that is rolling back (StopServiceDeployment ROLLBACK, a failed hook or alarm). */
export const ECS_ROLLING_BACK = ['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];

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
    rollingBack: ECS_ROLLING_BACK.includes(status),
    reason: deployment.rollback?.reason ?? deployment.statusReason,
    startedAt: deployment.startedAt ?? deployment.createdAt,
  };
}

/**
 * The hook functions' verdicts since a moment, from their log lines: CodeDeploy hooks log
 * "reporting" with the status they report, ECS hooks log "verdict" (with retryLater while they ask to
 * be called back). FilterLogEvents may answer an empty page that still has a next one, so its pages
 * are followed, MAX_LOG_PAGES_PER_POLL at most per hook and poll.
 */
export async function hookVerdicts(clients: Clients, target: Target, since: Date): Promise<HookVerdict[]> {
  const verdicts: HookVerdict[] = [];
  for (const logGroupName of Object.values(target.hookLogGroups)) {
    const pages = paginateFilterLogEvents(
      { client: clients.logs },
      {
        logGroupName,
        startTime: since.getTime(),
        filterPattern: target.engine === 'ecs' ? '"verdict"' : '"reporting"',
      },
    );
    for await (const { events = [] } of firstPages(pages, MAX_LOG_PAGES_PER_POLL)) {
      for (const event of events) {
        const line = parseLogLine(event.message ?? '');
        if (line) verdicts.push(verdictOf(line, new Date(event.timestamp ?? 0)));
      }
    }
  }
  return verdicts.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** At most `max` pages of an SDK paginator: each poll reads a bounded number of pages. */
export async function* firstPages<T>(pages: AsyncIterable<T>, max: number): AsyncGenerator<T> {
  let read = 0;
  for await (const page of pages) {
    yield page;
    if (++read >= max) return;
  }
}

function verdictOf(line: Record<string, unknown>, at: Date): HookVerdict {
  const state =
    line.passed === true || line.status === 'Succeeded'
      ? 'passed'
      : line.retryLater === true || line.hookStatus === 'IN_PROGRESS'
        ? 'waiting'
        : 'failed';
  return { hook: String(line.hook), state, summary: String(line.summary ?? ''), at };
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
