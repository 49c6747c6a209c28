import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { EnvironmentContext } from '../shared/context';
import { addEndpoints, type InterfaceEndpoint } from './endpoints';
import { enableFlowLogs, type FlowLogTraffic } from './flow-logs';

export interface NetworkProps {
  readonly vpcCidr: string;
  /** One public subnet per AZ, in AZ order. */
  readonly publicSubnetCidrs: readonly string[];
  /** One private subnet per AZ, in AZ order; same length as publicSubnetCidrs. */
  readonly privateSubnetCidrs: readonly string[];
  /** "one-per-az": each private subnet leaves through the NAT gateway of its own AZ. */
  readonly natGateways: 'one-per-az' | 'single';
  readonly flowLogTraffic: FlowLogTraffic;
  /** Free S3 gateway endpoint on the private route tables. */
  readonly s3GatewayEndpoint: boolean;
  readonly interfaceEndpoints: readonly InterfaceEndpoint[];
}

/** What other constructs need of the network. */
export interface NetworkRef {
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  /** Public addresses traffic from the private subnets leaves with. */
  readonly natPublicIps: readonly string[];
  /** The internet gateway, attached to the VPC: internet-facing resources must be created after it. */
  readonly internetGateway: ITerraformDependable;
}

/**
 * A VPC with a public and a private subnet per availability zone. Public subnets route to an
 * internet gateway (ALB, NAT gateways); private subnets (tasks, hook functions) reach the internet
 * only through NAT, and nothing in them gets a public IP.
 */
export class Network extends Construct implements NetworkRef {
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly natPublicIps: string[] = [];
  readonly internetGateway: InternetGateway;
  private readonly zoneNames: string[];
  private readonly privateRouteTableIds: string[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    // Only zones that need no opt-in (Local Zones would not host an ALB). No state filter: a zone
    // that is briefly impaired must not shift the list and make Terraform move every subnet.
    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    this.zoneNames = props.publicSubnetCidrs.map((_, index) => Fn.element(zones.names, index));

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: this.nameTag('vpc'),
    });
    this.vpcId = vpc.id;
    // The default security group is unused; strip its allow-all rules so nothing can join it by accident.
    new DefaultSecurityGroup(this, 'default-security-group', { vpcId: vpc.id, tags: this.nameTag('default-deny') });
    enableFlowLogs(this, vpc.id, props.flowLogTraffic);

    this.internetGateway = new InternetGateway(this, 'internet-gateway', { vpcId: vpc.id, tags: this.nameTag('igw') });
    const publicSubnets = this.publicTier(props.publicSubnetCidrs);
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);
    const natCount = props.natGateways === 'one-per-az' ? publicSubnets.length : 1;
    const natGateways = publicSubnets.slice(0, natCount).map((subnet, index) => this.natGateway(subnet, index));
    this.privateSubnetIds = this.privateTier(props.privateSubnetCidrs, natGateways);
    addEndpoints(this, {
      vpcId: vpc.id,
      vpcCidr: props.vpcCidr,
      privateSubnetIds: this.privateSubnetIds,
      privateRouteTableIds: this.privateRouteTableIds,
      s3Gateway: props.s3GatewayEndpoint,
      interfaceEndpoints: props.interfaceEndpoints,
    });
  }

  private nameTag(suffix: string): { Name: string } {
    return { Name: `${EnvironmentContext.of(this).names.prefix}-${suffix}` };
  }

  private subnet(tier: 'public' | 'private', index: number, cidrBlock: string): Subnet {
    return new Subnet(this, `${tier}-${index}`, {
      vpcId: this.vpcId,
      cidrBlock,
      availabilityZone: this.zoneNames[index],
      // Nothing gets a public IP at launch: the ALB and NAT gateways bring their own addresses.
      mapPublicIpOnLaunch: false,
      tags: { ...this.nameTag(`${tier}-${index}`), Tier: tier },
    });
  }

  /** Public subnets sharing one route table to the internet gateway. */
  private publicTier(cidrs: readonly string[]): Subnet[] {
    const routes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpcId,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: this.internetGateway.id }],
      tags: this.nameTag('public'),
    });
    return cidrs.map((cidr, index) => {
      const subnet = this.subnet('public', index, cidr);
      new RouteTableAssociation(this, `public-${index}-routes`, { subnetId: subnet.id, routeTableId: routes.id });
      return subnet;
    });
  }

  private natGateway(subnet: Subnet, index: number): NatGateway {
    const address = new Eip(this, `nat-${index}-address`, { domain: 'vpc', tags: this.nameTag(`nat-${index}`) });
    this.natPublicIps.push(address.publicIp);
    return new NatGateway(this, `nat-${index}`, {
      allocationId: address.id,
      subnetId: subnet.id,
      tags: this.nameTag(`nat-${index}`),
      dependsOn: [this.internetGateway],
    });
  }

  /** Private subnets, each with a route table to the NAT gateway of its AZ (or the only one). */
  private privateTier(cidrs: readonly string[], natGateways: readonly NatGateway[]): string[] {
    return cidrs.map((cidr, index) => {
      const subnet = this.subnet('private', index, cidr);
      const nat = natGateways[Math.min(index, natGateways.length - 1)];
      const routes = new RouteTable(this, `private-${index}-routes`, {
        vpcId: this.vpcId,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: this.nameTag(`private-${index}`),
      });
      this.privateRouteTableIds.push(routes.id);
      new RouteTableAssociation(this, `private-${index}-routes-association`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return subnet.id;
    });
  }
}
