import type { Construct } from 'constructs';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import type { INTERFACE_ENDPOINTS } from '../config/schema';
import { EnvironmentContext } from '../shared/context';
import { allowTcpIn, securityGroup } from '../shared/security-group';

export type InterfaceEndpoint = (typeof INTERFACE_ENDPOINTS)[number];

export interface EndpointsProps {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly privateSubnetIds: readonly string[];
  readonly privateRouteTableIds: readonly string[];
  readonly s3Gateway: boolean;
  readonly interfaceEndpoints: readonly InterfaceEndpoint[];
}

/**
 * VPC endpoints for the private subnets. The S3 gateway endpoint is free and adds a route to each
 * private route table: ECR serves image layers from S3, so pulls and pipeline artifacts stop paying NAT
 * data processing. Interface endpoints (hourly, per AZ) put ECR's API and registry and CloudWatch Logs
 * inside the VPC with private DNS, reachable on 443 from the VPC only.
 */
export function addEndpoints(scope: Construct, props: EndpointsProps): void {
  const { region, names } = EnvironmentContext.of(scope);
  if (props.s3Gateway) {
    // The endpoint writes its prefix-list route into each table itself; the provider's aws_route_table
    // skips such vpce- routes when it reads inline routes, so the tables' `route` blocks do not fight it.
    new VpcEndpoint(scope, 's3-endpoint', {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...props.privateRouteTableIds],
      tags: { Name: `${names.prefix}-s3` },
    });
  }
  if (props.interfaceEndpoints.length === 0) return;
  const group = securityGroup(scope, 'endpoints-security-group', {
    name: names.securityGroupEndpoints,
    description: 'Interface endpoints: HTTPS from inside the VPC only',
    vpcId: props.vpcId,
  });
  allowTcpIn(scope, 'endpoints-from-vpc', group, {
    port: 443,
    peer: { cidr: props.vpcCidr },
    description: 'HTTPS from the VPC (tasks and hook functions)',
  });
  for (const service of props.interfaceEndpoints) {
    new VpcEndpoint(scope, `${service.replace('.', '-')}-endpoint`, {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${region}.${service}`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true, // the SDKs and the ECS agent keep their usual endpoint names
      subnetIds: [...props.privateSubnetIds],
      securityGroupIds: [group.id],
      tags: { Name: `${names.prefix}-${service}` },
    });
  }
}
