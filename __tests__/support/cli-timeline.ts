import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentStatus,
} from '@aws-sdk/client-codedeploy';
import {
  CodePipelineClient,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  type StageExecutionStatus,
} from '@aws-sdk/client-codepipeline';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  type ServiceDeploymentLifecycleStage,
  type ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clients } from '../../cli/clients';
import { APPLICATION_ACTION } from '../../stacks/config/names';
export { capture } from './capture';

/**
 * Replays a deployment as AWS would report it, one frame per poll of `bluegreen watch`: the
 * pipeline's stages, the CodeDeploy deployment or ECS service deployment, and the hook functions'
 * log lines. The frame advances each time the watch reads the pipeline state (once per poll).
 * Values are shaped like the real API responses (SDK v3 types); the tests assert what the CLI makes
 * of them.
 */

export interface Frame {
  readonly stages: Readonly<Record<'Source' | 'Build' | 'Deploy', StageExecutionStatus | 'Waiting'>>;
  readonly codeDeploy?: {
    readonly status: DeploymentStatus;
    readonly events?: Readonly<Record<string, string>>;
    /** Blue/Green task sets' production traffic weights. */
    readonly weights?: readonly [number, number];
    readonly rolledBack?: boolean;
    readonly error?: string;
  };
  readonly ecs?: {
    readonly status: ServiceDeploymentStatus;
    readonly stage?: ServiceDeploymentLifecycleStage;
    /** The new revision's production and test traffic weights. */
    readonly production?: number;
    readonly test?: number;
    readonly reason?: string;
  };
  /** Hook log lines written by this frame: [hook function suffix, JSON logged]. */
  readonly logs?: readonly (readonly [string, object])[];
  /** Reading the pipeline state fails in this frame (e.g. ThrottlingException). */
  readonly pipelineError?: string;
  /** The deployment alarms' states (DescribeAlarms StateValue), by alarm name. */
  readonly alarms?: Readonly<Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>>;
}

export const EXECUTION = '2f1c7c3e-0000-4000-8000-000000000001';
export const DEPLOYMENT_ID = 'd-ABCDEF123';
export const SERVICE_DEPLOYMENT =
  'arn:aws:ecs:eu-central-1:111111111111:service-deployment/web-staging/web-staging/Ax1b2';
export const REVISION = 'arn:aws:ecs:eu-central-1:111111111111:service-revision/web-staging/web-staging/01275892';
export const START = Date.UTC(2026, 10, 23, 12, 0, 0);
/** What the Source and Build actions report as their external execution: the commit and the CodeBuild build. */
export const COMMIT_ID = '0123abcd';
export const BUILD_ID = 'web-dev-build:6b1c9a52-0000-4000-8000-000000000002';

const mocks = {
  ecs: mockClient(ECSClient),
  ecr: mockClient(ECRClient),
  elb: mockClient(ElasticLoadBalancingV2Client),
  pipeline: mockClient(CodePipelineClient),
  codedeploy: mockClient(CodeDeployClient),
  cloudwatch: mockClient(CloudWatchClient),
  logs: mockClient(CloudWatchLogsClient),
  ssm: mockClient(SSMClient),
};
export type Mocks = typeof mocks;

/** The mocked clients, reset, replaying the frames; `round()` says which frame is current. */
export function replay(frames: readonly Frame[]): {
  clients: Clients;
  mocks: Mocks;
  round: () => number;
  now: () => number;
} {
  for (const mock of Object.values(mocks)) mock.reset();
  let round = -1;
  const frame = () => frames[Math.max(0, Math.min(round, frames.length - 1))];
  const at = (r: number) => new Date(START + r * 5000);

  mocks.pipeline.on(ListPipelineExecutionsCommand).callsFake(() => ({
    pipelineExecutionSummaries: [{ pipelineExecutionId: EXECUTION, status: 'InProgress', startTime: new Date(START) }],
  }));
  mocks.pipeline.on(GetPipelineStateCommand).callsFake(() => {
    round++;
    const current = frame();
    if (current.pipelineError) throw Object.assign(new Error('Rate exceeded'), { name: current.pipelineError });
    return {
      stageStates: (['Source', 'Build', 'Deploy'] as const).map((stageName) => {
        const status = current.stages[stageName];
        return {
          stageName,
          latestExecution: status === 'Waiting' ? undefined : { pipelineExecutionId: EXECUTION, status },
          actionStates: [
            {
              actionName: stageName === 'Source' ? APPLICATION_ACTION : stageName,
              latestExecution:
                status === 'Waiting'
                  ? undefined
                  : {
                      status,
                      lastStatusChange: at(round),
                      externalExecutionId: {
                        Source: COMMIT_ID,
                        Build: BUILD_ID,
                        Deploy: current.codeDeploy ? DEPLOYMENT_ID : undefined,
                      }[stageName],
                    },
            },
          ],
        };
      }),
    };
  });

  mocks.codedeploy.on(GetDeploymentCommand).callsFake(() => {
    const deployment = frame().codeDeploy!;
    return {
      deploymentInfo: {
        deploymentId: DEPLOYMENT_ID,
        status: deployment.status,
        createTime: new Date(START + 10_000), // the Deploy stage starts in the third frame
        ...(deployment.rolledBack
          ? { rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'rolled back' } }
          : {}),
        ...(deployment.error ? { errorInformation: { code: 'HEALTH_CONSTRAINTS', message: deployment.error } } : {}),
      },
    };
  });
  mocks.codedeploy.on(GetDeploymentTargetCommand).callsFake(() => {
    const deployment = frame().codeDeploy!;
    const [blue, green] = deployment.weights ?? [100, 0];
    return {
      deploymentTarget: {
        deploymentTargetType: 'ECSTarget',
        ecsTarget: {
          deploymentId: DEPLOYMENT_ID,
          lifecycleEvents: Object.entries(deployment.events ?? {}).map(([lifecycleEventName, status], index) => ({
            lifecycleEventName,
            status,
            startTime: new Date(START + 10_000 + index * 10_000),
            ...(status === 'Succeeded' || status === 'Failed'
              ? { endTime: new Date(START + 15_000 + index * 10_000) }
              : {}),
          })),
          taskSetsInfo: [
            {
              identifer: 'ecs-svc/1',
              taskSetLabel: 'Blue',
              desiredCount: 2,
              runningCount: 2,
              pendingCount: 0,
              trafficWeight: blue,
            },
            {
              identifer: 'ecs-svc/2',
              taskSetLabel: 'Green',
              desiredCount: 2,
              runningCount: 2,
              pendingCount: 0,
              trafficWeight: green,
            },
          ],
        },
      },
    };
  });
  mocks.codedeploy
    .on(ListDeploymentsCommand)
    .callsFake(() => ({ deployments: frame().codeDeploy ? [DEPLOYMENT_ID] : [] }));
  mocks.codedeploy.on(ContinueDeploymentCommand).resolves({});
  mocks.codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });

  mocks.ecs.on(ListServiceDeploymentsCommand).callsFake(() => ({
    serviceDeployments: frame().ecs ? [{ serviceDeploymentArn: SERVICE_DEPLOYMENT, status: frame().ecs!.status }] : [],
  }));
  mocks.ecs.on(DescribeServiceDeploymentsCommand).callsFake(() => {
    const deployment = frame().ecs!;
    return {
      serviceDeployments: [
        {
          serviceDeploymentArn: SERVICE_DEPLOYMENT,
          status: deployment.status,
          lifecycleStage: deployment.stage,
          startedAt: new Date(START + 10_000),
          statusReason: deployment.reason,
          sourceServiceRevisions: [
            {
              arn: `${REVISION.slice(0, REVISION.lastIndexOf('/'))}/01000000`,
              requestedTaskCount: 2,
              runningTaskCount: 2,
              pendingTaskCount: 0,
              requestedProductionTrafficWeight: 100 - (deployment.production ?? 0),
              requestedTestTrafficWeight: 100 - (deployment.test ?? 0),
            },
          ],
          targetServiceRevision: {
            arn: REVISION,
            requestedTaskCount: 2,
            runningTaskCount: 2,
            pendingTaskCount: 0,
            requestedProductionTrafficWeight: deployment.production ?? 0,
            requestedTestTrafficWeight: deployment.test ?? 0,
          },
        },
      ],
    };
  });
  mocks.ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: SERVICE_DEPLOYMENT });

  // Each hook's log lines appear in its frame and stay (FilterLogEvents returns everything since the start).
  mocks.logs.on(FilterLogEventsCommand).callsFake((input: { logGroupName: string }) => ({
    events: frames.slice(0, Math.max(0, round) + 1).flatMap((f, index) =>
      (f.logs ?? [])
        .filter(([suffix]) => input.logGroupName.endsWith(suffix))
        .map(([, line]) => ({
          timestamp: START + index * 5000,
          message: `2026-11-23T12:00:00.000Z\t5d2e\tINFO\t${JSON.stringify(line)}\n`,
        })),
    ),
  }));
  mocks.cloudwatch.on(DescribeAlarmsCommand).callsFake(() => ({
    MetricAlarms: Object.entries(frame().alarms ?? {}).map(([AlarmName, StateValue]) => ({ AlarmName, StateValue })),
  }));

  // The load balancer as the stacks build it: PRD and QA listeners over the two target groups.
  const group = (name: string) =>
    `arn:aws:elasticloadbalancing:eu-central-1:111111111111:targetgroup/${name}/0123456789abcdef`;
  mocks.elb.on(DescribeLoadBalancersCommand).callsFake((input: { Names: string[] }) => ({
    LoadBalancers: [
      {
        LoadBalancerName: input.Names[0],
        LoadBalancerArn: `arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/app/${input.Names[0]}/1`,
      },
    ],
  }));
  mocks.elb.on(DescribeListenersCommand).callsFake(() => {
    const [blue, green] = frame().codeDeploy?.weights ?? [100, 0];
    const prefix = frame().ecs ? 'web-staging' : 'web-dev';
    const live = blue >= green ? `${prefix}-primary` : `${prefix}-secondary`;
    const idle = live.endsWith('primary') ? `${prefix}-secondary` : `${prefix}-primary`;
    return {
      Listeners: [
        {
          ListenerArn: 'arn:listener/prd',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: group(live) }],
        },
        {
          ListenerArn: 'arn:listener/qa',
          Port: 8080,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: group(idle) }],
        },
      ],
    };
  });
  mocks.elb.on(DescribeRulesCommand).callsFake(() => {
    const production = frame().ecs?.production ?? 0;
    return {
      Rules: [
        { IsDefault: true, Actions: [{ Type: 'forward', TargetGroupArn: group('web-staging-primary') }] },
        {
          IsDefault: false,
          Priority: '1',
          Actions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: group('web-staging-primary'), Weight: 100 - production },
                  { TargetGroupArn: group('web-staging-secondary'), Weight: production },
                ],
              },
            },
          ],
        },
      ],
    };
  });
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      { serviceName: 'web', desiredCount: 2, runningCount: 2, pendingCount: 0, taskSets: [], deployments: [] },
    ],
  });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });

  const clients = {
    ecs: new ECSClient({ region: 'eu-central-1' }),
    ecr: new ECRClient({ region: 'eu-central-1' }),
    elb: new ElasticLoadBalancingV2Client({ region: 'eu-central-1' }),
    pipeline: new CodePipelineClient({ region: 'eu-central-1' }),
    codedeploy: new CodeDeployClient({ region: 'eu-central-1' }),
    cloudwatch: new CloudWatchClient({ region: 'eu-central-1' }),
    logs: new CloudWatchLogsClient({ region: 'eu-central-1' }),
    ssm: new SSMClient({ region: 'eu-central-1' }),
  };
  return { clients, mocks, round: () => round, now: () => START + Math.max(0, round) * 5000 };
}
