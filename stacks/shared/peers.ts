import { resourceNames, type ResourceNames } from '../config/names';
import type { PeerEnvironment } from '../config/promotion';
import { partitionOf } from './context';

/** Names and ARNs of another environment, from its config alone. */
export function peerResources(peer: PeerEnvironment): {
  readonly names: ResourceNames;
  readonly accountRoot: string;
  readonly roleArn: (name: string) => string;
  readonly repositoryArn: string;
  readonly repositoryUri: string;
} {
  const names = resourceNames(peer.app, peer.name, peer.accountId, peer.region);
  const partition = partitionOf(peer.region);
  return {
    names,
    accountRoot: `arn:${partition}:iam::${peer.accountId}:root`,
    roleArn: (name) => `arn:${partition}:iam::${peer.accountId}:role/${name}`,
    repositoryArn: `arn:${partition}:ecr:${peer.region}:${peer.accountId}:repository/${names.repository}`,
    // ECR's registry host (China: amazonaws.com.cn).
    repositoryUri: `${peer.accountId}.dkr.ecr.${peer.region}.amazonaws.com${partition === 'aws-cn' ? '.cn' : ''}/${names.repository}`,
  };
}

/**
 * A role of another account, by name: the account as principal and its role ARN as a condition. A role
 * ARN as the principal would have to exist when the policy is written, and would turn into the role's
 * internal id (and stop matching) once that role is deleted and re-created; aws:PrincipalArn does neither
 * (IAM User Guide, "AWS JSON policy elements: Principal", and the aws:PrincipalArn condition key).
 */
export function roleOfAccount(peer: PeerEnvironment, roleName: string) {
  const resources = peerResources(peer);
  return {
    principal: { AWS: resources.accountRoot },
    condition: { ArnEquals: { 'aws:PrincipalArn': resources.roleArn(roleName) } },
  };
}
