/**
 * The work copy of a synthesized stack that Terraform can validate, plan and (with a mocked
 * provider) apply offline. It differs from cdk.tf.json only where an offline run needs it, and
 * every difference is returned as a sentence so the runner can print it.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/**
 * Attributes the stacks may set that need a newer AWS provider than a mirror may have. When the
 * provider used for the offline plan is older than `since`, the attribute is removed from the work
 * copy (and the removal printed); the binding's types and the synth tests cover it instead.
 * Keep this the only such list. Only the ECS engine sets any of them (staging): ECS-native
 * blue/green arrived in provider 6.4.0 (CHANGELOG: "resource/aws_ecs_service: Add
 * deployment_configuration ... and load_balancer.advanced_configuration").
 */
export const NEWER_PROVIDER_ATTRIBUTES: readonly NewerAttribute[] = [
  // strategy, bake_time_in_minutes, lifecycle_hook, canary_configuration, linear_configuration
  { type: 'aws_ecs_service', attribute: 'deployment_configuration', since: '6.4.0' },
  // alternate_target_group_arn, production_listener_rule, test_listener_rule, role_arn
  { type: 'aws_ecs_service', attribute: 'load_balancer.advanced_configuration', since: '6.4.0' },
];

export interface NewerAttribute {
  /** Terraform resource type, e.g. "aws_ecs_service". */
  readonly type: string;
  /** Attribute or block, dotted for nested blocks: e.g. "deployment_configuration", "load_balancer.advanced_configuration". */
  readonly attribute: string;
  /** First provider version that has it, e.g. "6.4.0". */
  readonly since: string;
}

export interface WorkCopyOptions {
  /** The AWS provider version Terraform will use: the mirror's, or the pinned one when downloading. */
  readonly providerVersion: string;
  /** Availability zone names that replace the aws_availability_zones data source. */
  readonly zoneNames: (region: string) => string[];
  readonly newerAttributes?: readonly NewerAttribute[];
}

export interface WorkCopy {
  /** main.tf.json of the work copy. */
  readonly json: Json;
  /** tests/offline.tftest.hcl: a run that applies the work copy against a mocked AWS provider. */
  readonly mockApplyTest: string;
  /** One sentence per difference from the synthesized stack. */
  readonly differences: string[];
  /** Output name -> file name, for the deployment files the archive would have zipped. */
  readonly archivedFiles: { output: string; filename: string }[];
  /** Resources the stack declares (the plan must create exactly these). */
  readonly declaredResources: number;
  /** The version the stack pins. */
  readonly pinnedVersion: string;
}

/** Credentials that cannot reach AWS, and the provider flags that stop it from trying. */
const OFFLINE_PROVIDER_SETTINGS = {
  access_key: 'offline-plan-placeholder',
  secret_key: 'offline-plan-placeholder',
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
};

/** Values for the mocked apply, shaped so the provider's own validators accept them. */
const MOCK_PUBLIC_IP = '198.51.100.10'; // TEST-NET-2 (RFC 5737): documentation only

export function buildWorkCopy(synthesized: Json, options: WorkCopyOptions): WorkCopy {
  const json: Json = structuredClone(synthesized);
  const differences: string[] = [];
  const declaredResources = Object.values(json.resource ?? {}).reduce(
    (sum: number, byName: Json) => sum + Object.keys(byName).length,
    0,
  );

  const pinnedVersion: string = json.terraform.required_providers.aws.version;
  json.terraform.required_providers.aws = { source: 'hashicorp/aws', version: options.providerVersion };
  if (pinnedVersion !== options.providerVersion) {
    differences.push(`provider aws: planned with aws ${options.providerVersion}, stacks pin ${pinnedVersion}`);
  }

  const backend = Object.keys(json.terraform.backend ?? {})[0];
  json.terraform.backend = { local: { path: 'terraform.tfstate' } };
  differences.push(`backend: ${backend ?? 'none'} -> local state inside the work directory`);

  const region = configureProvider(json, differences);
  const locals: Record<string, Json> = {};
  const outputs: Record<string, Json> = {};
  const archivedFiles: WorkCopy['archivedFiles'] = [];
  let text = JSON.stringify(json);

  const zones = json.data?.aws_availability_zones ?? {};
  for (const name of Object.keys(zones)) {
    const fixed = options.zoneNames(region);
    locals[`offline_${name}_names`] = fixed;
    text = replaceReferences(text, `data.aws_availability_zones.${name}`, { names: `local.offline_${name}_names` });
    differences.push(
      `data.aws_availability_zones.${name}: fixed zone names ${fixed.join(', ')} (the data source calls AWS)`,
    );
  }

  const archives = json.data?.archive_file ?? {};
  for (const [name, archive] of Object.entries<Json>(archives)) {
    const files = `offline_${name}_files`;
    locals[files] = Object.fromEntries(archive.source.map((entry: Json) => [entry.filename, entry.content]));
    archive.source.forEach((entry: Json, index: number) => {
      const output = `offline_${name}_${index}`;
      outputs[output] = { value: `\${local.${files}["${entry.filename}"]}` };
      archivedFiles.push({ output, filename: entry.filename });
    });
    // The path is configuration; the hash follows the evaluated contents, as the zip's would.
    text = replaceReferences(text, `data.archive_file.${name}`, {
      output_path: { literal: archive.output_path },
      output_base64sha256: `base64sha256(jsonencode(local.${files}))`,
    });
    differences.push(
      `data.archive_file.${name}: contents evaluated as locals (hashicorp/archive is not in the mirror); ` +
        `output_path stays "${archive.output_path}", output_base64sha256 hashes the evaluated files`,
    );
  }

  const workCopy = JSON.parse(text);
  if (workCopy.data) {
    delete workCopy.data.aws_availability_zones;
    delete workCopy.data.archive_file;
    const others = Object.keys(workCopy.data);
    if (others.length > 0)
      throw new Error(
        `data sources with no offline replacement: ${others.join(', ')}. Add one in tools/plan-offline/work-copy.ts`,
      );
    delete workCopy.data;
  }
  if (workCopy.provider?.archive) {
    delete workCopy.provider.archive;
    delete workCopy.terraform.required_providers.archive;
  }
  workCopy.locals = { ...(workCopy.locals ?? {}), ...locals };
  workCopy.output = { ...(workCopy.output ?? {}), ...outputs };

  stripNewerAttributes(workCopy, options, differences);
  return {
    json: workCopy,
    mockApplyTest: mockApplyTest(workCopy, region),
    differences,
    archivedFiles,
    declaredResources,
    pinnedVersion,
  };
}

/** Placeholder credentials and skip flags; no allowed_account_ids (the placeholder account is not ours). */
function configureProvider(json: Json, differences: string[]): string {
  const providers: Json[] = json.provider?.aws ?? [];
  if (providers.length !== 1) throw new Error(`expected one aws provider block, found ${providers.length}`);
  const provider = providers[0];
  if (provider.allowed_account_ids) {
    delete provider.allowed_account_ids;
    differences.push('provider aws: no allowed_account_ids (nothing is applied to any account)');
  }
  Object.assign(provider, OFFLINE_PROVIDER_SETTINGS);
  differences.push(
    'provider aws: placeholder credentials, skip_credentials_validation, skip_requesting_account_id, skip_metadata_api_check',
  );
  return provider.region;
}

type Replacement = string | { literal: string };

/**
 * Rewrites references to one data source inside Terraform template strings. Every attribute
 * the stack reads must have a replacement, so a new reference cannot slip through unplanned.
 */
function replaceReferences(text: string, address: string, attributes: Record<string, Replacement>): string {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const whole = new RegExp(`\\$\\{${escaped}\\.(\\w+)\\}`, 'g');
  const inner = new RegExp(`${escaped}\\.(\\w+)`, 'g');
  const replacement = (attribute: string) => {
    const value = attributes[attribute];
    if (value === undefined)
      throw new Error(`${address}.${attribute} has no offline replacement. Add one in tools/plan-offline/work-copy.ts`);
    return value;
  };
  // A reference that is a whole string may become a literal; one inside an expression stays an expression.
  return text
    .replace(whole, (_match, attribute: string) => {
      const value = replacement(attribute);
      return typeof value === 'string' ? `\${${value}}` : value.literal;
    })
    .replace(inner, (_match, attribute: string) => {
      const value = replacement(attribute);
      if (typeof value !== 'string')
        throw new Error(`${address}.${attribute} is used inside an expression; it needs an expression replacement`);
      return value;
    });
}

function stripNewerAttributes(json: Json, options: WorkCopyOptions, differences: string[]): void {
  for (const { type, attribute, since } of options.newerAttributes ?? NEWER_PROVIDER_ATTRIBUTES) {
    if (compareVersions(options.providerVersion, since) >= 0) continue;
    for (const [name, config] of Object.entries<Json>(json.resource?.[type] ?? {})) {
      if (!deletePath(config, attribute.split('.'))) continue;
      differences.push(
        `${type}.${name}: ${attribute} stripped (needs aws >= ${since}; covered by the binding's types and synth tests)`,
      );
    }
  }
}

/** Deletes a dotted path, through blocks given as objects or lists; true when something was deleted. */
function deletePath(block: Json, path: string[]): boolean {
  if (block === null || typeof block !== 'object') return false;
  if (Array.isArray(block)) return block.map((item) => deletePath(item, path)).some(Boolean);
  const [head, ...rest] = path;
  if (!(head in block)) return false;
  if (rest.length === 0) {
    delete block[head];
    return true;
  }
  return deletePath(block[head], rest);
}

export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const difference = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * A `terraform test` file that applies the work copy with a mocked AWS provider: Terraform
 * evaluates every expression (policies that interpolate ARNs are unknown in a plan), and the
 * real provider's schema and validators still check each value. Attributes the stack reads from
 * other resources get values of the right shape; the rest are Terraform's random strings.
 */
function mockApplyTest(json: Json, region: string): string {
  const read = new Map<string, Set<string>>();
  for (const [, type, attribute] of JSON.stringify(json).matchAll(/\b(aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+\.([a-z_]+)/g)) {
    if (!json.resource?.[type]) continue;
    read.set(type, (read.get(type) ?? new Set()).add(attribute));
  }
  const blocks = [...read.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, attributes]) => {
      const defaults: Record<string, string> = {};
      if (attributes.has('arn')) defaults.arn = `arn:aws:${type.split('_')[1]}:${region}:123456789012:mock/${type}`;
      if (attributes.has('public_ip')) defaults.public_ip = MOCK_PUBLIC_IP;
      return { type, defaults };
    })
    .filter(({ defaults }) => Object.keys(defaults).length > 0)
    .map(({ type, defaults }) => {
      const values = Object.entries(defaults).map(([key, value]) => `      ${key} = ${JSON.stringify(value)}`);
      return `  mock_resource "${type}" {\n    defaults = {\n${values.join('\n')}\n    }\n  }`;
    });
  return `# Generated by tools/plan-offline.ts: an apply with no AWS behind it.\nmock_provider "aws" {\n${blocks.join('\n')}\n}\n\nrun "mock_apply" {\n  command = apply\n}\n`;
}
