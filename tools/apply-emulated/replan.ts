/**
 * What the re-plan after apply and simulated deployments may show. Nothing, except attributes the
 * emulator does not return as AWS would (below, each with the reason and the moto code): any other
 * change is a diff every `cdktf deploy` would show against AWS too, or one that undoes a deployment.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface EmulatorGap {
  readonly type: string;
  readonly attribute: string;
  readonly reason: string;
  /** The moto code (5.2.1) that answers differently from AWS. */
  readonly link: string;
}

const MOTO = 'https://github.com/getmoto/moto/blob/5.2.1/moto';

/** The reviewed list. A gap that no longer shows is reported, so the list cannot outlive its reason. */
export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    type: 'aws_lambda_function',
    attribute: 'logging_config',
    reason: "GetFunction returns no LoggingConfig; AWS returns the function's log format and log group",
    link: `${MOTO}/awslambda/models.py`,
  },
  ...['availability_zone_rebalancing', 'enable_ecs_managed_tags', 'health_check_grace_period_seconds'].map(
    (attribute) => ({
      type: 'aws_ecs_service',
      attribute,
      reason:
        'DescribeServices does not return availabilityZoneRebalancing, enableECSManagedTags or healthCheckGracePeriodSeconds',
      link: `${MOTO}/ecs/models.py`,
    }),
  ),
  {
    type: 'aws_codedeploy_deployment_group',
    attribute: 'alarm_configuration',
    reason: 'GetDeploymentGroup returns an empty alarmConfiguration (marked TODO in moto) instead of the alarms set',
    link: `${MOTO}/codedeploy/models.py`,
  },
  ...['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule'].map((type) => ({
    type,
    attribute: 'description',
    reason:
      "DescribeSecurityGroupRules takes a rule's description from its IP range only, so a rule that references " +
      'another security group comes back without one',
    link: `${MOTO}/ec2/models/security_groups.py`,
  })),
];

export interface Drift {
  readonly address: string;
  readonly type: string;
  /** The attribute that would change, or the whole resource (create, delete, replace). */
  readonly attribute?: string;
  readonly action: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly gap?: EmulatorGap;
}

/** Every change in a `terraform show -json` plan, each attribute of an update apart, matched to the gaps. */
export function driftOf(plan: Json, gaps: readonly EmulatorGap[] = EMULATOR_GAPS): Drift[] {
  const drifts: Drift[] = [];
  for (const change of plan.resource_changes ?? []) {
    const actions: string[] = change.change.actions;
    if (actions.every((action) => action === 'no-op' || action === 'read')) continue;
    const { address, type } = change;
    if (!(actions.length === 1 && actions[0] === 'update')) {
      drifts.push({ address, type, action: actions.join('/') });
      continue;
    }
    const before = change.change.before ?? {};
    const after = change.change.after ?? {};
    const unknown = change.change.after_unknown ?? {};
    for (const attribute of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!unknown[attribute] && JSON.stringify(before[attribute]) === JSON.stringify(after[attribute])) continue;
      const gap = gaps.find((g) => g.type === type && g.attribute === attribute);
      drifts.push({
        address,
        type,
        attribute,
        action: 'update',
        before: before[attribute],
        after: after[attribute],
        gap,
      });
    }
  }
  return drifts;
}

/** A diff that is not an emulator gap, explained for someone who has not seen this project before. */
export function explain(drift: Drift): string {
  if (!drift.attribute) {
    return (
      `${drift.address} would be ${drift.action === 'create' ? 'created' : drift.action === 'delete' ? 'destroyed' : 'replaced'} ` +
      'by the next `cdktf deploy`, right after a deploy that should have left nothing to do.'
    );
  }
  return (
    `${drift.address}: ${drift.attribute} would change on the next \`cdktf deploy\` ` +
    `(${short(drift.before)} -> ${short(drift.after)}). Something outside Terraform set it (a deployment, an ` +
    "operator or autoscaling, simulated above) and Terraform would undo it: add it to the resource's " +
    `lifecycle.ignore_changes, or fix the stack if AWS would show this diff too.`
  );
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Removes one attribute from every resource of a type's ignore_changes: the self-test's broken stack. */
export function withoutIgnore(json: Json, type: string, attribute: string): Json {
  const copy: Json = structuredClone(json);
  for (const config of Object.values<Json>(copy.resource?.[type] ?? {})) {
    const ignored: string[] | undefined = config.lifecycle?.ignore_changes;
    if (Array.isArray(ignored)) config.lifecycle.ignore_changes = ignored.filter((name) => name !== attribute);
  }
  return copy;
}
