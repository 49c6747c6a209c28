/**
 * `npm run cost [env...]`: the always-on monthly cost of each environment, itemized, from the dated
 * price table in stacks/cost/prices.json; the cheaper alternatives the config allows; and the
 * per-unit prices of what traffic adds. Markdown, so the README can show it as printed.
 */
import { environments } from '../stacks/config/environments';
import { ConfigError, loadEnvironments } from '../stacks/config/load';
import { alternatives, estimate, pricesFor, type Estimate } from '../stacks/cost/estimate';

const usd = (amount: number) => `${amount < 0 ? '-' : ''}$${Math.abs(amount).toFixed(2)}`;
/** Unit prices keep their precision: $0.045 per GB is not $0.05. */
const unitPrice = (amount: number) => `$${amount}`;

function table(result: Estimate): string {
  const rows = result.lines.map((line) => `| ${line.item} | ${line.detail} | ${usd(line.monthly)} |`);
  return [
    '| item | detail | per month |',
    '| --- | --- | ---: |',
    ...rows,
    `| **total** | | **${usd(result.total)}** |`,
  ].join('\n');
}

/** What an idle estimate leaves out: it grows with use, and the table has no price for it. */
export const NOT_INCLUDED =
  'Container Insights metrics, CloudWatch Logs and VPC flow-log ingestion, CodePipeline and CodeBuild minutes, ' +
  'data transfer, and NAT data and load balancer capacity (LCUs) under load';

export function costReport(selected: readonly string[] = []): string {
  const configs = loadEnvironments(environments, selected);
  const sections = configs.map((config) => {
    const result = estimate(config);
    const { table: prices } = pricesFor(config.region);
    const pricedAs =
      result.pricedAs === config.region
        ? `${prices.region} list prices of ${prices.date}`
        : `${prices.region} list prices of ${prices.date}: the table has no ${config.region} prices yet; expect them to differ by region`;
    const cheaper = alternatives(config).map(
      ({ change, estimate: other }) => `- ${change}: ${usd(other.total)} (${usd(other.total - result.total)})`,
    );
    return [
      `### ${config.name} (${config.region})`,
      '',
      `Always-on cost, ${pricedAs}.`,
      '',
      table(result),
      '',
      `Not included: ${NOT_INCLUDED}.`,
      ...(cheaper.length > 0 ? ['', 'Cheaper with:', ...cheaper] : []),
    ].join('\n');
  });
  const { table: prices } = pricesFor(configs[0]?.region ?? 'us-east-1');
  const perUnit = prices.perUnit.map((p) => `- ${p.item}: ${unitPrice(p.price)} per ${p.unit}`);
  return [...sections, ['### What traffic adds', '', ...perUnit].join('\n')].join('\n\n');
}

/** One row per environment for the README's first screen: the idle monthly total and its biggest items. */
export function costSummary(): string {
  const rows = loadEnvironments(environments).map((config) => {
    const result = estimate(config);
    const top = [...result.lines]
      .sort((a, b) => b.monthly - a.monthly)
      .slice(0, 2)
      .map((line) => line.item);
    const priced = result.pricedAs === config.region ? '' : ` (${result.pricedAs} prices)`;
    return `| ${config.name} | ${config.region}${priced} | ${usd(result.total)} | ${top.join(', ')} |`;
  });
  return ['| environment | region | idle, per month | mostly |', '| --- | --- | ---: | --- |', ...rows].join('\n');
}

if (require.main === module) {
  try {
    console.log(costReport(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
