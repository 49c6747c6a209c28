/**
 * The reviewed list of every environment's Terraform resource addresses (tools/addresses/<env>.txt).
 * A changed address makes Terraform destroy one resource and create another, so a test fails until
 * the change is deliberate: `npm run addresses` rewrites the lists, and the diff is reviewed with
 * the `moved` blocks that keep deployed resources (see docs/development.md, "Resource addresses").
 * Usage: tsx tools/addresses.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { environments } from '../stacks/config/environments';
import { loadEnvironments } from '../stacks/config/load';
import { EnvironmentStack } from '../stacks/environment-stack';
import { VARIANTS } from '../.ci/variants';

export const ADDRESSES_DIR = join(__dirname, 'addresses');

/** `type.name` of every resource and data source (`data.type.name`) in a synthesized stack, sorted. */
export function addressesOf(synthesized: {
  resource?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, unknown>>;
}): string[] {
  const list = (blocks: Record<string, Record<string, unknown>> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) =>
      Object.keys(byName).map((name) => `${prefix}${type}.${name}`),
    );
  return [...list(synthesized.resource, ''), ...list(synthesized.data, 'data.')].sort();
}

/** Environment name -> its addresses as synthesized now (shipped environments and CI variants). */
export function currentAddresses(): Map<string, string[]> {
  const app: App = Testing.app();
  const result = new Map<string, string[]>();
  for (const config of loadEnvironments([...environments, ...VARIANTS])) {
    const stack = new EnvironmentStack(app, { config });
    result.set(config.name, addressesOf(JSON.parse(Testing.synth(stack))));
  }
  return result;
}

export const manifestPath = (environment: string) => join(ADDRESSES_DIR, `${environment}.txt`);

export function readManifest(environment: string): string[] {
  return readFileSync(manifestPath(environment), 'utf8').split('\n').filter(Boolean);
}

if (require.main === module) {
  for (const [environment, addresses] of currentAddresses()) {
    writeFileSync(manifestPath(environment), `${addresses.join('\n')}\n`);
    console.log(`tools/addresses/${environment}.txt: ${addresses.length} addresses`);
  }
}
