/**
 * Runs `bluegreen watch dev` on whatever terminal it is started in, against a replayed clean
 * deployment: the TTY test starts it inside tmux, a real pseudo-terminal, and reads the screen.
 */
import { run } from '../../cli/main';
import { DEPLOYMENT_ID, replay, type Frame } from './cli-timeline';

const deploying = { Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' } as const;
const done = (name: string) => ({
  hook: name,
  message: 'reporting',
  deploymentId: DEPLOYMENT_ID,
  status: 'Succeeded',
  summary: '1 path(s) healthy',
});
const frames: Frame[] = [
  { stages: { Source: 'InProgress', Build: 'Waiting', Deploy: 'Waiting' } },
  { stages: { Source: 'Succeeded', Build: 'InProgress', Deploy: 'Waiting' } },
  {
    stages: deploying,
    codeDeploy: { status: 'InProgress', events: { BeforeInstall: 'Succeeded', Install: 'InProgress' } },
  },
  {
    stages: deploying,
    codeDeploy: {
      status: 'InProgress',
      events: { BeforeInstall: 'Succeeded', Install: 'Succeeded', AfterAllowTestTraffic: 'Succeeded' },
      weights: [100, 0],
    },
    logs: [['-after-allow-test-traffic', done('AfterAllowTestTraffic')]],
  },
  {
    stages: { ...deploying, Deploy: 'Succeeded' },
    codeDeploy: {
      status: 'Succeeded',
      events: {
        BeforeInstall: 'Succeeded',
        Install: 'Succeeded',
        AfterAllowTestTraffic: 'Succeeded',
        AfterAllowTraffic: 'Succeeded',
      },
      weights: [0, 100],
    },
  },
];

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // as cli/bin.ts does
const { clients, now } = replay(frames);
run(['watch', 'dev', '--interval', '0.2'], {
  stdout: process.stdout,
  stderr: process.stderr,
  clients: () => clients,
  now,
}).then((code) => process.stdout.write(`\nexit ${code}\n`));
