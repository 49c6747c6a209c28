import { shiftMinutes, trafficShift, type TrafficShiftName } from './traffic-shift';

/** The settings a deployment's waiting time follows from (a validated environment has them all). */
export interface WaitingTimeInputs {
  readonly loadBalancer: {
    readonly healthCheck: { readonly intervalSeconds: number; readonly healthyThreshold: number };
    readonly deregistrationDelaySeconds: number;
  };
  readonly pipeline: {
    readonly engine: 'codedeploy' | 'ecs';
    readonly trafficShift: TrafficShiftName;
    readonly waitForRerouteMinutes: number;
    readonly terminationWaitMinutes: number;
  };
  readonly hooks: { readonly timeoutSeconds: number };
}

export interface WaitingStep {
  readonly label: string;
  readonly minutes: number;
  /** True when the step can end sooner (a hook that passes early, an operator who approves early). */
  readonly atMost: boolean;
}

/** Hooks that run a smoke test and can therefore take up to their timeout (the others only log). */
const SMOKE_TEST_HOOKS = 2;

/**
 * What a deployment of this environment waits for, step by step, from its configuration alone:
 * replacement tasks passing health checks, the smoke-test hooks, the operator, the traffic shift,
 * the bake (ECS) or termination wait (CodeDeploy) and the old targets draining. Task start-up and
 * image pull times come on top; they depend on the image.
 */
export function deploymentWaitingTime(env: WaitingTimeInputs): { steps: WaitingStep[]; totalMinutes: number } {
  const { healthCheck, deregistrationDelaySeconds } = env.loadBalancer;
  const { engine, waitForRerouteMinutes, terminationWaitMinutes } = env.pipeline;
  const steps: WaitingStep[] = [
    {
      label: 'health checks',
      minutes: (healthCheck.healthyThreshold * healthCheck.intervalSeconds) / 60,
      atMost: false,
    },
    { label: 'smoke-test hooks', minutes: (SMOKE_TEST_HOOKS * env.hooks.timeoutSeconds) / 60, atMost: true },
    {
      label: engine === 'ecs' ? 'operator approval' : 'operator reroute',
      minutes: waitForRerouteMinutes,
      atMost: true,
    },
    { label: 'traffic shift', minutes: shiftMinutes(trafficShift(env.pipeline.trafficShift)), atMost: false },
    { label: engine === 'ecs' ? 'bake time' : 'termination wait', minutes: terminationWaitMinutes, atMost: false },
    { label: 'draining', minutes: deregistrationDelaySeconds / 60, atMost: false },
  ];
  const relevant = steps.filter((step) => step.minutes > 0);
  return { steps: relevant, totalMinutes: relevant.reduce((sum, step) => sum + step.minutes, 0) };
}

/** "health checks 0.2 + smoke-test hooks ≤4 + ... = up to 29.3 min" */
export function describeWaitingTime(env: WaitingTimeInputs): string {
  const { steps, totalMinutes } = deploymentWaitingTime(env);
  const parts = steps.map((step) => `${step.label} ${step.atMost ? '≤' : ''}${formatMinutes(step.minutes)}`);
  return `${parts.join(' + ')} = up to ${formatMinutes(totalMinutes)} min`;
}

function formatMinutes(minutes: number): string {
  return String(Math.round(minutes * 10) / 10);
}
