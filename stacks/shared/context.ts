import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { resourceNames, type ResourceNames } from '../config/names';

/** What every construct of one environment shares, instead of threading it through each Props. */
export interface EnvironmentContextValues {
  readonly app: string;
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly logRetentionDays: number;
}

const CONTEXTS = new WeakMap<TerraformStack, EnvironmentContext>();

/**
 * The account, region and partition of one environment stack, its resource names, an ARN builder
 * and the log settings. Attached once to the stack; constructs read it with `EnvironmentContext.of(this)`.
 */
export class EnvironmentContext {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly names: ResourceNames;
  readonly logRetentionDays: number;
  private encryptionKeyArn?: string;

  private constructor(values: EnvironmentContextValues) {
    this.environment = values.environment;
    this.accountId = values.accountId;
    this.region = values.region;
    this.partition = partitionOf(values.region);
    this.names = resourceNames(values.app, values.environment, values.accountId, values.region);
    this.logRetentionDays = values.logRetentionDays;
  }

  /** Attaches the context to the stack `scope` belongs to. */
  static attach(scope: IConstruct, values: EnvironmentContextValues): EnvironmentContext {
    const stack = TerraformStack.of(scope);
    if (CONTEXTS.has(stack)) throw new Error(`stack ${stack.node.id} already has an environment context`);
    const context = new EnvironmentContext(values);
    CONTEXTS.set(stack, context);
    return context;
  }

  /** The context of the stack `scope` belongs to. */
  static of(scope: IConstruct): EnvironmentContext {
    const stack = TerraformStack.of(scope);
    const context = CONTEXTS.get(stack);
    if (!context)
      throw new Error(`stack ${stack.node.id} has no environment context: call EnvironmentContext.attach first`);
    return context;
  }

  /** arn:<partition>:<service>:<region>:<account>:<resource>; `global` leaves the region out (IAM). */
  arn(service: string, resource: string, options: { global?: boolean } = {}): string {
    return `arn:${this.partition}:${service}:${options.global ? '' : this.region}:${this.accountId}:${resource}`;
  }

  /** The environment key's ARN: logs, artifacts, images and the topic are encrypted with it. */
  get keyArn(): string {
    if (!this.encryptionKeyArn) throw new Error('the environment key is not created yet: create EnvironmentKey first');
    return this.encryptionKeyArn;
  }

  /** Called by EnvironmentKey, once. */
  useKey(arn: string): void {
    if (this.encryptionKeyArn) throw new Error('the environment already has a key');
    this.encryptionKeyArn = arn;
  }
}

/** The AWS partition of a region, for ARNs built from names. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
