import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run } from '../cli/main';
import {
  answer,
  awsEndpoint,
  errorAnswer,
  type AwsEndpoint,
  type WireAnswer,
  type WireCall,
} from './support/aws-endpoint';
// Not from cli-timeline: importing it mocks every SDK client of the process.
import { capture } from './support/capture';

// `bluegreen` against a local endpoint that answers in each service's wire protocol (AWS_ENDPOINT_URL),
// with AWS's documented answers (fixtures/aws/api): serialization, error codes, retries, paginators and
// timestamps go through the SDK exactly as against AWS. Only ids and statuses follow the timeline.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON

const EXECUTION = 'b59a2c6e-0000-4000-8000-00000000wire';
const START = Date.UTC(2026, 10, 23, 12, 0, 0) / 1000; // AWS's JSON protocols send epoch seconds
/** The run's status of each stage, in pipeline order. */
type Stages = Readonly<Record<string, 'InProgress' | 'Succeeded' | 'Failed' | 'Waiting'>>;

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  // Never ask an instance metadata service for credentials: the tests talk to 127.0.0.1 only.
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});
const pointAt = (url: string) => Object.assign(process.env, ENV, { AWS_ENDPOINT_URL: url });

/** The run's pipeline state (GetPipelineState as documented), our stages, the Deploy action's deployment. */
function pipelineState(stages: Stages, deploymentId?: string): WireAnswer {
  return answer<Json>('codepipeline', 'GetPipelineState', {
    edit: (documented) => {
      const template = documented.stageStates.find(
        (stage: Json) => stage.actionStates[0].latestExecution.externalExecutionId,
      );
      return {
        ...documented,
        stageStates: Object.keys(stages).map((stageName, index) => {
          const status = stages[stageName];
          const [action] = template.actionStates;
          return {
            ...template,
            stageName,
            // StageState.latestExecution (API model): which run the stage's status belongs to.
            ...(status === 'Waiting'
              ? { latestExecution: undefined }
              : { latestExecution: { pipelineExecutionId: EXECUTION, status } }),
            actionStates: [
              {
                ...action,
                actionName: stageName === 'Source' ? 'Application' : stageName,
                latestExecution:
                  status === 'Waiting'
                    ? undefined
                    : {
                        ...action.latestExecution,
                        status,
                        lastStatusChange: START + index * 60,
                        externalExecutionId: stageName === 'Deploy' ? deploymentId : `${stageName}-external-id`,
                      },
              },
            ],
          };
        }),
      };
    },
  });
}

const runInProgress = () =>
  answer<Json>('codepipeline', 'ListPipelineExecutions', {
    edit: (documented) => ({
      pipelineExecutionSummaries: [
        {
          ...documented.pipelineExecutionSummaries[0],
          pipelineExecutionId: EXECUTION,
          status: 'InProgress',
          startTime: START,
        },
      ],
    }),
  });

/** GetDeployment as documented, for deployment `id` of the dev group in `status`. */
const deployment = (id: string, status: string, variant?: string) =>
  answer<Json>('codedeploy', 'GetDeployment', {
    variant,
    edit: (documented) => ({
      deploymentInfo: {
        ...documented.deploymentInfo,
        deploymentId: id,
        applicationName: 'web-dev',
        deploymentGroupName: 'web-dev',
        status,
        createTime: START + 120,
      },
    }),
  });

/** GetDeploymentTarget as documented, its lifecycle events up to `done` succeeded and the rest in progress. */
const deploymentTarget = (id: string, done: number) =>
  answer<Json>('codedeploy', 'GetDeploymentTarget', {
    edit: (documented) => {
      const target = documented.deploymentTarget.ecsTarget;
      return {
        deploymentTarget: {
          ...documented.deploymentTarget,
          ecsTarget: {
            ...target,
            deploymentId: id,
            targetId: 'web-dev:web-dev',
            lifecycleEvents: target.lifecycleEvents.map((event: Json, index: number) =>
              index < done
                ? event
                : { lifecycleEventName: event.lifecycleEventName, status: index === done ? 'InProgress' : 'Pending' },
            ),
          },
        },
      };
    },
  });

/** What the CodeDeploy adapter logs when it reports, behind Lambda's prefix, in a documented log event. */
const hookLogPage = (hook: string) =>
  answer<Json>('cloudwatch-logs', 'FilterLogEvents', {
    variant: 'lastPageNoNextToken',
    edit: (documented) => ({
      events: [
        {
          ...documented.events[0],
          timestamp: (START + 200) * 1000, // epoch milliseconds in CloudWatch Logs
          message: `2026-11-23T12:03:20.000Z\t5d2e\tINFO\t${JSON.stringify({ hook, message: 'reporting', status: 'Succeeded', summary: '1 path(s) healthy' })}\n`,
        },
      ],
    }),
  });

async function bluegreen(argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const exitCode = await run(argv, { stdout, stderr, sleep: async () => undefined });
  return { exitCode, lines: stdout.text().split('\n').filter(Boolean), stdout: stdout.text(), stderr: stderr.text() };
}

let endpoint: AwsEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe('bluegreen watch over the wire', () => {
  it('keeps waiting while the deployment is Queued or not started, follows paged log searches, and succeeds', async () => {
    const ID = 'd-EXAMPLE333';
    let round = -1;
    let throttled = false;
    endpoint = await awsEndpoint((call: WireCall) => {
      switch (call.operation) {
        case 'ListPipelineExecutions':
          return runInProgress();
        case 'GetPipelineState':
          // Throttled once: the SDK retries it, as it would against AWS.
          if (!throttled) {
            throttled = true;
            return errorAnswer('codedeploy', 'ThrottlingException');
          }
          round++;
          return pipelineState(
            { Source: 'Succeeded', Build: 'Succeeded', Deploy: round < 4 ? 'InProgress' : 'Succeeded' },
            ID,
          );
        case 'GetDeployment':
          return deployment(ID, ['Queued', 'InProgress', 'InProgress', 'InProgress', 'Succeeded'][Math.min(round, 4)]);
        case 'GetDeploymentTarget':
          // Documented: "The specified deployment has not started" until it has; here also just after InProgress.
          return round <= 1
            ? errorAnswer('codedeploy', 'DeploymentNotStartedException')
            : deploymentTarget(ID, round === 2 ? 3 : 6);
        case 'FilterLogEvents':
          // An empty page with a nextToken first (documented), then the page with the verdict.
          return call.input.nextToken
            ? String(call.input.logGroupName).endsWith('-after-allow-traffic')
              ? hookLogPage('AfterAllowTraffic')
              : answer('cloudwatch-logs', 'FilterLogEvents', {
                  variant: 'lastPageNoNextToken',
                  edit: () => ({ events: [] }),
                })
            : answer('cloudwatch-logs', 'FilterLogEvents', { variant: 'emptyPageWithNextToken' });
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const { exitCode, lines, stderr } = await bluegreen(['watch', 'dev', '--interval', '1']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(lines.some((line) => /deployment d-EXAMPLE333 Queued/.test(line))).toBe(true);
    expect(lines.some((line) => /AfterAllowTraffic passed/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/succeeded/);
    // The paginator sent back the token of the empty page.
    const paged = endpoint.callsTo('FilterLogEvents').filter((call) => call.input.nextToken);
    expect(paged[0].input.nextToken).toBe(
      'ZNUEPl7FcQuXbIH4Swk9D9eFu2XBg-ijZIZlvzz4ea9zZRjw-MMtQtvcoMdmq4T29K7Q6Y1e_KvyfpcT_f_tUw',
    );
  });
});

describe('bluegreen rollback over the wire', () => {
  it("stops the running deployment once, then leaves CodeDeploy's rollback deployment alone", async () => {
    const running = ['d-EXAMPLE111'];
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'ListDeployments':
          return answer('codedeploy', 'ListDeployments', { edit: () => ({ deployments: running }) });
        case 'GetDeployment':
          return call.input.deploymentId === 'd-EXAMPLE111'
            ? deployment('d-EXAMPLE111', 'InProgress')
            : // The documented rollback deployment: creator codeDeployRollback, restoring from d-EXAMPLE111.
              answer('codedeploy', 'GetDeployment', { variant: 'rollbackDeployment' });
        case 'GetDeploymentTarget':
          return deploymentTarget(String(call.input.deploymentId), 2);
        case 'StopDeployment':
          running.splice(0, running.length, 'd-EXAMPLE222'); // CodeDeploy starts its rollback deployment
          return answer('codedeploy', 'StopDeployment');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const first = await bluegreen(['rollback', 'dev']);
    expect(first.exitCode).toBe(0);
    expect(endpoint.callsTo('StopDeployment').map((call) => call.input)).toEqual([
      { deploymentId: 'd-EXAMPLE111', autoRollbackEnabled: true },
    ]);

    const second = await bluegreen(['rollback', 'dev']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain("d-EXAMPLE222 is CodeDeploy's rollback of d-EXAMPLE111");
    expect(second.stderr).toContain('left alone');
    expect(endpoint.callsTo('StopDeployment')).toHaveLength(1);
  });

  it('ECS engine: leaves a service deployment that is rolling back alone', async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'ListServiceDeployments':
          return answer('ecs', 'ListServiceDeployments');
        case 'DescribeServiceDeployments':
          return answer<Json>('ecs', 'DescribeServiceDeployments', {
            variant: 'rolledBack',
            edit: (documented) => ({
              ...documented,
              serviceDeployments: [{ ...documented.serviceDeployments[0], status: 'ROLLBACK_IN_PROGRESS' }],
            }),
          });
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    for (const command of ['rollback', 'promote']) {
      const result = await bluegreen([command, 'staging']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/is rolling back: ECS is restoring production, so it is left alone/);
    }
    expect(endpoint.callsTo('StopServiceDeployment')).toEqual([]);
    expect(endpoint.callsTo('PutParameter')).toEqual([]);
  });
});

describe('bluegreen when AWS cannot be reached, or credentials are missing', () => {
  it('exits 5, naming the endpoint, when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    pointAt(`http://127.0.0.1:${port}`);
    const { exitCode, stderr } = await bluegreen(['status', 'dev']);
    expect(exitCode).toBe(5);
    expect(stderr).toContain(`AWS could not be reached at AWS_ENDPOINT_URL=http://127.0.0.1:${port}`);
    expect(stderr).toContain('ECONNREFUSED');
  });

  it('exits 4 and says how to sign in to the environment account when there are no credentials', async () => {
    endpoint = await awsEndpoint(() => {
      throw new Error('no request may be sent without credentials');
    });
    pointAt(endpoint.url);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(__dirname, 'no-such-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(__dirname, 'no-such-aws-credentials'),
    });
    const { exitCode, stderr } = await bluegreen(['status', 'dev']);
    expect(exitCode).toBe(4);
    expect(stderr).toContain('no valid AWS credentials for environment "dev" (account 111111111111, eu-central-1)');
    expect(stderr).toMatch(/AWS_PROFILE.*aws sso login/s);
    expect(endpoint.calls).toEqual([]);
  });
});

describe('a long watch in its own process', () => {
  it('polls a compressed 15-minute deployment (180 polls) without writing anything to stderr', async () => {
    const ID = 'd-EXAMPLE444';
    const POLLS = 180;
    let round = -1;
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'ListPipelineExecutions':
          return runInProgress();
        case 'GetPipelineState':
          round++;
          return pipelineState(
            { Source: 'Succeeded', Build: 'Succeeded', Deploy: round < POLLS ? 'InProgress' : 'Succeeded' },
            ID,
          );
        case 'GetDeployment':
          return deployment(ID, round < POLLS ? 'InProgress' : 'Succeeded');
        case 'GetDeploymentTarget':
          return deploymentTarget(ID, Math.min(5, Math.floor(round / 30)));
        case 'FilterLogEvents':
          return answer('cloudwatch-logs', 'FilterLogEvents', {
            variant: 'lastPageNoNextToken',
            edit: () => ({ events: [] }),
          });
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    const child = spawn(
      process.execPath,
      [join(__dirname, '..', 'cli', 'launcher.cjs'), 'watch', 'dev', '--interval', '0.005'],
      {
        env: { ...saved, ...ENV, AWS_ENDPOINT_URL: endpoint.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(round).toBeGreaterThanOrEqual(POLLS);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/succeeded/);
  }, 60_000);
});

describe('bluegreen approve and reject over the wire (a promoted environment)', () => {
  const RUN = 'c0ffee00-0000-4000-8000-0000promote';
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  /** The documented pending approval, in prod's Approve stage and action, for run RUN. */
  const approvalPending = ({ withRun = true } = {}) =>
    answer<Json>('codepipeline', 'GetPipelineState', {
      variant: 'approvalPending',
      edit: (documented) => ({
        ...documented,
        pipelineName: 'web-prod',
        stageStates: documented.stageStates.map((stage: Json) => ({
          ...stage,
          stageName: 'Approve',
          // StageState.latestExecution (API model), which AWS's example leaves out: the run it belongs to.
          ...(withRun ? { latestExecution: { pipelineExecutionId: RUN, status: 'InProgress' } } : {}),
          actionStates: stage.actionStates.map((action: Json) => ({ ...action, actionName: 'Promotion' })),
        })),
      }),
    });
  /** The run's pipeline variables, as the upstream Promote step set them. */
  const promotionRun = () =>
    answer<Json>('codepipeline', 'GetPipelineExecution', {
      variant: 'v2WithVariablesAndTrigger',
      edit: (documented) => ({
        pipelineExecution: {
          ...documented.pipelineExecution,
          pipelineExecutionId: RUN,
          pipelineName: 'web-prod',
          status: 'InProgress',
          variables: [
            { name: 'ImageDigest', resolvedValue: DIGEST },
            { name: 'CommitId', resolvedValue: '0123abc' },
            { name: 'UpstreamDeploymentId', resolvedValue: 'd-EXAMPLEE5' },
            { name: 'UpstreamExecutionId', resolvedValue: 'e0b6a5d4-0000-4000-8000-000000000001' },
          ],
        },
      }),
    });

  it('approves the waiting promotion with its token, saying what deploys', async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'GetPipelineState':
          return approvalPending();
        case 'GetPipelineExecution':
          return promotionRun();
        case 'PutApprovalResult':
          return answer('codepipeline', 'PutApprovalResult');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const { exitCode, stdout } = await bluegreen(['approve', 'prod']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`Approved commit 0123abc (${DIGEST}) from dev in run ${RUN}: it deploys now`);
    expect(endpoint.callsTo('PutApprovalResult').map((call) => call.input)).toEqual([
      {
        pipelineName: 'web-prod',
        stageName: 'Approve',
        actionName: 'Promotion',
        token: '1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN', // the documented token of the pending approval
        result: { status: 'Approved', summary: 'Approved with bluegreen' },
      },
    ]);
  });

  it('rejects with a reason; an approval decided meanwhile exits 1 and changes nothing', async () => {
    let decided = false;
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'GetPipelineState':
          return approvalPending();
        case 'GetPipelineExecution':
          return promotionRun();
        case 'PutApprovalResult':
          if (decided) return errorAnswer('codepipeline', 'ApprovalAlreadyCompletedException');
          decided = true;
          return answer('codepipeline', 'PutApprovalResult');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const first = await bluegreen(['reject', 'prod', '--reason', 'QA found a regression']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Rejected commit 0123abc');
    expect(first.stdout).toContain('nothing of it deploys');
    expect(endpoint.callsTo('PutApprovalResult')[0].input.result).toEqual({
      status: 'Rejected',
      summary: 'QA found a regression',
    });
    const second = await bluegreen(['reject', 'prod']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('was decided already or has expired (ApprovalAlreadyCompletedException)');
  });

  it("approves from AWS's example as published, whose stage has no latestExecution (no run id to describe)", async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'GetPipelineState':
          return approvalPending({ withRun: false });
        case 'PutApprovalResult':
          return answer('codepipeline', 'PutApprovalResult');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const { exitCode, stdout } = await bluegreen(['approve', 'prod']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Approved the waiting promotion from dev: it deploys now');
    expect(endpoint.callsTo('PutApprovalResult')).toHaveLength(1);
  });

  it('exits 1 when no promotion waits, and for an environment without an approval, sending nothing', async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'GetPipelineState':
          return pipelineState({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' }, 'd-EXAMPLE1');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const none = await bluegreen(['approve', 'prod']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('No promotion of prod is waiting for approval');
    const dev = await bluegreen(['approve', 'dev']);
    expect(dev.exitCode).toBe(1);
    expect(dev.stderr).toContain('dev has no approval to give: it builds its own images');
    expect(endpoint.callsTo('PutApprovalResult')).toEqual([]);
  });
});

describe('bluegreen status of a promoted environment over the wire', () => {
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const TASK_DEFINITION = 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web-prod:7';

  it('shows the digest production runs, the commit ECR has it tagged with, and where it was promoted from', async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'DescribeServices':
          // The documented CodeDeploy-controlled service, its PRIMARY task set on our task definition.
          return answer<Json>('ecs', 'DescribeServices', {
            variant: 'codeDeployTaskSets',
            edit: (documented) => ({
              ...documented,
              services: documented.services.map((service: Json) => ({
                ...service,
                taskSets: (service.taskSets ?? []).map((set: Json) =>
                  set.status === 'PRIMARY' ? { ...set, taskDefinition: TASK_DEFINITION } : set,
                ),
              })),
            }),
          });
        case 'DescribeTaskDefinition':
          return answer<Json>('ecs', 'DescribeTaskDefinition', {
            edit: (documented) => ({
              taskDefinition: {
                ...documented.taskDefinition,
                taskDefinitionArn: TASK_DEFINITION,
                containerDefinitions: documented.taskDefinition.containerDefinitions.map((c: Json, i: number) =>
                  i === 0
                    ? { ...c, name: 'app', image: `222222222222.dkr.ecr.eu-central-1.amazonaws.com/web-prod@${DIGEST}` }
                    : c,
                ),
              },
            }),
          });
        case 'DescribeImages':
          return answer<Json>('ecr', 'DescribeImages', {
            edit: (documented) => ({
              imageDetails: [
                {
                  ...documented.imageDetails[0],
                  repositoryName: 'web-prod',
                  imageDigest: DIGEST,
                  imageTags: ['0123abc'],
                },
              ],
            }),
          });
        case 'ListPipelineExecutions':
          return runInProgress();
        case 'GetPipelineExecution':
          return answer<Json>('codepipeline', 'GetPipelineExecution', {
            variant: 'v2WithVariablesAndTrigger',
            edit: (documented) => ({
              pipelineExecution: {
                ...documented.pipelineExecution,
                pipelineExecutionId: EXECUTION,
                variables: [
                  { name: 'ImageDigest', resolvedValue: DIGEST },
                  { name: 'CommitId', resolvedValue: '0123abc' },
                  { name: 'UpstreamDeploymentId', resolvedValue: 'd-EXAMPLEE5' },
                ],
              },
            }),
          });
        case 'GetPipelineState':
          return pipelineState({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' });
        case 'ListDeployments':
          return answer('codedeploy', 'ListDeployments', { edit: () => ({ deployments: [] }) });
        case 'DescribeAlarms':
          return answer('cloudwatch', 'DescribeAlarms');
        case 'DescribeLoadBalancers':
          return answer('elastic-load-balancing-v2', 'DescribeLoadBalancers');
        case 'DescribeListeners':
          return answer('elastic-load-balancing-v2', 'DescribeListeners');
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const { exitCode, stdout, stderr } = await bluegreen(['status', 'prod']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`image: ${DIGEST} (commit 0123abc)`);
    expect(stdout).toContain(
      `promoted from dev; newest run promotes ${DIGEST} (commit 0123abc), deployed in dev by d-EXAMPLEE5`,
    );
    expect(endpoint.callsTo('DescribeImages')[0].input).toEqual({
      repositoryName: 'web-prod',
      imageIds: [{ imageDigest: DIGEST }],
    });
    const json = await bluegreen(['status', 'prod', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      image: { digest: DIGEST, commit: '0123abc' },
      promotion: { from: 'dev', digest: DIGEST, commit: '0123abc', upstreamDeployment: 'd-EXAMPLEE5' },
    });
  });
});

describe('bluegreen watch of a promotion run over the wire', () => {
  it('announces the approval the run waits for, with the command that decides it, and stops there with --until operator', async () => {
    endpoint = await awsEndpoint((call) => {
      switch (call.operation) {
        case 'ListPipelineExecutions':
          return runInProgress();
        case 'GetPipelineState':
          return pipelineState({ Source: 'Succeeded', Import: 'Succeeded', Approve: 'InProgress', Deploy: 'Waiting' });
        default:
          throw new Error(`unexpected ${call.service}:${call.operation}`);
      }
    });
    pointAt(endpoint.url);
    const { exitCode, lines, stderr } = await bluegreen(['watch', 'prod', '--until', 'operator', '--interval', '1']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(lines.some((line) => /Import Succeeded/.test(line))).toBe(true);
    expect(
      lines.some((line) => /waiting for an approval: bluegreen approve prod \(or: bluegreen reject prod\)/.test(line)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(/reached operator/);
    // Nothing deploys while the approval waits: no deployment is looked up.
    expect(endpoint.calls.map((call) => call.operation)).not.toContain('GetDeployment');
  });
});
