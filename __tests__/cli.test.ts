import { ContinueDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { run } from '../cli/main';
import { ecsNativeHook } from '../hooks/lib/ecs-native-adapter';
import { awsEvent } from './support/aws-fixtures';
import {
  BUILD_ID,
  capture,
  COMMIT_ID,
  DEPLOYMENT_ID,
  replay,
  SERVICE_DEPLOYMENT,
  type Frame,
} from './support/cli-timeline';

// `bluegreen` against replayed AWS timelines (aws-sdk-client-mock): exit codes, printed lines, JSON events.

const CODEDEPLOY_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
const events = (done: number, current?: string, failed?: string): Record<string, string> =>
  Object.fromEntries(
    CODEDEPLOY_EVENTS.map((name, index) => [
      name,
      name === failed ? 'Failed' : index < done ? 'Succeeded' : name === current ? 'InProgress' : 'Pending',
    ]),
  );
// What the CodeDeploy adapter logs when it reports (hooks/lib/codedeploy-adapter.ts).
const reported = (hook: string, status: string, summary: string) =>
  ({ hook, message: 'reporting', deploymentId: DEPLOYMENT_ID, status, summary }) as object;

const building: Frame[] = [
  { stages: { Source: 'InProgress', Build: 'Waiting', Deploy: 'Waiting' } },
  { stages: { Source: 'Succeeded', Build: 'InProgress', Deploy: 'Waiting' } },
];

async function bluegreen(argv: string[], frames: Frame[], tty = false) {
  const { clients, mocks, now } = replay(frames);
  const stdout = capture(tty);
  const stderr = capture();
  const sleeps: number[] = [];
  const exitCode = await run(argv, {
    stdout,
    stderr,
    clients: () => clients,
    now,
    sleep: async (ms) => void sleeps.push(ms),
  });
  const lines = stdout.text().split('\n').filter(Boolean);
  return { exitCode, lines, stdout: stdout.text(), stderr: stderr.text(), mocks, sleeps };
}

const jsonEvents = (lines: string[]) => lines.map((line) => JSON.parse(line));
const withoutTime = (lines: string[]) => lines.map((line) => line.slice(9));

describe('bluegreen watch', () => {
  it('follows a clean AllAtOnce CodeDeploy deployment to the end: exit 0', async () => {
    const { exitCode, lines } = await bluegreen(
      ['watch', 'dev'],
      [
        ...building,
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
          codeDeploy: { status: 'InProgress', events: events(2, 'AfterInstall') },
        },
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
          codeDeploy: { status: 'InProgress', events: events(7, 'AfterAllowTraffic'), weights: [0, 100] },
          logs: [
            [
              '-after-allow-test-traffic',
              reported('AfterAllowTestTraffic', 'Succeeded', '1 path(s) healthy at http://alb:8080'),
            ],
          ],
        },
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' },
          codeDeploy: { status: 'Succeeded', events: events(8), weights: [0, 100] },
          logs: [
            ['-after-allow-traffic', reported('AfterAllowTraffic', 'Succeeded', '1 path(s) healthy at http://alb')],
          ],
        },
      ],
    );
    expect(exitCode).toBe(0);
    expect(withoutTime(lines)).toEqual(
      expect.arrayContaining([
        'pipeline run 2f1c7c3e-0000-4000-8000-000000000001 InProgress',
        'stage Source InProgress',
        'stage Source Succeeded (5 s)',
        'stage Build Succeeded (5 s)',
        // dev's configured waits add up to 4.3 minutes (health checks, two smoke-test hooks, draining).
        `deployment ${DEPLOYMENT_ID} InProgress (~5 min left at most)`,
        'step AfterInstall InProgress',
        'step AfterAllowTestTraffic Succeeded (5 s)',
        'traffic Blue: 0% production 2/2 tasks | Green: 100% production 2/2 tasks',
        'hook AfterAllowTestTraffic passed: 1 path(s) healthy at http://alb:8080',
        'hook AfterAllowTraffic passed: 1 path(s) healthy at http://alb',
        `deployment ${DEPLOYMENT_ID} Succeeded`,
        'succeeded (exit 0)',
      ]),
    );
    expect(lines.at(-1)).toMatch(/succeeded \(exit 0\)$/);
  });

  it('follows an ECS canary: test traffic, 10% of production, then all of it', async () => {
    const deploying = { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' } as const;
    const { exitCode, lines } = await bluegreen(
      ['watch', 'staging', '--json'],
      [
        ...building,
        { stages: deploying, ecs: { status: 'IN_PROGRESS', stage: 'TEST_TRAFFIC_SHIFT', test: 100 } },
        {
          stages: deploying,
          ecs: { status: 'IN_PROGRESS', stage: 'PRODUCTION_TRAFFIC_SHIFT', test: 100, production: 10 },
          logs: [
            [
              '-ecs-after-test-traffic',
              { hook: 'EcsAfterTestTraffic', message: 'verdict', passed: true, summary: 'approved by an operator' },
            ],
          ],
        },
        { stages: deploying, ecs: { status: 'IN_PROGRESS', stage: 'BAKE_TIME', test: 100, production: 100 } },
        {
          stages: { ...deploying, Deploy: 'Succeeded' },
          ecs: { status: 'SUCCESSFUL', stage: 'CLEAN_UP', test: 100, production: 100 },
        },
      ],
    );
    expect(exitCode).toBe(0);
    const emitted = jsonEvents(lines);
    const traffic = emitted.filter((e) => e.kind === 'traffic').map((e) => e.revisions.at(-1));
    expect(traffic.map((r) => [r.revision, r.testWeight, r.productionWeight])).toEqual([
      ['01275892', 100, 0],
      ['01275892', 100, 10],
      ['01275892', 100, 100],
    ]);
    expect(emitted.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual([
      'TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ]);
    expect(emitted).toContainEqual(
      expect.objectContaining({ kind: 'hook', hook: 'EcsAfterTestTraffic', passed: true }),
    );
    expect(emitted.at(-1)).toMatchObject({ kind: 'done', outcome: 'succeeded', exitCode: 0 });
  });

  it('ECS engine: a hook waiting for an operator is shown as waiting, never as a failed hook', async () => {
    // The verdict lines the ECS adapter really logs while it waits, then once approved.
    const logged = async (passed: boolean) => {
      const lines: string[] = [];
      const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
      const check = async () =>
        passed
          ? { passed: true, summary: 'approved by an operator' }
          : { passed: false, retryLater: true, summary: 'waiting for "approved"' };
      await ecsNativeHook('EcsAfterTestTraffic', check)(awsEvent('ecs-hook-nested-post-test-traffic-shift'), {
        getRemainingTimeInMillis: () => 10_000,
      });
      spy.mockRestore();
      return ['-ecs-after-test-traffic', JSON.parse(lines.find((line) => line.includes('"verdict"'))!)] as const;
    };
    const deploying = { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' } as const;
    const waiting = { status: 'IN_PROGRESS', stage: 'POST_TEST_TRAFFIC_SHIFT', test: 100 } as const;
    const { exitCode, lines } = await bluegreen(
      ['watch', 'staging', '--json'],
      [
        ...building,
        { stages: deploying, ecs: waiting, logs: [await logged(false)] },
        { stages: deploying, ecs: waiting, logs: [await logged(false)] },
        { stages: deploying, ecs: { ...waiting, stage: 'PRODUCTION_TRAFFIC_SHIFT' }, logs: [await logged(true)] },
        {
          stages: { ...deploying, Deploy: 'Succeeded' },
          ecs: { status: 'SUCCESSFUL', stage: 'CLEAN_UP', test: 100, production: 100 },
        },
      ],
    );
    expect(exitCode).toBe(0);
    const emitted = jsonEvents(lines);
    expect(emitted.filter((e) => e.kind === 'hook')).toEqual([
      expect.objectContaining({ hook: 'EcsAfterTestTraffic', passed: true, summary: 'approved by an operator' }),
    ]);
    expect(emitted.filter((e) => e.kind === 'waiting')).toEqual([
      expect.objectContaining({ for: 'operator', hint: 'bluegreen promote staging' }),
    ]);
  });

  it("a failed hook that rolls back: exit 2, with the hook's reason", async () => {
    const { exitCode, lines } = await bluegreen(
      ['watch', 'dev'],
      [
        ...building,
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Failed' },
          codeDeploy: {
            status: 'Failed',
            events: events(4, undefined, 'AfterAllowTestTraffic'),
            rolledBack: true,
            error: 'The deployment failed because a specified lifecycle event failed',
          },
          logs: [
            [
              '-after-allow-test-traffic',
              reported(
                'AfterAllowTestTraffic',
                'Failed',
                'http://alb:8080/: status 500, expected 200 after 5 attempts',
              ),
            ],
          ],
        },
      ],
    );
    expect(exitCode).toBe(2);
    expect(withoutTime(lines)).toEqual(
      expect.arrayContaining([
        'step AfterAllowTestTraffic Failed (5 s)',
        'hook AfterAllowTestTraffic FAILED: http://alb:8080/: status 500, expected 200 after 5 attempts',
        'rolled-back: The deployment failed because a specified lifecycle event failed (exit 2)',
      ]),
    );
  });

  it('ECS engine: a hook that fails after test traffic rolls the canary back: exit 2', async () => {
    const deploying = { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' } as const;
    const { exitCode, lines } = await bluegreen(
      ['watch', 'staging'],
      [
        ...building,
        { stages: deploying, ecs: { status: 'IN_PROGRESS', stage: 'POST_TEST_TRAFFIC_SHIFT', test: 100 } },
        {
          stages: { ...deploying, Deploy: 'Failed' },
          ecs: { status: 'ROLLBACK_SUCCESSFUL', stage: 'CLEAN_UP', reason: 'A lifecycle hook failed' },
          logs: [
            [
              '-ecs-after-test-traffic',
              { hook: 'EcsAfterTestTraffic', message: 'verdict', passed: false, summary: 'rejected by an operator' },
            ],
          ],
        },
      ],
    );
    expect(exitCode).toBe(2);
    expect(withoutTime(lines)).toEqual(
      expect.arrayContaining([
        'waiting for an operator: bluegreen promote staging',
        'hook EcsAfterTestTraffic FAILED: rejected by an operator',
        'rolled-back: A lifecycle hook failed (exit 2)',
      ]),
    );
  });

  it('an alarm that stops the deployment, which rolls back: exit 2; a stop without rollback: exit 3', async () => {
    const stopped = (rolledBack: boolean): Frame => ({
      stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Failed' },
      codeDeploy: {
        status: 'Stopped',
        events: events(7),
        weights: [90, 10],
        rolledBack,
        error: 'One or more alarms have been activated: web-prod-alb-5xx',
      },
    });
    const alarm = await bluegreen(['watch', 'prod', '--json'], [...building, stopped(true)]);
    expect(alarm.exitCode).toBe(2);
    expect(jsonEvents(alarm.lines).at(-1)).toEqual(
      expect.objectContaining({
        outcome: 'rolled-back',
        exitCode: 2,
        reason: 'One or more alarms have been activated: web-prod-alb-5xx',
      }),
    );
    expect((await bluegreen(['watch', 'prod'], [...building, stopped(false)])).exitCode).toBe(3);
  });

  it('stops at a deployment waiting for reroute with --until operator, which promote then continues', async () => {
    const ready: Frame = {
      stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
      codeDeploy: { status: 'Ready', events: events(5, 'BeforeAllowTraffic') },
    };
    const watched = await bluegreen(['watch', 'prod', '--until', 'operator'], [...building, ready]);
    expect(watched.exitCode).toBe(0);
    expect(withoutTime(watched.lines)).toEqual(
      expect.arrayContaining(['waiting for an operator: bluegreen promote prod', 'reached: reached operator (exit 0)']),
    );

    const promoted = await bluegreen(['promote', 'prod'], [ready]);
    expect(promoted.exitCode).toBe(0);
    expect(promoted.mocks.codedeploy.commandCalls(ContinueDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: DEPLOYMENT_ID, deploymentWaitType: 'READY_WAIT' },
    ]);
    expect(promoted.stdout).toContain(`Rerouting production traffic to the new version of deployment ${DEPLOYMENT_ID}`);
  });

  it('backs off when AWS throttles in the middle of a watch, and carries on', async () => {
    const { exitCode, lines, sleeps } = await bluegreen(
      ['watch', 'dev', '--interval', '5'],
      [
        ...building,
        {
          stages: { Source: 'Succeeded', Build: 'InProgress', Deploy: 'Waiting' },
          pipelineError: 'ThrottlingException',
        },
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' },
          codeDeploy: { status: 'Succeeded', events: events(8), weights: [0, 100] },
        },
      ],
    );
    expect(exitCode).toBe(0);
    expect(withoutTime(lines)).toContain('throttled by AWS; next poll in 10 s');
    expect(sleeps).toEqual([5000, 5000, 10000]); // doubled once, back to normal after a good poll
  });

  it('Ctrl-C stops watching (exit 3) and changes nothing in AWS', async () => {
    const { clients, mocks, now } = replay([...building, building[1], building[1]]);
    const controller = new AbortController();
    const stdout = capture();
    const exitCode = await run(['watch', 'dev'], {
      stdout,
      stderr: capture(),
      clients: () => clients,
      now,
      signal: controller.signal,
      sleep: async () => controller.abort(), // the user presses Ctrl-C during the first wait
    });
    expect(exitCode).toBe(3);
    expect(stdout.text()).toContain('stopped: stopped watching (exit 3)');
    const writes = [
      mocks.codedeploy.commandCalls(ContinueDeploymentCommand),
      mocks.codedeploy.commandCalls(StopDeploymentCommand),
      mocks.ecs.commandCalls(StopServiceDeploymentCommand),
      mocks.ssm.commandCalls(PutParameterCommand),
    ];
    expect(writes.flat()).toEqual([]);
  });

  it('waits for the next run when none is running, and gives up after --start-timeout: exit 3', async () => {
    const { clients, mocks } = replay([{ stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' } }]);
    mocks.pipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [{ pipelineExecutionId: 'old', status: 'Succeeded' }],
    });
    let clock = 0;
    const stdout = capture();
    const exitCode = await run(['watch', 'dev', '--start-timeout', '1'], {
      stdout,
      stderr: capture(),
      clients: () => clients,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    expect(exitCode).toBe(3);
    expect(stdout.text()).toContain('timed-out: no run started within 1 min (exit 3)');
  });
});

describe('bluegreen status', () => {
  it('CodeDeploy: which target group each listener sends to, the last run and deployment, alarms', async () => {
    const { exitCode, lines } = await bluegreen(
      ['status', 'dev'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' },
          codeDeploy: { status: 'Succeeded', events: events(8), weights: [0, 100] },
        },
      ],
    );
    expect(exitCode).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining([
        'dev (codedeploy engine, eu-central-1)',
        '  production :80   -> web-dev-secondary 100%',
        '  test :8080       -> web-dev-primary 100%',
        '  pipeline run 2f1c7c3e-0000-4000-8000-000000000001: Succeeded (Source Succeeded, Build Succeeded, Deploy Succeeded)',
        `  deployment ${DEPLOYMENT_ID}: Succeeded`,
        '    Green: 2/2 tasks, 100% production',
        '  alarms: 0/0 OK',
      ]),
    );
  });

  it("ECS engine: the production rule's weights during a canary, as JSON", async () => {
    const { exitCode, stdout } = await bluegreen(
      ['status', 'staging', '--json'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
          ecs: { status: 'IN_PROGRESS', stage: 'PRODUCTION_TRAFFIC_SHIFT', production: 10, test: 100 },
        },
      ],
    );
    expect(exitCode).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.listeners['production :80']).toEqual({ 'web-staging-primary': 90, 'web-staging-secondary': 10 });
    expect(status.deployment).toMatchObject({ status: 'IN_PROGRESS', steps: [{ name: 'PRODUCTION_TRAFFIC_SHIFT' }] });
  });

  it('--json names what each stage ran: the commit, the build and the deployment', async () => {
    const { stdout } = await bluegreen(
      ['status', 'dev', '--json'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' },
          codeDeploy: { status: 'Succeeded', events: events(8), weights: [0, 100] },
        },
      ],
    );
    const stages = JSON.parse(stdout).pipeline.stages;
    expect(
      stages.map(({ name, commitId, buildId, deploymentId }: Record<string, string>) => [
        name,
        commitId ?? buildId ?? deploymentId,
      ]),
    ).toEqual([
      ['Source', COMMIT_ID],
      ['Build', BUILD_ID],
      ['Deploy', DEPLOYMENT_ID],
    ]);
    expect(stages.map((stage: object) => Object.keys(stage).filter((key) => key.endsWith('Id')))).toEqual([
      ['commitId'],
      ['buildId'],
      ['deploymentId'],
    ]);
  });

  it('counts only OK alarms as OK: INSUFFICIENT_DATA is listed, like ALARM', async () => {
    const { lines } = await bluegreen(
      ['status', 'dev'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' },
          alarms: {
            'web-dev-alb-5xx': 'OK',
            'web-dev-primary-5xx': 'INSUFFICIENT_DATA',
            'web-dev-secondary-5xx': 'ALARM',
          },
        },
      ],
    );
    expect(lines).toContain('  alarms: 1/3 OK, ALARM: web-dev-secondary-5xx, INSUFFICIENT_DATA: web-dev-primary-5xx');
  });
});

describe('bluegreen promote and rollback', () => {
  it('ECS engine: promote writes the approval signal for the running revision', async () => {
    const { exitCode, mocks, stdout } = await bluegreen(
      ['promote', 'staging'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
          ecs: { status: 'IN_PROGRESS', stage: 'POST_TEST_TRAFFIC_SHIFT' },
        },
      ],
    );
    expect(exitCode).toBe(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/web/staging/approvals/01275892', Value: 'approved', Type: 'String', Overwrite: true },
    ]);
    expect(stdout).toContain('Approved revision 01275892');
  });

  it('CodeDeploy: promote --now ends the termination wait; without --now it refuses', async () => {
    const waiting: Frame = {
      stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
      codeDeploy: { status: 'InProgress', events: events(8) },
    };
    const refused = await bluegreen(['promote', 'prod'], [waiting]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('is InProgress, not waiting for a reroute. Use --now');
    const now = await bluegreen(['promote', 'prod', '--now'], [waiting]);
    expect(now.exitCode).toBe(0);
    expect(now.mocks.codedeploy.commandCalls(ContinueDeploymentCommand)[0].args[0].input).toEqual({
      deploymentId: DEPLOYMENT_ID,
      deploymentWaitType: 'TERMINATION_WAIT',
    });
  });

  it('rollback stops the running deployment with rollback, on either engine', async () => {
    const codeDeploy = await bluegreen(
      ['rollback', 'dev'],
      [
        {
          stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' },
          codeDeploy: { status: 'InProgress' },
        },
      ],
    );
    expect(codeDeploy.exitCode).toBe(0);
    expect(codeDeploy.mocks.codedeploy.commandCalls(StopDeploymentCommand)[0].args[0].input).toEqual({
      deploymentId: DEPLOYMENT_ID,
      autoRollbackEnabled: true,
    });
    const ecs = await bluegreen(
      ['rollback', 'staging'],
      [{ stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' }, ecs: { status: 'IN_PROGRESS' } }],
    );
    expect(ecs.exitCode).toBe(0);
    expect(ecs.mocks.ecs.commandCalls(StopServiceDeploymentCommand)[0].args[0].input).toEqual({
      serviceDeploymentArn: SERVICE_DEPLOYMENT,
      stopType: 'ROLLBACK',
    });
  });

  it('rollback refuses when nothing runs, and says how to roll back a finished deployment', async () => {
    const { exitCode, stderr, mocks } = await bluegreen(
      ['rollback', 'staging'],
      [{ stages: { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' }, ecs: { status: 'SUCCESSFUL' } }],
    );
    expect(exitCode).toBe(1);
    expect(stderr).toContain('No deployment of web-staging is running');
    expect(stderr).toContain('git revert <commit> && git push');
    expect(mocks.ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
  });
});

describe('bluegreen usage', () => {
  it.each([
    [['watch', 'qa'], 'environment "qa" was selected but is not configured'],
    [['watch'], "missing required argument 'env'"],
    [['deploy', 'dev'], "unknown command 'deploy'"],
    [['watch', 'dev', '--interval', '0'], 'must be a positive number'],
    [
      ['watch', 'prod', '--until', 'operater'],
      'not a stage or step of prod (codedeploy engine). Use one of: Source, Import, Approve, Deploy, BeforeInstall, Install',
    ],
    [['watch', 'prod', '--until', 'operater'], 'AfterAllowTraffic, or operator.'],
    [['watch', 'staging', '--until', 'BAKE'], 'POST_TEST_TRAFFIC_SHIFT'],
    [['watch', 'dev', '--until', 'operator'], 'dev never waits for an operator (pipeline.waitForRerouteMinutes is 0)'],
  ])('%j: exit 4 with a message', async (argv, message) => {
    const { exitCode, stderr } = await bluegreen(argv, [building[0]]);
    expect(exitCode).toBe(4);
    expect(stderr).toContain(message);
  });

  it.each(['status', 'watch', 'promote', 'rollback', 'approve', 'reject'])(
    '%s --help explains it and exits 0',
    async (command) => {
      const { exitCode, stdout } = await bluegreen([command, '--help'], [building[0]]);
      expect(exitCode).toBe(0);
      expect(stdout).toContain(`Usage: bluegreen ${command}`);
    },
  );
});
