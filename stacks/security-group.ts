import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

/** The other end of a rule: an IPv4 range or another security group. */
export type Peer = { readonly cidr: string } | { readonly securityGroupId: string };

export interface TcpRule {
  readonly port: number;
  readonly peer: Peer;
  readonly description: string;
}

/** A security group with no rules of its own; rules are separate resources (allowTcpIn/Out). */
export function securityGroup(scope: Construct, id: string, props: { name: string; description: string; vpcId: string }): SecurityGroup {
  return new SecurityGroup(scope, id, { ...props, tags: { Name: props.name } });
}

function ruleConfig(securityGroupId: string, rule: TcpRule) {
  return {
    securityGroupId,
    description: rule.description,
    ipProtocol: 'tcp',
    fromPort: rule.port,
    toPort: rule.port,
    ...('cidr' in rule.peer ? { cidrIpv4: rule.peer.cidr } : { referencedSecurityGroupId: rule.peer.securityGroupId }),
  };
}

/** Admits one TCP port from a peer. */
export function allowTcpIn(scope: Construct, id: string, securityGroupId: string, rule: TcpRule): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, id, ruleConfig(securityGroupId, rule));
}

/** Lets one TCP port out to a peer. */
export function allowTcpOut(scope: Construct, id: string, securityGroupId: string, rule: TcpRule): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, id, ruleConfig(securityGroupId, rule));
}
