import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The live view of `bluegreen watch` on a real pseudo-terminal (tmux): it redraws in place, so the
// screen ends with one line per stage and step in its final state, not a log of every change.

const ROOT = join(__dirname, '..');
const SESSION = `bluegreen-tty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

function screenWhenDone(timeoutMs: number): string {
  const until = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < until) {
    screen = tmux('capture-pane', '-p', '-t', SESSION);
    if (/exit \d/.test(screen)) return screen;
    execFileSync('sleep', ['0.2']);
  }
  throw new Error(`the watch did not finish within ${timeoutMs} ms; screen:\n${screen}`);
}

describe('bluegreen watch on a terminal', () => {
  let screen = '';
  beforeAll(() => {
    const fixture = join(ROOT, '__tests__', 'support', 'cli-tty-fixture.ts');
    const command = `cd ${ROOT} && FORCE_COLOR=0 ${process.execPath} ${require.resolve('tsx/cli')} ${fixture}; sleep 30`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', command);
    screen = screenWhenDone(30_000);
  }, 40_000);
  afterAll(() => {
    try {
      tmux('kill-session', '-t', SESSION);
    } catch {
      // already gone
    }
  });

  it('redraws in place: each stage and step appears once, in its final state', () => {
    const lines = screen.split('\n').map((line) => line.trim());
    for (const stage of ['Source', 'Build', 'Deploy']) {
      expect(lines.filter((line) => line.startsWith(`${stage} `))).toEqual([
        expect.stringMatching(new RegExp(`^${stage} +Succeeded`)),
      ]);
    }
    expect(lines.filter((line) => line.startsWith('Install '))).toEqual([expect.stringMatching(/^Install +Succeeded/)]);
    expect(screen).not.toMatch(/InProgress/);
  });

  it('shows the deployment, the traffic, the hook verdicts and the outcome', () => {
    expect(screen).toContain('deployment d-ABCDEF123 Succeeded');
    expect(screen).toContain('traffic: Blue: 0% production 2/2 tasks | Green: 100% production 2/2 tasks');
    expect(screen).toContain('hook AfterAllowTestTraffic passed: 1 path(s) healthy');
    expect(screen).toContain('succeeded (exit 0)');
    expect(screen).toContain('exit 0');
  });

  it('is not the line-per-change output of a pipe', () => {
    expect(screen).not.toContain('stage Source');
  });
});
