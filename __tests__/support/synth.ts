import { App, Testing } from 'cdktf';
import { environments } from '../../stacks/config/environments';
import { loadEnvironments } from '../../stacks/config/load';
import type { EnvironmentConfig, EnvironmentInput } from '../../stacks/config/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

/** A synthesized stack's Terraform JSON with lookups that fail with readable messages. */
export class Synthesized {
  constructor(
    readonly config: EnvironmentConfig,
    readonly json: Json,
  ) {}

  /** All resources of a type, by Terraform name. */
  resources(type: string): Record<string, Json> {
    return this.json.resource?.[type] ?? {};
  }

  /** The one resource of a type whose config matches `where` (or the only one). */
  resource(
    type: string,
    where: (config: Json) => boolean = () => true,
  ): { name: string; config: Json; ref: (attr: string) => string } {
    const matches = Object.entries(this.resources(type)).filter(([, config]) => where(config));
    if (matches.length !== 1) {
      throw new Error(
        `expected exactly one ${type} matching the filter in stack "${this.config.name}", found ${matches.length}`,
      );
    }
    const [name, config] = matches[0];
    return { name, config, ref: (attr: string) => `\${${type}.${name}.${attr}}` };
  }

  get outputs(): Record<string, Json> {
    return this.json.output ?? {};
  }

  /** References (`${aws_subnet.<name>.id}`) to the subnets tagged with a tier, in AZ order. */
  subnetRefs(tier: 'public' | 'private'): string[] {
    return Object.entries(this.resources('aws_subnet'))
      .filter(([, subnet]) => subnet.tags.Tier === tier)
      .map(([name]) => `\${aws_subnet.${name}.id}`);
  }

  /** Ingress or egress rules attached to a security group (by its reference). */
  rulesOf(group: { ref: (attr: string) => string }, direction: 'ingress' | 'egress'): Json[] {
    return Object.values(this.resources(`aws_vpc_security_group_${direction}_rule`)).filter(
      (rule: Json) => rule.security_group_id === group.ref('id'),
    );
  }

  /** A file of the deployment-files zip (appspec.yaml, taskdef.json) as synthesized, through the S3 object's source. */
  deploymentFile(name: string): string {
    const object = this.resource('aws_s3_object').config; // one object: the deployment files
    const archive = this.resolve(object.source);
    if (archive.type !== 'data.archive_file') throw new Error(`the S3 object's source is ${object.source}`);
    const file = archive.config.source.find((entry: Json) => entry.filename === name);
    if (!file) throw new Error(`no ${name} in the deployment files of stack "${this.config.name}"`);
    return file.content;
  }

  /** The names of the files in the deployment-files zip. */
  deploymentFileNames(): string[] {
    const object = this.resource('aws_s3_object').config;
    return this.resolve(object.source).config.source.map((entry: Json) => entry.filename);
  }

  /** The resource or data source a `${type.name.attr}` reference points at. */
  resolve(reference: string): { type: string; name: string; attr: string; config: Json } {
    const match = /^\$\{(data\.)?([a-z0-9_]+)\.([^.}]+)\.([^}]+)\}$/.exec(reference);
    if (!match) throw new Error(`not a single Terraform reference: ${reference}`);
    const [, data, type, name, attr] = match;
    const config = data ? this.json.data?.[type]?.[name] : this.resources(type)[name];
    if (!config) throw new Error(`${reference} points at nothing in stack "${this.config.name}"`);
    return { type: `${data ?? ''}${type}`, name, attr, config };
  }
}

/**
 * The shipped environments with `input` in place of the one of its name (or added): an environment is
 * validated with the others, since a promotion names its upstream.
 */
export function withPeers(input: EnvironmentInput): EnvironmentInput[] {
  return [...environments.filter((env) => env.name !== input.name), input];
}

/** Validates (with the shipped environments as its peers) and synthesizes one environment, as main.ts would. */
export function synthesize(
  input: EnvironmentInput,
  peers: readonly EnvironmentInput[] = withPeers(input),
): Synthesized {
  const [config] = loadEnvironments(peers, [input.name]);
  const app: App = Testing.app();
  const stack = new EnvironmentStack(app, { config });
  return new Synthesized(config, JSON.parse(Testing.synth(stack)));
}

/** Shipped prod built from its own CodeCommit repository instead of promoting dev's images (the README's way back). */
export function prodFromRepository(): EnvironmentInput {
  const prod = structuredClone(shipped('prod'));
  prod.pipeline = { ...prod.pipeline, branch: 'main', source: { provider: 'CodeCommit' } };
  return prod;
}

/** The shipped configuration of a named environment (stacks/config/environments.ts). */
export function shipped(name: string): EnvironmentInput {
  const input = environments.find((env) => env.name === name);
  if (!input) throw new Error(`no shipped environment "${name}"`);
  return input;
}

/** The shipped dev configuration with one change applied (the change may break it on purpose). */
export function devWith(change: (env: Json) => void): EnvironmentInput {
  const env = structuredClone(shipped('dev')) as Json;
  change(env);
  return env;
}

/** Parses an IAM policy JSON string from the synthesized stack. */
export function policy(text: string): { Statement: Json[] } {
  return JSON.parse(text);
}

/** Every statement of every inline policy attached to the role whose name ends with `suffix`. */
export function statementsOfRole(stack: Synthesized, suffix: string): Json[] {
  const role = stack.resource('aws_iam_role', (r) => r.name.endsWith(suffix));
  return Object.values(stack.resources('aws_iam_role_policy'))
    .filter((p: Json) => p.role === role.ref('name'))
    .flatMap((p: Json) => policy(p.policy).Statement);
}

/** Actions of a statement as an array. */
export function actionsOf(statement: Json): string[] {
  return [statement.Action].flat();
}

/** The statements that allow an action. */
export function allowing(statements: Json[], action: string): Json[] {
  return statements.filter((s) => actionsOf(s).includes(action));
}

/** The application's ECR repository (not the build cache). */
export function appRepository(stack: Synthesized) {
  return stack.resource('aws_ecr_repository', (repository) => !repository.name.endsWith('-build-cache'));
}
