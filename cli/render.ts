import pc from 'picocolors';
import { lastPartOf } from '../hooks/contract';
import type { RevisionView } from './observe';
import type { Renderer, WatchEvent } from './watch';

export interface Output {
  write(text: string): unknown;
}

/** `--json`: one JSON object per event, for CI. */
export function jsonRenderer(out: Output): Renderer {
  return { event: (event) => void out.write(`${JSON.stringify(event)}\n`), close: () => undefined };
}

/** Not a terminal: one line per change. */
export function lineRenderer(out: Output): Renderer {
  return { event: (event) => void out.write(`${describe(event)}\n`), close: () => undefined };
}

/**
 * A terminal: a view redrawn in place (log-update) with the pipeline's stages, the deployment's
 * steps, traffic, hook verdicts and the time left; the last state stays on screen when it ends.
 * log-update is an ES module, loaded only when a terminal needs it.
 */
export async function liveRenderer(stream: NodeJS.WriteStream): Promise<Renderer> {
  const { createLogUpdate } = await import('log-update');
  const update = createLogUpdate(stream, { showCursor: false });
  const view = new LiveView();
  return {
    event(event) {
      view.apply(event);
      update(view.render());
    },
    close: () => update.done(),
  };
}

class LiveView {
  private readonly stages = new Map<string, string>();
  private readonly steps = new Map<string, string>();
  private readonly hooks: string[] = [];
  private header = 'waiting for a pipeline run';
  private deployment = '';
  private traffic = '';
  private footer = '';

  apply(event: WatchEvent): void {
    switch (event.kind) {
      case 'pipeline':
        this.header = `pipeline run ${event.execution}`;
        break;
      case 'stage':
        this.stages.set(event.stage, `${status(event.status)}${duration(event.seconds)}`);
        break;
      case 'deployment':
        this.deployment = `${lastPartOf(event.id)} ${status(event.status)}${event.etaSeconds !== undefined ? pc.dim(` ~${Math.ceil(event.etaSeconds / 60)} min left at most`) : ''}`;
        break;
      case 'step':
        this.steps.set(event.step, `${status(event.status)}${duration(event.seconds)}`);
        break;
      case 'traffic':
        this.traffic = trafficLine(event.revisions);
        break;
      case 'hook':
        this.hooks.push(`hook ${event.hook} ${event.passed ? pc.green('passed') : pc.red('FAILED')}: ${event.summary}`);
        break;
      case 'waiting':
        this.footer = pc.yellow(
          `waiting for ${event.for === 'approval' ? 'an approval' : 'an operator'}: ${event.hint}`,
        );
        break;
      case 'throttled':
        this.footer = pc.dim(`AWS is throttling; next poll in ${event.retryInSeconds} s`);
        break;
      case 'done':
        this.footer = `${event.exitCode === 0 ? pc.green(event.outcome) : pc.red(event.outcome)}${event.reason ? `: ${event.reason}` : ''} (exit ${event.exitCode})`;
        break;
    }
  }

  render(): string {
    const lines = [pc.bold(this.header)];
    for (const [stage, state] of this.stages) lines.push(`  ${stage.padEnd(12)} ${state}`);
    if (this.deployment) lines.push(pc.bold(`deployment ${this.deployment}`));
    for (const [step, state] of this.steps) lines.push(`  ${step.padEnd(30)} ${state}`);
    if (this.traffic) lines.push(`  traffic: ${this.traffic}`);
    for (const hook of this.hooks) lines.push(`  ${hook}`);
    if (this.footer) lines.push(this.footer);
    return lines.join('\n');
  }
}

/** One line for an event, e.g. "12:00:05 stage Deploy Succeeded (95 s)". */
export function describe(event: WatchEvent): string {
  const time = event.at.slice(11, 19);
  switch (event.kind) {
    case 'pipeline':
      return `${time} pipeline run ${event.execution} ${event.status}`;
    case 'stage':
      return `${time} stage ${event.stage} ${event.status}${duration(event.seconds, false)}`;
    case 'deployment':
      return `${time} deployment ${lastPartOf(event.id)} ${event.status}${event.etaSeconds !== undefined ? ` (~${Math.ceil(event.etaSeconds / 60)} min left at most)` : ''}`;
    case 'step':
      return `${time} step ${event.step} ${event.status}${duration(event.seconds, false)}`;
    case 'traffic':
      return `${time} traffic ${trafficLine(event.revisions, false)}`;
    case 'hook':
      return `${time} hook ${event.hook} ${event.passed ? 'passed' : 'FAILED'}: ${event.summary}`;
    case 'waiting':
      return `${time} waiting for ${event.for === 'approval' ? 'an approval' : 'an operator'}: ${event.hint}`;
    case 'throttled':
      return `${time} throttled by AWS; next poll in ${event.retryInSeconds} s`;
    case 'done':
      return `${time} ${event.outcome}${event.reason ? `: ${event.reason}` : ''} (exit ${event.exitCode})`;
  }
}

function trafficLine(revisions: readonly RevisionView[], color = true): string {
  return revisions
    .map((r) => {
      const weights = [
        r.productionWeight !== undefined ? `${r.productionWeight}% production` : '',
        r.testWeight !== undefined ? `${r.testWeight}% test` : '',
      ].filter(Boolean);
      const tasks = r.running !== undefined ? ` ${r.running}/${r.desired ?? '?'} tasks` : '';
      const text = `${r.revision}: ${weights.join(', ') || 'no traffic'}${tasks}`;
      return color ? pc.cyan(text) : text;
    })
    .join(' | ');
}

function status(value: string): string {
  if (/succe/i.test(value)) return pc.green(value);
  if (/fail|stop|roll/i.test(value)) return pc.red(value);
  if (/progress|ready|pending/i.test(value)) return pc.yellow(value);
  return value;
}

function duration(seconds: number | undefined, color = true): string {
  if (seconds === undefined) return '';
  const text = ` (${seconds} s)`;
  return color ? pc.dim(text) : text;
}
