import type { RoleRef } from '../shared/iam';
import type { SecurityGroupRef } from '../shared/security-group';

/** A listener, as the deployment and the hooks need it. */
export interface ListenerRef {
  readonly arn: string;
  readonly port: number;
}

/** The production (PRD) and test (QA) listeners a blue/green deployment shifts between. */
export interface ListenerPair {
  readonly production: ListenerRef;
  readonly test: ListenerRef;
}

/** One of the two target groups a blue/green deployment alternates between. */
export interface TargetGroupRef {
  readonly name: string;
  readonly arn: string;
  /** For CloudWatch metrics' TargetGroup dimension. */
  readonly arnSuffix: string;
}

/** Primary: initially behind the production listener. Secondary: receives each replacement. */
export interface TargetGroupPair {
  readonly primary: TargetGroupRef;
  readonly secondary: TargetGroupRef;
}

/** ECS engine: the rules on the production and test listeners whose forward weights ECS shifts. */
export interface ListenerRulePair {
  readonly production: { readonly arn: string };
  readonly test: { readonly arn: string };
}

/** What a deployment engine needs of the load balancer. */
export interface LoadBalancerRef {
  /** For CloudWatch metrics' LoadBalancer dimension. */
  readonly arnSuffix: string;
  readonly listeners: ListenerPair;
  readonly targetGroups: TargetGroupPair;
  /** Present when traffic is routed by listener rules (the ECS engine). */
  readonly rules?: ListenerRulePair;
  /** The URL clients use for a listener port. */
  url(port: number): string;
}

/** What a deployment engine and the pipeline need of the ECS service. */
export interface EcsServiceRef {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly securityGroup: SecurityGroupRef;
  /** The family every revision of the service's task definition belongs to. */
  readonly taskDefinitionFamily: string;
  /** The roles task definitions name: whoever registers one passes them to ECS. */
  readonly taskRoles: readonly RoleRef[];
}
