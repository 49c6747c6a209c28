/**
 * The traffic shifts an environment can choose, named like CodeDeploy's predefined ECS deployment
 * configurations (CodeDeployDefault.ECS<name>), and what each means for either engine.
 */
export const TRAFFIC_SHIFTS = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent15Minutes',
  'Linear10PercentEvery1Minutes',
  'Linear10PercentEvery3Minutes',
] as const;

export type TrafficShiftName = (typeof TRAFFIC_SHIFTS)[number];

/** A traffic shift as steps: everything at once, a canary then the rest, or equal linear steps. */
export type TrafficShift =
  | { readonly kind: 'all-at-once' }
  | { readonly kind: 'canary'; readonly percent: number; readonly minutes: number }
  | { readonly kind: 'linear'; readonly percent: number; readonly everyMinutes: number };

/** Reads CodeDeploy's naming: Canary<percent>Percent<minutes>Minutes, Linear<percent>PercentEvery<minutes>Minute(s). */
export function trafficShift(name: TrafficShiftName): TrafficShift {
  if (name === 'AllAtOnce') return { kind: 'all-at-once' };
  const canary = /^Canary(\d+)Percent(\d+)Minutes?$/.exec(name);
  if (canary) return { kind: 'canary', percent: Number(canary[1]), minutes: Number(canary[2]) };
  const linear = /^Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(name);
  if (linear) return { kind: 'linear', percent: Number(linear[1]), everyMinutes: Number(linear[2]) };
  throw new Error(`unknown traffic shift ${name}`);
}

/** Minutes production traffic takes to move completely: the canary's wait, or the waits between linear steps. */
export function shiftMinutes(shift: TrafficShift): number {
  if (shift.kind === 'canary') return shift.minutes;
  if (shift.kind === 'linear') return (Math.ceil(100 / shift.percent) - 1) * shift.everyMinutes;
  return 0;
}
