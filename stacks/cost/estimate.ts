import type { EnvironmentConfig } from '../config/schema';
import PRICES from './prices.json';

export type PriceTable = (typeof PRICES)['us-east-1'];

/** Alarms BlueGreenDeployment creates: 5xx and unhealthy hosts per target group, 5xx on the ALB. */
export const DEPLOYMENT_ALARMS = 5;

export interface CostLine {
  readonly item: string;
  readonly detail: string;
  readonly monthly: number;
}

export interface Estimate {
  readonly environment: string;
  /** The region whose prices were used: the configured one when the table has it. */
  readonly pricedAs: string;
  readonly lines: readonly CostLine[];
  readonly total: number;
}

/** The price table for a region, or us-east-1's (said so in the estimate) when the table has none. */
export function pricesFor(region: string): { region: string; table: PriceTable } {
  const tables = PRICES as Record<string, PriceTable>;
  return tables[region] ? { region, table: tables[region] } : { region: 'us-east-1', table: tables['us-east-1'] };
}

/** The always-on monthly cost of one environment: what it costs idle, before any traffic. */
export function estimate(config: EnvironmentConfig): Estimate {
  const { region, table } = pricesFor(config.region);
  const hours = table.hoursPerMonth;
  const { network, container, service } = config;
  const natGateways = network.natGateways === 'single' ? 1 : network.azCount;
  // An internet-facing ALB has a public IPv4 address in each of its subnets (one per AZ).
  const publicAddresses = natGateways + network.azCount;
  const vcpu = container.cpu / 1024;
  const gb = container.memory / 1024;
  const arch = container.architecture;
  const taskHour = vcpu * table.hourly.fargateVcpu[arch] + gb * table.hourly.fargateGb[arch];
  const endpointAzs = network.interfaceEndpoints.length * network.azCount;
  const lines: CostLine[] = [
    {
      item: 'NAT gateways',
      detail: `${natGateways} x ${hours} h`,
      monthly: natGateways * table.hourly.natGateway * hours,
    },
    {
      item: 'Public IPv4 addresses',
      detail: `${natGateways} NAT + ${network.azCount} ALB`,
      monthly: publicAddresses * table.hourly.publicIpv4Address * hours,
    },
    {
      item: 'Application Load Balancer',
      detail: `1 x ${hours} h`,
      monthly: table.hourly.applicationLoadBalancer * hours,
    },
    {
      item: `Fargate (${arch})`,
      detail: `${service.desiredCount} task(s) x ${vcpu} vCPU / ${gb} GB`,
      monthly: service.desiredCount * taskHour * hours,
    },
    { item: 'KMS key', detail: '1 customer managed key', monthly: table.monthly.kmsKey },
    {
      item: 'CloudWatch alarms',
      detail: `${DEPLOYMENT_ALARMS} standard`,
      monthly: DEPLOYMENT_ALARMS * table.monthly.standardAlarm,
    },
    ...(endpointAzs > 0
      ? [
          {
            item: 'Interface endpoints',
            detail: `${network.interfaceEndpoints.join(', ')} x ${network.azCount} AZ`,
            monthly: endpointAzs * table.hourly.interfaceEndpointPerAz * hours,
          },
        ]
      : []),
  ];
  return {
    environment: config.name,
    pricedAs: region,
    lines,
    total: lines.reduce((sum, line) => sum + line.monthly, 0),
  };
}

/** The cheaper variants the config allows, each with its estimate. */
export function alternatives(config: EnvironmentConfig): { change: string; estimate: Estimate }[] {
  const variants: { change: string; config: EnvironmentConfig }[] = [];
  if (config.network.natGateways === 'one-per-az') {
    variants.push({
      change: 'network.natGateways: "single" (loses egress when its AZ fails)',
      config: { ...config, network: { ...config.network, natGateways: 'single' } },
    });
  }
  if (config.container.architecture === 'x86_64') {
    variants.push({
      change: 'container.architecture: "arm64" (the image must build for arm64)',
      config: { ...config, container: { ...config.container, architecture: 'arm64' } },
    });
  }
  return variants.map((variant) => ({ change: variant.change, estimate: estimate(variant.config) }));
}
