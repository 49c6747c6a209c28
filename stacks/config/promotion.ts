import { closest } from './aws-rules';
import { PROMOTION } from './schema';

/**
 * Build once, promote: an environment whose `pipeline.source` is `{ provider: 'Promotion', from }`
 * deploys the image, by digest, that its upstream built and deployed. Both sides derive every name
 * and ARN they grant to from the shared config (never from the other stack's state), so either
 * stack can be created, destroyed and re-created on its own.
 */

/** What one environment knows of another: enough to derive its names and ARNs (resourceNames). */
export interface PeerEnvironment {
  readonly name: string;
  readonly app: string;
  readonly accountId: string;
  readonly region: string;
}

export interface Promotions {
  /** The environment this one promotes from; absent when it builds its own images. */
  readonly from?: PeerEnvironment;
  /** A manual approval before a promoted image deploys. */
  readonly approval: boolean;
  /** The environments that promote from this one, by name. */
  readonly to: readonly PeerEnvironment[];
}

/** The fields of a validated environment the promotion rules read. */
interface PromotionFields extends PeerEnvironment {
  readonly retired: boolean;
  readonly container: { readonly name: string; readonly architecture: string };
  readonly pipeline: {
    readonly source: { readonly provider: string; readonly from?: string; readonly approval?: boolean };
  };
}

const peer = ({ name, app, accountId, region }: PeerEnvironment): PeerEnvironment => ({ name, app, accountId, region });

/**
 * Checks the promotions between the valid environments and resolves each one's upstream and
 * downstreams. `allNames` are every configured name (valid or not), so an upstream that failed its
 * own validation is not reported a second time as missing. Problems name environment, field and fix.
 */
export function resolvePromotions<T extends PromotionFields>(
  configs: readonly T[],
  allNames: readonly string[],
  problems: string[],
): (T & { readonly promotion: Promotions })[] {
  const byName = new Map(configs.map((config) => [config.name, config]));
  const upstreamOf = (config: T) =>
    config.pipeline.source.provider === PROMOTION ? config.pipeline.source.from : undefined;

  for (const config of configs) {
    const from = upstreamOf(config);
    if (from === undefined) continue;
    const at = `environment "${config.name}": pipeline.source.from`;
    const upstream = byName.get(from);
    if (!upstream) {
      if (allNames.includes(from)) continue; // its own problems are listed already
      const others = allNames.filter((name) => name !== config.name);
      const guess = closest(from, others);
      const fix = guess
        ? `did you mean "${guess}"?`
        : others.length > 0
          ? `use one of ${others.join(', ')}`
          : `configure "${from}" in stacks/config/environments.ts, or give ${config.name} a repository source`;
      problems.push(`${at}: "${from}" is not a configured environment. Fix: ${fix}`);
      continue;
    }
    problems.push(...upstreamProblems(config, upstream));
  }
  for (const cycle of promotionCycles(configs, upstreamOf)) {
    problems.push(
      `environment "${cycle[0]}": pipeline.source.from: promotions form a cycle (${[...cycle, cycle[0]].join(' -> ')}), so no environment of it ever builds an image. Fix: give one of them a repository source`,
    );
  }

  return configs.map((config) => {
    const from = upstreamOf(config);
    const upstream = from === undefined ? undefined : byName.get(from);
    return {
      ...config,
      promotion: {
        ...(upstream ? { from: peer(upstream) } : {}),
        approval: from !== undefined && config.pipeline.source.approval !== false,
        to: configs.filter((other) => upstreamOf(other) === config.name).map(peer),
      },
    };
  });
}

/** An upstream must keep deploying, in the same region, the same container on the same architecture. */
function upstreamProblems(config: PromotionFields, upstream: PromotionFields): string[] {
  const problems: string[] = [];
  const from = upstream.name;
  const at = `environment "${config.name}": pipeline.source.from`;
  if (upstream.retired) {
    problems.push(
      `${at}: "${from}" is retired, so it will stop deploying what ${config.name} promotes. Fix: promote from another environment, or set pipeline.source back to a repository`,
    );
  }
  if (upstream.region !== config.region) {
    problems.push(
      `${at}: "${from}" is in ${upstream.region}, ${config.name} in ${config.region}; promotion across regions is not supported (the copy and the pipeline start are regional). Fix: promote from an environment in ${config.region}`,
    );
  }
  if (upstream.container.name !== config.container.name) {
    problems.push(
      `environment "${config.name}": container.name: is "${config.container.name}", but "${from}" deploys container "${upstream.container.name}": the promoted image would be set on the wrong container. Fix: use the same container name in both`,
    );
  }
  if (upstream.container.architecture !== config.container.architecture) {
    problems.push(
      `environment "${config.name}": container.architecture: is ${config.container.architecture}, but "${from}" builds ${upstream.container.architecture} images, which would not start here. Fix: use the same architecture in both`,
    );
  }
  return problems;
}

/** Each cycle of "promotes from" once, starting at its first environment in config order. */
function promotionCycles<T extends PeerEnvironment>(
  configs: readonly T[],
  upstreamOf: (config: T) => string | undefined,
): string[][] {
  const byName = new Map(configs.map((config) => [config.name, config]));
  const reported = new Set<string>();
  const cycles: string[][] = [];
  for (const start of configs) {
    const chain: string[] = [];
    let current: T | undefined = start;
    while (current && !chain.includes(current.name) && !reported.has(current.name)) {
      chain.push(current.name);
      const from = upstreamOf(current);
      current = from === undefined ? undefined : byName.get(from);
    }
    if (current && chain.includes(current.name)) {
      const cycle = chain.slice(chain.indexOf(current.name));
      cycle.forEach((name) => reported.add(name));
      cycles.push(cycle);
    }
  }
  return cycles;
}
