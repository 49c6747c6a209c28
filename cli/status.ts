import { paginateDescribeAlarms, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Service } from '@aws-sdk/client-ecs';
import { promotionOf } from './approve';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { lastPartOf } from '../hooks/contract';
import type { Clients } from './clients';
import {
  codeDeployView,
  ecsView,
  latestCodeDeployId,
  latestExecution,
  latestServiceDeployment,
  pipelineView,
  type DeploymentView,
  type PipelineView,
} from './observe';
import type { Target } from './target';

export interface Status {
  readonly environment: string;
  readonly engine: string;
  /** Listener port -> target group name -> weight. */
  readonly listeners: Record<string, Record<string, number>>;
  readonly service: { desired?: number; running?: number; pending?: number };
  readonly revisions: {
    revision: string;
    status?: string;
    desired?: number;
    running?: number;
    pending?: number;
    weight?: number;
  }[];
  /** What production runs: the primary revision's image (by digest where pinned) and the commit it was built from. */
  readonly image?: { uri: string; digest?: string; commit?: string };
  /** Promoted environments: where the images come from, and what the newest run promoted. */
  readonly promotion?: { from: string; commit?: string; digest?: string; upstreamDeployment?: string };
  readonly pipeline?: PipelineView;
  readonly deployment?: DeploymentView;
  readonly alarms: Record<string, string>;
}

/** Reads where traffic goes, what runs, the last pipeline run, the last deployment and the alarms. */
export async function readStatus(clients: Clients, target: Target): Promise<Status> {
  const { services = [] } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  const service = services[0] ?? {};
  const revisions =
    target.engine === 'ecs'
      ? (service.deployments ?? []).map((d) => ({
          revision: d.taskDefinition ? lastPartOf(d.taskDefinition) : '?',
          status: d.status,
          desired: d.desiredCount,
          running: d.runningCount,
          pending: d.pendingCount,
        }))
      : (service.taskSets ?? []).map((set) => ({
          revision: set.taskDefinition ? lastPartOf(set.taskDefinition) : '?',
          status: set.status,
          desired: set.computedDesiredCount,
          running: set.runningCount,
          pending: set.pendingCount,
          weight: set.scale?.value,
        }));
  const execution = await latestExecution(clients, target);
  const deploymentId =
    target.engine === 'ecs'
      ? await latestServiceDeployment(clients, target)
      : await latestCodeDeployId(clients, target);
  const deployment = deploymentId
    ? target.engine === 'ecs'
      ? await ecsView(clients, target, deploymentId)
      : await codeDeployView(clients, target, deploymentId)
    : undefined;
  const MetricAlarms: MetricAlarm[] = [];
  for await (const page of paginateDescribeAlarms(
    { client: clients.cloudwatch },
    { AlarmNamePrefix: target.alarmPrefix },
  )) {
    MetricAlarms.push(...(page.MetricAlarms ?? []));
  }
  const promoted = target.promotedFrom && execution ? await promotionOf(clients, target, execution.id) : undefined;
  return {
    environment: target.environment,
    engine: target.engine,
    image: await runningImage(clients, target, service),
    ...(target.promotedFrom ? { promotion: { from: target.promotedFrom, ...promoted } } : {}),
    listeners: await listenerTraffic(clients, target),
    service: { desired: service.desiredCount, running: service.runningCount, pending: service.pendingCount },
    revisions,
    pipeline: execution ? await pipelineView(clients, target, execution.id) : undefined,
    deployment,
    alarms: Object.fromEntries(MetricAlarms.map((alarm) => [alarm.AlarmName ?? '?', alarm.StateValue ?? '?'])),
  };
}

/**
 * The image of the revision serving production: the PRIMARY task set (CodeDeploy) or deployment (ECS),
 * its task definition's container, and the commit ECR has it tagged with (builds tag images by commit).
 */
async function runningImage(clients: Clients, target: Target, service: Service): Promise<Status['image']> {
  const primary =
    target.engine === 'ecs'
      ? service.deployments?.find((d) => d.status === 'PRIMARY')?.taskDefinition
      : (service.taskSets?.find((set) => set.status === 'PRIMARY')?.taskDefinition ?? service.taskDefinition);
  if (!primary) return undefined;
  const { taskDefinition } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: primary }));
  const uri = taskDefinition?.containerDefinitions?.find((c) => c.name === target.container)?.image;
  if (!uri) return undefined;
  const digest = /@(sha256:[a-f0-9]{64})$/.exec(uri)?.[1];
  if (!digest || !uri.includes(`/${target.repository}@`)) return { uri, digest };
  try {
    const { imageDetails = [] } = await clients.ecr.send(
      new DescribeImagesCommand({ repositoryName: target.repository, imageIds: [{ imageDigest: digest }] }),
    );
    return { uri, digest, commit: imageDetails[0]?.imageTags?.[0] };
  } catch (error) {
    // Expired by the repository's lifecycle rule: the task still runs what it pulled.
    if ((error as Error).name === 'ImageNotFoundException') return { uri, digest };
    throw error;
  }
}

/** Which target group each listener sends traffic to: its default action (CodeDeploy) or its rule (ECS). */
async function listenerTraffic(clients: Clients, target: Target): Promise<Record<string, Record<string, number>>> {
  const { LoadBalancers = [] } = await clients.elb.send(
    new DescribeLoadBalancersCommand({ Names: [target.loadBalancer] }),
  );
  const arn = LoadBalancers[0]?.LoadBalancerArn;
  if (!arn) return {};
  const { Listeners = [] } = await clients.elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn }));
  const traffic: Record<string, Record<string, number>> = {};
  for (const listener of Listeners) {
    const port = listener.Port;
    if (port !== target.productionPort && port !== target.testPort) continue;
    let actions: Action[] = listener.DefaultActions ?? [];
    if (target.engine === 'ecs') {
      const { Rules = [] } = await clients.elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
      actions = Rules.find((rule) => !rule.IsDefault)?.Actions ?? actions;
    }
    traffic[port === target.productionPort ? `production :${port}` : `test :${port}`] = weights(actions);
  }
  return traffic;
}

function weights(actions: readonly Action[]): Record<string, number> {
  const forward = actions.find((action) => action.Type === 'forward');
  const groups =
    forward?.ForwardConfig?.TargetGroups ??
    (forward?.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : []);
  const total = groups.reduce((sum, group) => sum + (group.Weight ?? 1), 0) || 1;
  return Object.fromEntries(
    groups.map((group) => [groupName(group.TargetGroupArn ?? ''), Math.round(((group.Weight ?? 1) / total) * 100)]),
  );
}

/** arn:...:targetgroup/<name>/<id> -> <name> */
function groupName(arn: string): string {
  return arn.split(':').pop()?.split('/')[1] ?? arn;
}

/** The status as lines for a person. */
export function formatStatus(status: Status, target: Target): string[] {
  const lines = [`${target.environment} (${status.engine} engine, ${target.region})`];
  for (const [listener, groups] of Object.entries(status.listeners)) {
    const split = Object.entries(groups)
      .map(([group, weight]) => `${group} ${weight}%`)
      .join(', ');
    lines.push(`  ${listener.padEnd(16)} -> ${split || 'nothing'}`);
  }
  if (status.image) {
    const commit = status.image.commit ? ` (commit ${status.image.commit})` : '';
    lines.push(`  image: ${status.image.digest ?? status.image.uri}${commit}`);
  }
  if (status.promotion) {
    const p = status.promotion;
    const last = p.digest
      ? `; newest run promotes ${p.digest}${p.commit ? ` (commit ${p.commit})` : ''}${p.upstreamDeployment ? `, deployed in ${p.from} by ${p.upstreamDeployment}` : ''}`
      : '';
    lines.push(`  promoted from ${p.from}${last}`);
  }
  const { desired, running, pending } = status.service;
  lines.push(`  service ${target.service}: ${running ?? 0}/${desired ?? 0} running, ${pending ?? 0} pending`);
  for (const r of status.revisions) {
    const weight = r.weight !== undefined ? `, ${r.weight}% of tasks` : '';
    lines.push(
      `    ${r.revision} ${r.status ?? ''}: ${r.running ?? 0}/${r.desired ?? 0} running, ${r.pending ?? 0} pending${weight}`,
    );
  }
  if (status.pipeline) {
    const stages = status.pipeline.stages.map((stage) => `${stage.name} ${stage.status}`).join(', ');
    lines.push(`  pipeline run ${status.pipeline.executionId}: ${status.pipeline.status} (${stages})`);
  } else lines.push('  pipeline: no run yet');
  if (status.deployment) {
    const d = status.deployment;
    lines.push(`  deployment ${d.id}: ${d.status}${d.reason ? ` (${d.reason})` : ''}`);
    for (const step of d.steps) lines.push(`    ${step.name} ${step.status}`);
    for (const r of d.revisions) {
      const traffic = [
        r.productionWeight !== undefined ? `${r.productionWeight}% production` : '',
        r.testWeight !== undefined ? `${r.testWeight}% test` : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(`    ${r.revision}: ${r.running ?? 0}/${r.desired ?? 0} tasks${traffic ? `, ${traffic}` : ''}`);
    }
    if (d.waitingForOperator) lines.push(`    waiting for an operator: bluegreen promote ${target.environment}`);
  } else lines.push('  deployment: none yet');
  // OK is the only healthy state: INSUFFICIENT_DATA means the alarm cannot tell (no data yet, or none arriving).
  const alarms = Object.entries(status.alarms);
  const inState = (state: string) => alarms.filter(([, s]) => s === state).map(([name]) => name);
  const notOk = [...new Set(alarms.map(([, state]) => state))].filter((state) => state !== 'OK').sort();
  const details = notOk.map((state) => `, ${state}: ${inState(state).join(', ')}`).join('');
  lines.push(`  alarms: ${inState('OK').length}/${alarms.length} OK${details}`);
  return lines;
}
