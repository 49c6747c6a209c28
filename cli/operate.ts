import { ContinueDeploymentCommand, paginateListDeployments, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { APPROVAL_SIGNALS, approvalParameterName, lastPartOf } from '../hooks/contract';
import type { Clients } from './clients';
import { codeDeployView, ECS_ROLLING_BACK, firstPages, latestServiceDeployment, type DeploymentView } from './observe';
import type { Target } from './target';

/** What promote or rollback did, or why it refused: exit 0 when it acted, 1 when there was nothing to act on. */
export interface Result {
  readonly exitCode: 0 | 1;
  readonly message: string;
}

const RUNNING_CODEDEPLOY = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;
const RUNNING_ECS = ['PENDING', 'IN_PROGRESS'];
/** One deployment of a group runs at a time and later ones queue: a few pages cover them all. */
const MAX_RUNNING_PAGES = 3;

/** The group's deployments that have not finished, each with its status and whether it is a rollback. */
async function runningCodeDeploys(clients: Clients, target: Target): Promise<DeploymentView[]> {
  const ids: string[] = [];
  const pages = paginateListDeployments(
    { client: clients.codedeploy },
    {
      applicationName: target.codeDeployApplication,
      deploymentGroupName: target.deploymentGroup,
      includeOnlyStatuses: [...RUNNING_CODEDEPLOY],
    },
  );
  for await (const { deployments = [] } of firstPages(pages, MAX_RUNNING_PAGES)) ids.push(...deployments);
  return Promise.all(ids.map((id) => codeDeployView(clients, target, id)));
}

/** CodeDeploy restoring production: a rollback deployment is running. It must be left to finish. */
function restoring(running: readonly DeploymentView[], target: Target): Result | undefined {
  const rollback = running.find((deployment) => deployment.rollingBack);
  if (!rollback) return undefined;
  const of = rollback.rollbackOf ? ` of ${rollback.rollbackOf}` : '';
  return {
    exitCode: 1,
    message:
      `Deployment ${rollback.id} is CodeDeploy's rollback${of}: it is restoring production, so it is left alone ` +
      `(stopping it would stop the restore). Follow it with: bluegreen watch ${target.environment}`,
  };
}

type RunningEcs =
  | { readonly state: 'running'; readonly arn: string; readonly revisionArn: string }
  | { readonly state: 'rolling-back'; readonly arn: string }
  | undefined;

/** The service's newest deployment if it has not finished: running, or rolling back. */
async function runningEcs(clients: Clients, target: Target): Promise<RunningEcs> {
  const arn = await latestServiceDeployment(clients, target);
  if (!arn) return undefined;
  const { serviceDeployments = [] } = await clients.ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
  );
  const status = serviceDeployments[0]?.status ?? '';
  if (ECS_ROLLING_BACK.includes(status)) return { state: 'rolling-back', arn };
  if (!RUNNING_ECS.includes(status)) return undefined;
  return { state: 'running', arn, revisionArn: serviceDeployments[0].targetServiceRevision?.arn ?? '' };
}

function ecsRollingBack(arn: string, target: Target): Result {
  return {
    exitCode: 1,
    message:
      `${arn} is rolling back: ECS is restoring production, so it is left alone. ` +
      `Follow it with: bluegreen watch ${target.environment}`,
  };
}

/**
 * CodeDeploy: continue a deployment waiting for reroute, or with `now` end its termination wait.
 * ECS engine: write the approval signal the after-test-traffic hook waits for.
 */
export async function promote(clients: Clients, target: Target, now = false): Promise<Result> {
  if (target.engine === 'ecs') {
    const running = await runningEcs(clients, target);
    if (!running) return { exitCode: 1, message: `No deployment of ${target.service} is running: nothing to approve.` };
    if (running.state === 'rolling-back') return ecsRollingBack(running.arn, target);
    const name = approvalParameterName(target.approvalParameterPrefix, running.revisionArn);
    await clients.ssm.send(
      new PutParameterCommand({ Name: name, Value: APPROVAL_SIGNALS.approve, Type: 'String', Overwrite: true }),
    );
    return {
      exitCode: 0,
      message: `Approved revision ${lastPartOf(running.revisionArn)}: wrote "${APPROVAL_SIGNALS.approve}" to ${name}.`,
    };
  }
  const running = await runningCodeDeploys(clients, target);
  const refusal = restoring(running, target);
  if (refusal) return refusal;
  const [view] = running;
  if (!view)
    return { exitCode: 1, message: `No deployment of ${target.deploymentGroup} is running: nothing to promote.` };
  const { id } = view;
  if (view.status === 'Ready') {
    await clients.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );
    return { exitCode: 0, message: `Rerouting production traffic to the new version of deployment ${id}.` };
  }
  if (now) {
    await clients.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
    );
    return {
      exitCode: 0,
      message: `Ending the termination wait of deployment ${id}: the old task set is removed now.`,
    };
  }
  return {
    exitCode: 1,
    message: `Deployment ${id} is ${view.status}, not waiting for a reroute. Use --now to end its termination wait.`,
  };
}

/**
 * Stops the running deployment with rollback; refuses, explaining what to do instead, when none runs,
 * and leaves a running rollback alone (a rollback is a deployment of its own: stopping it would stop
 * production's restore).
 */
export async function rollback(clients: Clients, target: Target): Promise<Result> {
  const finished =
    'To roll back a finished deployment, revert the change and push it: git revert <commit> && git push ' +
    '(it goes through the same build, hooks and alarms).';
  if (target.engine === 'ecs') {
    const running = await runningEcs(clients, target);
    if (!running) return { exitCode: 1, message: `No deployment of ${target.service} is running. ${finished}` };
    if (running.state === 'rolling-back') return ecsRollingBack(running.arn, target);
    await clients.ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: running.arn, stopType: 'ROLLBACK' }),
    );
    return { exitCode: 0, message: `Rolling back ${running.arn}.` };
  }
  const running = await runningCodeDeploys(clients, target);
  const refusal = restoring(running, target);
  if (refusal) return refusal;
  const id = running[0]?.id;
  if (!id) return { exitCode: 1, message: `No deployment of ${target.deploymentGroup} is running. ${finished}` };
  await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
  return {
    exitCode: 0,
    message: `Stopped deployment ${id}; CodeDeploy rolls production back to the previous task set.`,
  };
}
