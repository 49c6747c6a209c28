import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { ECSClient, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Check } from '../hooks/lib/check';
import { codeDeployHook, type CodeDeployHookEvent } from '../hooks/lib/codedeploy-adapter';
import { ecsNativeHook } from '../hooks/lib/ecs-native-adapter';
import { smokeTest, type SmokeTestConfig } from '../hooks/lib/smoke-test';
import * as afterAllowTestTraffic from '../hooks/after-allow-test-traffic';
import * as afterAllowTraffic from '../hooks/after-allow-traffic';
import * as afterInstall from '../hooks/after-install';
import * as beforeAllowTraffic from '../hooks/before-allow-traffic';
import * as beforeInstall from '../hooks/before-install';
import * as ecsAfterProductionTraffic from '../hooks/ecs-after-production-traffic';
import * as ecsAfterTestTraffic from '../hooks/ecs-after-test-traffic';
import { awsApi, awsEvent } from './support/aws-fixtures';

/** The deployed entry points by file name (hooks/<file>.ts); each reads SMOKE_TEST when invoked. */
const ENTRY_POINTS: Record<string, { handler: typeof beforeInstall.handler }> = {
  'before-install': beforeInstall,
  'after-install': afterInstall,
  'after-allow-test-traffic': afterAllowTestTraffic,
  'before-allow-traffic': beforeAllowTraffic,
  'after-allow-traffic': afterAllowTraffic,
};

const codeDeploy = mockClient(CodeDeployClient);
const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);
// What CodeDeploy sends a lifecycle hook function (fixtures/aws/events, with its source).
const event = awsEvent<CodeDeployHookEvent>('codedeploy-ecs-hook');

/** A local target: /healthy, /error (500), /slow (300 ms), /hang (never answers), /flaky (503 twice, then 200). */
let server: Server;
let baseUrl: string;
let refusedUrl: string;
let flakyCalls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/healthy') res.end('ok version abc123');
    else if (req.url === '/error') res.writeHead(500).end('boom');
    else if (req.url === '/slow') setTimeout(() => res.end('ok but slow'), 300);
    else if (req.url === '/hang')
      return; // never answers
    else if (req.url === '/flaky') {
      flakyCalls++;
      if (flakyCalls <= 2) res.writeHead(503).end('starting');
      else res.end('ok');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A port that was just closed: connections are refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  ssm.reset();
  codeDeploy.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  flakyCalls = 0;
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

function config(path: string, overrides: Partial<SmokeTestConfig> = {}): SmokeTestConfig {
  return {
    url: baseUrl,
    paths: [path],
    expectedStatus: 200,
    requestTimeoutMs: 1000,
    retries: 2,
    backoffMs: 20,
    latency: { samples: 3, budgetMs: 200 },
    ...overrides,
  };
}

/** A Lambda context whose timeout is `ms` from now. */
function lambdaContext(ms: number) {
  const end = Date.now() + ms;
  return { end, getRemainingTimeInMillis: () => end - Date.now() };
}

/** Runs a CodeDeploy hook and returns what it reported, how often, and when. */
async function runCodeDeployHook(check: Check, timeoutMs = 3000) {
  const reportedAt: number[] = [];
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
    reportedAt.push(Date.now());
    return {};
  });
  const context = lambdaContext(timeoutMs);
  const handler = codeDeployHook('Test', check, { reportMarginMs: 300 });
  const result = await handler(event, context);
  const calls = codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
  return { result, calls, reportedAt, lambdaEnd: context.end };
}

describe('CodeDeploy hook with the smoke test against a real local server', () => {
  it.each<[string, 'Succeeded' | 'Failed', () => SmokeTestConfig, RegExp]>([
    ['healthy target', 'Succeeded', () => config('/healthy', { bodyContains: 'version' }), /healthy/],
    ['5xx target', 'Failed', () => config('/error'), /status 500, expected 200 after 3 attempts/],
    ['target slower than the latency budget', 'Failed', () => config('/slow'), /over the 200 ms latency budget/],
    ['refused connection', 'Failed', () => ({ ...config('/healthy'), url: refusedUrl }), /ECONNREFUSED/],
    ['wrong body', 'Failed', () => config('/healthy', { bodyContains: 'version xyz' }), /body does not contain/],
    ['target failing twice, then healthy', 'Succeeded', () => config('/flaky'), /healthy/],
  ])('%s: reports %s exactly once', async (_label, status, makeConfig, summary) => {
    const logged: string[] = [];
    (console.log as jest.Mock).mockImplementation((line: string) => logged.push(line));
    const { result, calls } = await runCodeDeployHook(smokeTest(makeConfig()));
    expect(result.status).toBe(status);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      deploymentId: 'd-ABCDEF',
      lifecycleEventHookExecutionId: 'xxxxxxxxxxxxxxxxxxxxxxxx',
      status,
    });
    const reporting = logged.map((line) => JSON.parse(line)).find((entry) => entry.message === 'reporting');
    expect(reporting.summary).toMatch(summary);
  });

  it('hanging target: reports Failed once, before the Lambda timeout', async () => {
    const { result, calls, reportedAt, lambdaEnd } = await runCodeDeployHook(
      smokeTest(config('/hang', { requestTimeoutMs: 10_000, retries: 5 })),
      1500,
    );
    expect(result.status).toBe('Failed');
    expect(calls).toHaveLength(1);
    expect(reportedAt[0]).toBeLessThan(lambdaEnd);
  });

  it('a check that never settles is still reported as Failed before the Lambda timeout', async () => {
    const { result, calls, reportedAt, lambdaEnd } = await runCodeDeployHook(() => new Promise(() => undefined), 800);
    expect(result.status).toBe('Failed');
    expect(calls).toHaveLength(1);
    expect(reportedAt[0]).toBeLessThan(lambdaEnd);
  });

  it('a check that throws reports Failed once', async () => {
    const { result, calls } = await runCodeDeployHook(() => {
      throw new Error('misconfigured');
    });
    expect(result.status).toBe('Failed');
    expect(calls).toHaveLength(1);
  });
});

describe('status report', () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

  it('is retried when CodeDeploy throttles, and still sent exactly once successfully', async () => {
    codeDeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({});
    const handler = codeDeployHook('Test', async () => ({ passed: true, summary: 'ok' }), { reportMarginMs: 300 });
    await expect(handler(event, lambdaContext(3000))).resolves.toEqual({ status: 'Succeeded' });
    const calls = codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
    expect(calls).toHaveLength(3);
    expect(calls.every((call) => call.args[0].input.status === 'Succeeded')).toBe(true);
  });

  it('is not retried on a non-transient error, which fails the invocation loudly', async () => {
    const gone = Object.assign(new Error('already completed'), { name: 'LifecycleEventAlreadyCompletedException' });
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(gone);
    const handler = codeDeployHook('Test', async () => ({ passed: true, summary: 'ok' }), { reportMarginMs: 300 });
    await expect(handler(event, lambdaContext(3000))).rejects.toThrow('already completed');
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(1);
  });

  it('gives up after the configured attempts when throttling persists', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(throttled);
    const handler = codeDeployHook('Test', async () => ({ passed: true, summary: 'ok' }), {
      reportMarginMs: 300,
      reportAttempts: 3,
    });
    await expect(handler(event, lambdaContext(3000))).rejects.toThrow('Rate exceeded');
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(3);
  });
});

describe('deployed entry points', () => {
  const smoke = () => JSON.stringify(config('/healthy'));

  // The entry points keep their default 5 s reporting margin, so they get a realistic timeout.
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-central-1';
  });

  it.each(['after-allow-test-traffic', 'after-allow-traffic'])(
    '%s runs the smoke test from SMOKE_TEST and reports',
    async (name) => {
      process.env.SMOKE_TEST = smoke();
      const { handler } = ENTRY_POINTS[name];
      await expect(handler(event, lambdaContext(8000))).resolves.toEqual({ status: 'Succeeded' });
      expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(1);
    },
  );

  it('a smoke-test hook deployed without SMOKE_TEST reports Failed instead of waiting', async () => {
    delete process.env.SMOKE_TEST;
    const { handler } = ENTRY_POINTS['after-allow-test-traffic'];
    await expect(handler(event, lambdaContext(8000))).resolves.toEqual({ status: 'Failed' });
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(1);
  });

  it.each(['before-install', 'after-install', 'before-allow-traffic'])(
    '%s logs the context and reports Succeeded',
    async (name) => {
      const { handler } = ENTRY_POINTS[name];
      await expect(handler(event, lambdaContext(8000))).resolves.toEqual({ status: 'Succeeded' });
      const calls = codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
      expect(calls.map((call) => call.args[0].input.status)).toEqual(['Succeeded']);
    },
  );
});

/** The ECS hook event in both shapes AWS documents: nested in executionDetails (current) and flat (older page). */
const ECS_SHAPES = [
  ['nested in executionDetails', 'ecs-hook-nested-post-test-traffic-shift', '9313423515462893900'],
  ['flat (older page)', 'ecs-hook-flat', '01275892'],
] as const;

describe('ECS-native adapter (returns hookStatus instead of calling CodeDeploy)', () => {
  const ecsEvent = awsEvent('ecs-hook-nested-post-test-traffic-shift');
  const run = (check: Check, timeoutMs = 3000) => {
    const context = lambdaContext(timeoutMs);
    return ecsNativeHook('Test', check, { returnMarginMs: 300 })(ecsEvent, context).then((response) => ({
      response,
      returnedAt: Date.now(),
      end: context.end,
    }));
  };

  it('healthy target: SUCCEEDED', async () => {
    expect((await run(smokeTest(config('/healthy')))).response).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  it('5xx target: FAILED', async () => {
    expect((await run(smokeTest(config('/error')))).response).toEqual({ hookStatus: 'FAILED' });
  });

  it('target failing twice, then healthy: SUCCEEDED', async () => {
    expect((await run(smokeTest(config('/flaky')))).response).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  it('hanging target: FAILED before the Lambda timeout', async () => {
    const { response, returnedAt, end } = await run(smokeTest(config('/hang', { requestTimeoutMs: 10_000 })), 1200);
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(returnedAt).toBeLessThan(end);
  });

  it('a check that throws: FAILED', async () => {
    expect((await run(() => Promise.reject(new Error('boom')))).response).toEqual({ hookStatus: 'FAILED' });
  });

  it('a check that cannot decide yet: IN_PROGRESS with a call-back delay', async () => {
    const response = (await run(async () => ({ passed: false, retryLater: true, summary: 'warming up' }))).response;
    expect(response).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 30 });
  });

  it('never calls CodeDeploy', async () => {
    await run(smokeTest(config('/healthy')));
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(0);
  });

  it.each(ECS_SHAPES)('reads the deployment from the event %s and logs which shape it got', async (_label, name) => {
    const logged: string[] = [];
    (console.log as jest.Mock).mockImplementation((line: string) => logged.push(line));
    const fixture = awsEvent<Record<string, unknown>>(name);
    await ecsNativeHook('Test', async () => ({ passed: true, summary: 'ok' }))(fixture, lambdaContext(3000));
    const received = JSON.parse(logged[0]);
    expect(received).toMatchObject({
      message: 'lifecycle event',
      shape: name === 'ecs-hook-flat' ? 'flat' : 'executionDetails',
      serviceArn: expect.stringMatching(/^arn:aws:ecs:us-west-2:\d+:service\//),
    });
    expect(received.targetServiceRevisionArn).toMatch(/:service-revision\//);
  });

  it('says plainly when the event has neither shape, and a check that needs the revision fails', async () => {
    const logged: string[] = [];
    (console.log as jest.Mock).mockImplementation((line: string) => logged.push(line));
    // The nested fixture with its executionDetails taken away: what a third, undocumented shape would look like to us.
    const neither = awsEvent<Record<string, unknown>>('ecs-hook-nested-post-test-traffic-shift');
    delete neither.executionDetails;
    process.env.SMOKE_TEST = JSON.stringify(config('/healthy'));
    process.env.APPROVAL = JSON.stringify({
      parameterPrefix: '/web/staging/approvals',
      waitMinutes: 15,
      callBackDelaySeconds: 45,
    });
    try {
      await expect(ecsAfterTestTraffic.handler(neither, lambdaContext(3000))).resolves.toEqual({
        hookStatus: 'FAILED',
      });
    } finally {
      delete process.env.APPROVAL;
    }
    expect(JSON.parse(logged[0])).toMatchObject({
      message: 'lifecycle event without deployment details',
      received: ['executionId', 'lifecycleStage', 'resourceArn'],
    });
    expect(logged.join('\n')).toContain('no targetServiceRevisionArn, in executionDetails or at the top level');
  });
});

describe.each(ECS_SHAPES)('ECS approval wait, with the event %s', (_label, fixture, revisionId) => {
  // The approval parameter of the fixture's target revision: <prefix>/<last part of its ARN>.
  const PARAMETER = `/web/staging/approvals/${revisionId}`;
  const APPROVAL = JSON.stringify({
    parameterPrefix: '/web/staging/approvals',
    waitMinutes: 15,
    callBackDelaySeconds: 45,
  });
  /** AWS's event; on a call-back ECS passes back (merged) the hookDetails the hook returned. */
  const hookEvent = (hookDetails?: Record<string, unknown>) => {
    const payload = awsEvent<Record<string, unknown>>(fixture);
    return hookDetails ? { ...payload, hookDetails: { ...(payload.hookDetails as object), ...hookDetails } } : payload;
  };
  const invoke = (hookDetails?: Record<string, unknown>) =>
    ecsAfterTestTraffic.handler(hookEvent(hookDetails), lambdaContext(8000));
  const signal = (value: string) =>
    ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: value } });
  const notYet = () =>
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  /** ListServiceDeployments as documented, cut to `count` deployments of the service. */
  const serviceDeployments = (count: number) => {
    const { response } = awsApi<{ serviceDeployments: object[] }>('ecs', 'ListServiceDeployments');
    const [first] = response.serviceDeployments;
    return { ...response, serviceDeployments: Array.from({ length: count }, () => first) };
  };

  beforeEach(() => {
    process.env.AWS_REGION = 'eu-central-1';
    process.env.SMOKE_TEST = JSON.stringify(config('/healthy'));
    process.env.APPROVAL = APPROVAL;
    ecs.reset();
    ecs.on(ListServiceDeploymentsCommand).resolves(serviceDeployments(2));
  });
  afterEach(() => {
    delete process.env.APPROVAL;
  });

  it("does not hold the service's first deployment (CreateService's) for an operator", async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves(serviceDeployments(1));
    await expect(invoke()).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    const [call] = ecs.commandCalls(ListServiceDeploymentsCommand);
    const { serviceArn } = readServiceArn(hookEvent());
    expect(call.args[0].input).toEqual({ service: serviceArn, cluster: serviceArn.split('/')[1], maxResults: 2 });
  });

  it('keeps answering IN_PROGRESS while nobody approved a later deployment, carrying when the wait began', async () => {
    notYet();
    const before = Date.now();
    const response = await invoke();
    expect(response).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 45 });
    const since = (response as unknown as { hookDetails: { waitingSince: number } }).hookDetails.waitingSince;
    expect(since).toBeGreaterThanOrEqual(before);
    // Called back with its hookDetails: still waiting, still from the same moment, and the deployments
    // are not counted again.
    const again = await invoke({ waitingSince: since });
    expect(again).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 45, hookDetails: { waitingSince: since } });
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
      PARAMETER,
      PARAMETER,
    ]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
  });

  it('SUCCEEDED once the revision\'s parameter says "approved"', async () => {
    signal('approved');
    await expect(invoke({ waitingSince: Date.now() - 60_000 })).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
  });

  it('FAILED (ECS rolls back) when an operator writes "rejected"', async () => {
    signal('rejected');
    await expect(invoke({ waitingSince: Date.now() })).resolves.toEqual({ hookStatus: 'FAILED' });
  });

  it('FAILED when the wait ran out without an approval', async () => {
    notYet();
    const sixteenMinutesAgo = Date.now() - 16 * 60_000;
    await expect(invoke({ waitingSince: sixteenMinutesAgo })).resolves.toEqual({ hookStatus: 'FAILED' });
  });

  it('does not wait for an operator when the smoke test through the test listener fails', async () => {
    signal('approved');
    process.env.SMOKE_TEST = JSON.stringify(config('/error'));
    await expect(invoke({ waitingSince: Date.now() })).resolves.toEqual({ hookStatus: 'FAILED' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('FAILED when SSM cannot be read (for example access denied), rather than waiting blind', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await expect(invoke()).resolves.toEqual({ hookStatus: 'FAILED' });
  });

  it('without APPROVAL, passes as soon as the smoke test passes and reads neither SSM nor ECS', async () => {
    delete process.env.APPROVAL;
    await expect(invoke()).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);
  });

  it('the production-traffic hook runs the smoke test and returns its verdict', async () => {
    await expect(ecsAfterProductionTraffic.handler(hookEvent(), lambdaContext(8000))).resolves.toEqual({
      hookStatus: 'SUCCEEDED',
    });
    process.env.SMOKE_TEST = JSON.stringify(config('/error'));
    await expect(ecsAfterProductionTraffic.handler(hookEvent(), lambdaContext(8000))).resolves.toEqual({
      hookStatus: 'FAILED',
    });
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(0);
  });
});

/** The service ARN where the fixture carries it (executionDetails, or the top level). */
function readServiceArn(event: Record<string, unknown>): { serviceArn: string } {
  const nested = event.executionDetails as { serviceArn?: string } | undefined;
  return { serviceArn: nested?.serviceArn ?? (event.serviceArn as string) };
}
