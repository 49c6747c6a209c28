import { VARIANTS } from '../.ci/variants';
import { estimate, pricesFor } from '../stacks/cost/estimate';
import PRICES from '../stacks/cost/prices.json';
import { shipped, synthesize, type Json, type Synthesized } from './support/synth';

// The estimate must price what the stack creates: each count below is read from the synthesized JSON.
const table = PRICES['us-east-1'];
const HOURS = table.hoursPerMonth;

function line(stack: Synthesized, item: string): number {
  const found = estimate(stack.config).lines.find((l) => l.item.startsWith(item));
  if (!found) throw new Error(`no "${item}" line for ${stack.config.name}`);
  return found.monthly;
}
const count = (stack: Synthesized, type: string) => Object.keys(stack.resources(type)).length;

describe.each([
  ['dev', synthesize(shipped('dev'))],
  ['prod', synthesize(shipped('prod'))],
  ['devextra', synthesize(VARIANTS.find((variant) => variant.name === 'devextra')!)],
])('%s cost estimate', (_name, stack) => {
  it('prices every NAT gateway and public IPv4 address the stack creates', () => {
    expect(line(stack, 'NAT gateways')).toBeCloseTo(count(stack, 'aws_nat_gateway') * table.hourly.natGateway * HOURS);
    const albAddresses = stack.resource('aws_lb').config.subnets.length;
    expect(line(stack, 'Public IPv4')).toBeCloseTo(
      (count(stack, 'aws_eip') + albAddresses) * table.hourly.publicIpv4Address * HOURS,
    );
  });

  it('prices the synthesized task size, count and architecture', () => {
    const task = stack.resource('aws_ecs_task_definition').config;
    const arch = task.runtime_platform.cpu_architecture === 'ARM64' ? 'arm64' : 'x86_64';
    const perHour =
      (Number(task.cpu) / 1024) * table.hourly.fargateVcpu[arch] +
      (Number(task.memory) / 1024) * table.hourly.fargateGb[arch];
    const tasks = stack.resource('aws_ecs_service').config.desired_count;
    expect(line(stack, 'Fargate')).toBeCloseTo(tasks * perHour * HOURS);
  });

  it('prices every alarm and interface endpoint AZ', () => {
    expect(line(stack, 'CloudWatch alarms')).toBeCloseTo(
      count(stack, 'aws_cloudwatch_metric_alarm') * table.monthly.standardAlarm,
    );
    const endpointAzs = (Object.values(stack.resources('aws_vpc_endpoint')) as Json[])
      .filter((e) => e.vpc_endpoint_type === 'Interface')
      .reduce((sum, e) => sum + e.subnet_ids.length, 0);
    const priced = estimate(stack.config).lines.find((l) => l.item === 'Interface endpoints')?.monthly ?? 0;
    expect(priced).toBeCloseTo(endpointAzs * table.hourly.interfaceEndpointPerAz * HOURS);
  });
});

describe('price tables', () => {
  it('say where a region without its own table is priced from', () => {
    expect(pricesFor('eu-central-1').region).toBe('us-east-1');
    expect(pricesFor('us-east-1').region).toBe('us-east-1');
  });

  it('carry a date and a source for every price group', () => {
    expect(table.date).toMatch(/^\d{4}-\d{2}$/);
    for (const group of ['fargate', 'natGateway', 'loadBalancer', 'interfaceEndpoint', 'kms', 'alarms']) {
      expect(table.sources[group as keyof typeof table.sources]).toMatch(/^https:\/\//);
    }
  });
});
