/**
 * The emulated copy of a stack: the offline plan's work copy (buildWorkCopy), changed only where an
 * apply to the local emulator needs it. Every change is returned as a sentence, printed by the runner.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/**
 * Resource types the emulator has no API for. They are left out, with every resource and output that
 * refers to them, and each exclusion is printed. moto has no CodeConnections service
 * (https://github.com/getmoto/moto/blob/5.2.1/IMPLEMENTATION_COVERAGE.md has no codeconnections or
 * codestar-connections section).
 */
export const UNSUPPORTED_TYPES = ['aws_codestarconnections_connection'] as const;

export interface EmulatedCopy {
  readonly json: Json;
  readonly differences: string[];
  /** Addresses left out, the unsupported ones and what depends on them. */
  readonly excluded: string[];
}

export function emulatedCopy(workCopy: Json, unsupported: readonly string[] = UNSUPPORTED_TYPES): EmulatedCopy {
  const json: Json = structuredClone(workCopy);
  const differences: string[] = [];
  const [provider] = json.provider.aws;
  // The provider asks the emulator's STS who it is (the environment's account), as it would ask AWS.
  delete provider.skip_credentials_validation;
  delete provider.skip_requesting_account_id;
  provider.max_retries = 2;
  provider.s3_use_path_style = true;
  differences.push(
    'provider aws: credentials validated and the account read from the emulator; max_retries 2 (an API the ' +
      'emulator lacks would otherwise be retried for minutes); path-style S3 addressing (127.0.0.1 has no bucket subdomains)',
  );
  uploadEvaluatedFiles(json, differences);
  const excluded = excludeUnsupported(json, unsupported);
  for (const address of excluded)
    differences.push(`${address}: left out (the emulator has no API for it or for what it needs)`);
  return { json, differences, excluded };
}

/**
 * The work copy evaluates the deployment files as locals instead of zipping them (hashicorp/archive is
 * not in the mirror): the object the apply uploads is their JSON, with the same source_hash.
 */
function uploadEvaluatedFiles(json: Json, differences: string[]): void {
  const archives: Record<string, string> = {};
  for (const name of Object.keys(json.locals ?? {})) {
    const match = /^offline_(.+)_files$/.exec(name);
    if (match) archives[name] = match[1];
  }
  for (const [name, object] of Object.entries<Json>(json.resource?.aws_s3_object ?? {})) {
    const hash = String(object.source_hash ?? '');
    const files = Object.keys(archives).find((local) => hash.includes(`local.${local}`));
    if (!files || object.source === undefined) continue;
    delete object.source;
    object.content = `\${jsonencode(local.${files})}`;
    differences.push(`aws_s3_object.${name}: uploads the evaluated deployment files as JSON instead of their zip`);
  }
}

/** Removes resources of the given types, everything that refers to them (transitively), and their outputs. */
export function excludeUnsupported(json: Json, types: readonly string[]): string[] {
  const removed = new Set<string>();
  for (const type of types) for (const name of Object.keys(json.resource?.[type] ?? {})) removed.add(`${type}.${name}`);
  if (removed.size === 0) return [];
  for (let grew = true; grew;) {
    grew = false;
    for (const [type, byName] of Object.entries<Json>(json.resource ?? {})) {
      for (const [name, config] of Object.entries<Json>(byName)) {
        const address = `${type}.${name}`;
        if (removed.has(address) || !refersTo(config, removed)) continue;
        removed.add(address);
        grew = true;
      }
    }
  }
  for (const address of removed) {
    const [type, name] = address.split('.');
    delete json.resource[type][name];
    if (Object.keys(json.resource[type]).length === 0) delete json.resource[type];
  }
  for (const [name, output] of Object.entries<Json>(json.output ?? {})) {
    if (refersTo(output, removed)) delete json.output[name];
  }
  return [...removed].sort();
}

function refersTo(config: Json, addresses: ReadonlySet<string>): boolean {
  const text = JSON.stringify(config);
  return [...addresses].some((address) => text.includes(`${address}.`) || text.includes(`"${address}"`));
}

/** What an HTTPS stack expects to exist: its certificate and (optionally) its Route 53 zone, as configured. */
export function expectedToExist(json: Json): { certificateArn?: string; hostedZoneId?: string; domain?: string } {
  const listeners = Object.values<Json>(json.resource?.aws_lb_listener ?? {});
  const certificateArn = listeners
    .map((l) => l.certificate_arn)
    .find((arn) => typeof arn === 'string' && !arn.includes('${'));
  const [record] = Object.values<Json>(json.resource?.aws_route53_record ?? {});
  return {
    certificateArn,
    hostedZoneId: record && !String(record.zone_id).includes('${') ? record.zone_id : undefined,
    domain: record?.name,
  };
}

/** The copy with each configured identifier replaced by the emulator's own. */
export function substitute(json: Json, replacements: Readonly<Record<string, string>>): Json {
  let text = JSON.stringify(json);
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
  return JSON.parse(text);
}

/**
 * What the README tells a user to apply before destroying an environment that protects its data:
 * `allowDestroyWithData: true` (force_destroy / force_delete in state before destroy runs) and
 * `loadBalancer.deletionProtection: false`. Empty when the stack needs none of it (dev).
 */
export function allowDestroy(json: Json): { json: Json; changes: string[] } {
  const copy: Json = structuredClone(json);
  const changes: string[] = [];
  const set = (type: string, attribute: string, value: boolean) => {
    for (const [name, config] of Object.entries<Json>(copy.resource?.[type] ?? {})) {
      if (config[attribute] === value) continue;
      config[attribute] = value;
      changes.push(`${type}.${name}: ${attribute} = ${value}`);
    }
  };
  set('aws_s3_bucket', 'force_destroy', true);
  set('aws_ecr_repository', 'force_delete', true);
  set('aws_lb', 'enable_deletion_protection', false);
  return { json: copy, changes };
}
