import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

/** What a rule needs of a security group: SecurityGroup satisfies it. */
export interface SecurityGroupRef {
  readonly id: string;
}

/** The other end of a rule: an IPv4 range or another security group. */
export type Peer = { readonly cidr: string } | { readonly securityGroup: SecurityGroupRef };

export interface TcpRule {
  readonly port: number;
  readonly peer: Peer;
  readonly description: string;
}

/** A security group with no rules of its own; rules are separate resources (allowTcpIn/Out, connect). */
export function securityGroup(
  scope: Construct,
  id: string,
  props: { name: string; description: string; vpcId: string },
): SecurityGroup {
  return new SecurityGroup(scope, id, { ...props, tags: { Name: props.name } });
}

function ruleConfig(group: SecurityGroupRef, rule: TcpRule) {
  return {
    securityGroupId: group.id,
    description: rule.description,
    ipProtocol: 'tcp',
    fromPort: rule.port,
    toPort: rule.port,
    ...('cidr' in rule.peer ? { cidrIpv4: rule.peer.cidr } : { referencedSecurityGroupId: rule.peer.securityGroup.id }),
  };
}

/** Admits one TCP port from a peer. */
export function allowTcpIn(
  scope: Construct,
  id: string,
  group: SecurityGroupRef,
  rule: TcpRule,
): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, id, ruleConfig(group, rule));
}

/** Lets one TCP port out to a peer. */
export function allowTcpOut(
  scope: Construct,
  id: string,
  group: SecurityGroupRef,
  rule: TcpRule,
): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, id, ruleConfig(group, rule));
}

export interface ConnectionProps {
  readonly from: SecurityGroupRef;
  readonly to: SecurityGroupRef;
  readonly port: number;
  /** Why the connection exists; both rules carry it. */
  readonly description: string;
}

/**
 * Lets `from` reach `to` on one TCP port: the egress rule on `from` and the ingress rule on `to`,
 * created together (`<id>-out`, `<id>-in`) so neither side can be forgotten.
 */
export function connect(scope: Construct, id: string, props: ConnectionProps): void {
  const { from, to, port, description } = props;
  allowTcpOut(scope, `${id}-out`, from, { port, peer: { securityGroup: to }, description });
  allowTcpIn(scope, `${id}-in`, to, { port, peer: { securityGroup: from }, description });
}
