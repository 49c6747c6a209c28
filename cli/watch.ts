import type { Clients } from './clients';
import {
  codeDeployView,
  ecsView,
  hookVerdicts,
  latestExecution,
  latestServiceDeployment,
  pipelineView,
  type DeploymentView,
  type HookVerdict,
  type Outcome,
  type PipelineView,
  type RevisionView,
} from './observe';
import { PIPELINE_STAGES } from '../stacks/config/names';
import type { Target } from './target';

/** Documented exit codes of `watch` (and, for 4 and 5, of every command). */
export const EXIT = { succeeded: 0, failed: 1, rolledBack: 2, stoppedOrTimedOut: 3, usage: 4, unreachable: 5 } as const;

const EXIT_OF: Readonly<Record<Outcome, number>> = {
  succeeded: EXIT.succeeded,
  failed: EXIT.failed,
  'rolled-back': EXIT.rolledBack,
  stopped: EXIT.stoppedOrTimedOut,
};

/** One thing that happened, as `--json` prints it (one object per line). */
export type WatchEvent =
  | { kind: 'pipeline'; at: string; execution: string; status: string }
  | { kind: 'stage'; at: string; stage: string; status: string; seconds?: number }
  | { kind: 'deployment'; at: string; id: string; status: string; etaSeconds?: number }
  | { kind: 'step'; at: string; step: string; status: string; seconds?: number }
  | { kind: 'traffic'; at: string; revisions: RevisionView[] }
  | { kind: 'hook'; at: string; hook: string; passed: boolean; summary: string }
  | { kind: 'waiting'; at: string; for: 'operator' | 'approval'; hint: string }
  | { kind: 'throttled'; at: string; retryInSeconds: number }
  | { kind: 'done'; at: string; outcome: Outcome | 'timed-out' | 'reached'; exitCode: number; reason?: string };

export interface Renderer {
  event(event: WatchEvent): void;
  close(): void;
}

export interface WatchOptions {
  /** Stop with exit 0 once this stage, lifecycle step or "operator" (waiting for one) is reached. */
  readonly until?: string;
  /** Minutes to wait for a run to start when none is running. */
  readonly startTimeoutMinutes: number;
  /** Seconds between polls (each poll reads each resource once). */
  readonly intervalSeconds: number;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

const THROTTLING = ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded'];
const MAX_INTERVAL_SECONDS = 60;

/**
 * Follows the running pipeline execution (or the next one to start) through its stages, then its
 * deployment step by step, and returns the exit code of how it ended. It only reads: stopping the
 * watch (Ctrl-C) changes nothing in AWS.
 */
export async function watch(clients: Clients, target: Target, options: WatchOptions, renderer: Renderer) {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const follower = new Follower(clients, target, options, renderer, now);
  let interval = options.intervalSeconds;
  const deadline = now() + (options.startTimeoutMinutes + target.expectedMinutes + 30) * 60_000;
  try {
    for (;;) {
      if (options.signal?.aborted) return follower.finish('stopped', EXIT.stoppedOrTimedOut, 'stopped watching');
      try {
        const exitCode = await follower.poll();
        if (exitCode !== undefined) return exitCode;
        interval = options.intervalSeconds;
      } catch (error) {
        if (!THROTTLING.includes((error as { name?: string }).name ?? '')) throw error;
        interval = Math.min(Math.max(interval, 1) * 2, MAX_INTERVAL_SECONDS);
        renderer.event({ kind: 'throttled', at: iso(now()), retryInSeconds: interval });
      }
      if (now() > deadline) return follower.finish('timed-out', EXIT.stoppedOrTimedOut, 'gave up waiting');
      await sleep(interval * 1000, options.signal);
    }
  } finally {
    renderer.close();
  }
}

/** What the watch has seen so far, and what changed since. */
class Follower {
  private execution?: string;
  private previousExecution?: string | null;
  private waitingSince?: number;
  private pipeline?: PipelineView;
  private deployment?: DeploymentView;
  private readonly stageStarted = new Map<string, number>();
  private readonly verdicts = new Set<string>();
  private announcedWait = false;
  private announcedApproval = false;
  private traffic = '';

  constructor(
    private readonly clients: Clients,
    private readonly target: Target,
    private readonly options: WatchOptions,
    private readonly renderer: Renderer,
    private readonly now: () => number,
  ) {}

  /** One round of reads; an exit code when the watch is over. */
  async poll(): Promise<number | undefined> {
    if (!this.execution && !(await this.findExecution())) return this.startTimedOut();
    if (!this.execution) return undefined;
    const pipeline = await pipelineView(this.clients, this.target, this.execution);
    this.reportStages(pipeline);
    const approving = this.reportApproval(pipeline);
    if (approving && this.options.until?.toLowerCase() === 'operator')
      return this.finish('reached', EXIT.succeeded, 'reached operator (the approval)');
    const deploy = pipeline.stages.find((stage) => stage.name === PIPELINE_STAGES.deploy);
    if (deploy && deploy.status !== 'Waiting') {
      const reached = await this.followDeployment(deploy.deploymentId, deploy.startedAt);
      if (reached !== undefined) return reached;
    }
    if (this.reached(pipeline)) return this.finish('reached', EXIT.succeeded, `reached ${this.options.until}`);
    if (pipeline.status === 'Failed') return this.finish('failed', EXIT.failed, failedStage(pipeline));
    if (pipeline.status === 'Stopped') return this.finish('stopped', EXIT.stoppedOrTimedOut, 'the run was stopped');
    if (pipeline.status === 'Succeeded') return this.finish('succeeded', EXIT.succeeded);
    return undefined;
  }

  /** The running execution, or the first one that starts after the watch did. */
  private async findExecution(): Promise<boolean> {
    const latest = await latestExecution(this.clients, this.target);
    if (this.previousExecution === undefined) {
      this.waitingSince = this.now();
      if (latest?.status === 'InProgress') return this.follow(latest.id);
      this.previousExecution = latest?.id ?? null;
      return false;
    }
    if (latest && latest.id !== this.previousExecution) return this.follow(latest.id);
    return false;
  }

  private follow(id: string): boolean {
    this.execution = id;
    this.renderer.event({ kind: 'pipeline', at: iso(this.now()), execution: id, status: 'InProgress' });
    return true;
  }

  private startTimedOut(): number | undefined {
    const waited = this.now() - (this.waitingSince ?? this.now());
    if (waited < this.options.startTimeoutMinutes * 60_000) return undefined;
    return this.finish(
      'timed-out',
      EXIT.stoppedOrTimedOut,
      `no run started within ${this.options.startTimeoutMinutes} min`,
    );
  }

  private reportStages(pipeline: PipelineView): void {
    for (const stage of pipeline.stages) {
      const before = this.pipeline?.stages.find((s) => s.name === stage.name)?.status;
      if (stage.status === before || stage.status === 'Waiting') continue;
      if (stage.status === 'InProgress') this.stageStarted.set(stage.name, this.now());
      const started = this.stageStarted.get(stage.name);
      const seconds = stage.status !== 'InProgress' && started ? Math.round((this.now() - started) / 1000) : undefined;
      this.renderer.event({ kind: 'stage', at: iso(this.now()), stage: stage.name, status: stage.status, seconds });
    }
    this.pipeline = pipeline;
  }

  /** A promotion waiting in the Approve stage: announced once, with the command that decides it. */
  private reportApproval(pipeline: PipelineView): boolean {
    const approve = pipeline.stages.find((stage) => stage.name === PIPELINE_STAGES.approve);
    if (approve?.status !== 'InProgress') return false;
    if (!this.announcedApproval) {
      this.announcedApproval = true;
      const env = this.target.environment;
      this.renderer.event({
        kind: 'waiting',
        at: iso(this.now()),
        for: 'approval',
        hint: `bluegreen approve ${env} (or: bluegreen reject ${env})`,
      });
    }
    return true;
  }

  /** The Deploy stage's deployment: its steps, traffic, hook verdicts and outcome. */
  private async followDeployment(deployId: string | undefined, deployStarted?: Date): Promise<number | undefined> {
    const id =
      this.deployment?.id ??
      (this.target.engine === 'ecs'
        ? await latestServiceDeployment(
            this.clients,
            this.target,
            deployStarted && new Date(deployStarted.getTime() - 60_000),
          )
        : deployId);
    if (!id) return undefined;
    const view =
      this.target.engine === 'ecs'
        ? await ecsView(this.clients, this.target, id)
        : await codeDeployView(this.clients, this.target, id);
    const previous = this.deployment;
    this.deployment = view;
    const at = iso(this.now());
    if (!previous || previous.status !== view.status) {
      this.renderer.event({ kind: 'deployment', at, id, status: view.status, etaSeconds: this.eta(view) });
    }
    for (const step of view.steps) {
      const before = previous?.steps.find((s) => s.name === step.name);
      if (before?.status === step.status) continue;
      const seconds =
        step.startedAt && step.endedAt
          ? Math.round((step.endedAt.getTime() - step.startedAt.getTime()) / 1000)
          : undefined;
      this.renderer.event({ kind: 'step', at, step: step.name, status: step.status, seconds });
    }
    this.reportTraffic(view.revisions);
    const hookWaits = await this.reportVerdicts(view);
    if ((view.waitingForOperator || hookWaits) && !this.announcedWait) {
      this.announcedWait = true;
      this.renderer.event({
        kind: 'waiting',
        at,
        for: 'operator',
        hint: `bluegreen promote ${this.target.environment}`,
      });
    }
    if (view.outcome) return this.finish(view.outcome, EXIT_OF[view.outcome], view.reason);
    if (this.options.until && matches(this.options.until, view)) {
      return this.finish('reached', EXIT.succeeded, `reached ${this.options.until}`);
    }
    return undefined;
  }

  private reportTraffic(revisions: readonly RevisionView[]): void {
    const key = JSON.stringify(revisions.map((r) => [r.revision, r.productionWeight, r.testWeight]));
    if (revisions.length === 0 || key === this.traffic) return;
    this.traffic = key;
    this.renderer.event({ kind: 'traffic', at: iso(this.now()), revisions: [...revisions] });
  }

  /**
   * Reports each new verdict once; a hook that asked to be called back (waiting for an operator) is
   * waiting, not failed. True while the newest verdict of some hook is a wait.
   */
  private async reportVerdicts(view: DeploymentView): Promise<boolean> {
    if (!view.startedAt) return false;
    const latest = new Map<string, HookVerdict['state']>();
    for (const verdict of await hookVerdicts(this.clients, this.target, view.startedAt)) {
      latest.set(verdict.hook, verdict.state);
      const key = `${verdict.hook}@${verdict.at.getTime()}`;
      if (this.verdicts.has(key)) continue;
      this.verdicts.add(key);
      if (verdict.state === 'waiting') continue;
      this.renderer.event({
        kind: 'hook',
        at: iso(verdict.at.getTime()),
        hook: verdict.hook,
        passed: verdict.state === 'passed',
        summary: verdict.summary,
      });
    }
    return [...latest.values()].includes('waiting');
  }

  /** Seconds left if every configured wait runs to its end, from when the deployment started. */
  private eta(view: DeploymentView): number | undefined {
    if (!view.startedAt || view.outcome) return undefined;
    const left = this.target.expectedMinutes * 60 - (this.now() - view.startedAt.getTime()) / 1000;
    return Math.max(0, Math.round(left));
  }

  private reached(pipeline: PipelineView): boolean {
    const until = this.options.until?.toLowerCase();
    return Boolean(until && pipeline.stages.some((s) => s.name.toLowerCase() === until && s.status !== 'Waiting'));
  }

  finish(outcome: Outcome | 'timed-out' | 'reached', exitCode: number, reason?: string): number {
    this.renderer.event({ kind: 'done', at: iso(this.now()), outcome, exitCode, ...(reason ? { reason } : {}) });
    return exitCode;
  }
}

/** --until names a lifecycle step, or "operator" for a deployment that waits for one. */
function matches(until: string, view: DeploymentView): boolean {
  const wanted = until.toLowerCase();
  if (wanted === 'operator') return view.waitingForOperator;
  return view.steps.some((step) => step.name.toLowerCase() === wanted && step.status !== 'Pending');
}

function failedStage(pipeline: PipelineView): string {
  const failed = pipeline.stages.find((stage) => stage.status === 'Failed');
  return failed ? `${failed.name} failed` : 'the run failed';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Sleeps until `ms` pass or the signal aborts, leaving no listener behind on the signal either way. */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
