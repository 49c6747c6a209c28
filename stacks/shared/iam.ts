import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { EnvironmentContext } from './context';

/** What a grant needs of a role: IamRole satisfies it. */
export interface RoleRef {
  readonly name: string;
  readonly arn: string;
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** IAM condition block, e.g. { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * A policy document as a JSON string. Terraform references inside it (ARNs of other
 * resources) stay readable in the synthesized JSON, which is what the tests inspect.
 */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: 'Allow',
      Action: s.actions.length === 1 ? s.actions[0] : s.actions,
      Resource: s.resources.length === 1 ? s.resources[0] : s.resources,
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

export interface ServiceRoleProps {
  readonly name: string;
  readonly description: string;
  /** Service principal allowed to assume the role, e.g. "ecs-tasks.amazonaws.com". */
  readonly servicePrincipal: string;
  /**
   * Only this environment's account may make the service assume the role (an aws:SourceAccount
   * confused-deputy guard). Set it only for services that send aws:SourceAccount when assuming a
   * role; for others the condition would never match and the role would be unusable.
   */
  readonly thisAccountOnly?: boolean;
}

/** An IAM role one AWS service assumes on behalf of this account only. */
export function serviceRole(scope: Construct, id: string, props: ServiceRoleProps): IamRole {
  const sourceAccount = props.thisAccountOnly ? EnvironmentContext.of(scope).accountId : undefined;
  return new IamRole(scope, id, {
    name: props.name,
    description: props.description,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: props.servicePrincipal },
          Action: 'sts:AssumeRole',
          ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } } : {}),
        },
      ],
    }),
  });
}

/** Attaches an inline policy to a role. */
export function grant(
  scope: Construct,
  id: string,
  role: RoleRef,
  statements: readonly PolicyStatement[],
): IamRolePolicy {
  return new IamRolePolicy(scope, id, { name: id, role: role.name, policy: policyDocument(statements) });
}

/** iam:PassRole for exactly these roles, and only to ECS tasks. */
export function passRolesToEcsTasks(roles: readonly RoleRef[]): PolicyStatement {
  return {
    sid: 'PassTaskRoles',
    actions: ['iam:PassRole'],
    resources: roles.map((role) => role.arn),
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  };
}
