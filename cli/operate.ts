import { ContinueDeploymentCommand, ListDeploymentsCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { APPROVAL_SIGNALS, approvalParameterName, lastPartOf } from '../hooks/contract';
import type { Clients } from './clients';
import { codeDeployView, latestServiceDeployment } from './observe';
import type { Target } from './target';

/** What promote or rollback did, or why it refused: exit 0 when it acted, 1 when there was nothing to act on. */
export interface Result {
  readonly exitCode: 0 | 1;
  readonly message: string;
}

const RUNNING_CODEDEPLOY = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;
const RUNNING_ECS = ['PENDING', 'IN_PROGRESS'];

/** The group's deployment that has not finished, if any. */
async function runningCodeDeploy(clients: Clients, target: Target): Promise<string | undefined> {
  const { deployments = [] } = await clients.codedeploy.send(
    new ListDeploymentsCommand({
      applicationName: target.codeDeployApplication,
      deploymentGroupName: target.deploymentGroup,
      includeOnlyStatuses: [...RUNNING_CODEDEPLOY],
    }),
  );
  return deployments[0];
}

/** The service deployment that has not finished, with its target revision id, if any. */
async function runningEcs(clients: Clients, target: Target): Promise<{ arn: string; revisionArn: string } | undefined> {
  const arn = await latestServiceDeployment(clients, target);
  if (!arn) return undefined;
  const { serviceDeployments = [] } = await clients.ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
  );
  const [deployment] = serviceDeployments;
  if (!deployment || !RUNNING_ECS.includes(deployment.status ?? '')) return undefined;
  return { arn, revisionArn: deployment.targetServiceRevision?.arn ?? '' };
}

/**
 * CodeDeploy: continue a deployment waiting for reroute, or with `now` end its termination wait.
 * ECS engine: write the approval signal the after-test-traffic hook waits for.
 */
export async function promote(clients: Clients, target: Target, now = false): Promise<Result> {
  if (target.engine === 'ecs') {
    const running = await runningEcs(clients, target);
    if (!running) return { exitCode: 1, message: `No deployment of ${target.service} is running: nothing to approve.` };
    const name = approvalParameterName(target.approvalParameterPrefix, running.revisionArn);
    await clients.ssm.send(
      new PutParameterCommand({ Name: name, Value: APPROVAL_SIGNALS.approve, Type: 'String', Overwrite: true }),
    );
    return {
      exitCode: 0,
      message: `Approved revision ${lastPartOf(running.revisionArn)}: wrote "${APPROVAL_SIGNALS.approve}" to ${name}.`,
    };
  }
  const id = await runningCodeDeploy(clients, target);
  if (!id)
    return { exitCode: 1, message: `No deployment of ${target.deploymentGroup} is running: nothing to promote.` };
  const view = await codeDeployView(clients, target, id);
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

/** Stops the running deployment with rollback; refuses, explaining what to do instead, when none runs. */
export async function rollback(clients: Clients, target: Target): Promise<Result> {
  const finished =
    'To roll back a finished deployment, revert the change and push it: git revert <commit> && git push ' +
    '(it goes through the same build, hooks and alarms).';
  if (target.engine === 'ecs') {
    const running = await runningEcs(clients, target);
    if (!running) return { exitCode: 1, message: `No deployment of ${target.service} is running. ${finished}` };
    await clients.ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: running.arn, stopType: 'ROLLBACK' }),
    );
    return { exitCode: 0, message: `Rolling back ${running.arn}.` };
  }
  const id = await runningCodeDeploy(clients, target);
  if (!id) return { exitCode: 1, message: `No deployment of ${target.deploymentGroup} is running. ${finished}` };
  await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
  return {
    exitCode: 0,
    message: `Stopped deployment ${id}; CodeDeploy rolls production back to the previous task set.`,
  };
}
