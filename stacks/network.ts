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
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { grant, serviceRole } from './iam';
import { logGroup, type LogSettings } from './log-group';

export interface NetworkProps {
  /** `<app>-<env>`, used in Name tags. */
  readonly namePrefix: string;
  readonly vpcCidr: string;
  /** One public subnet per AZ, in AZ order. */
  readonly publicSubnetCidrs: readonly string[];
  /** One private subnet per AZ, in AZ order; same length as publicSubnetCidrs. */
  readonly privateSubnetCidrs: readonly string[];
  /** "one-per-az": each private subnet leaves through the NAT gateway of its own AZ. */
  readonly natGateways: 'one-per-az' | 'single';
  /** VPC flow logs: all traffic or refused traffic only. */
  readonly flowLogs: {
    traffic: 'ALL' | 'REJECT';
    roleName: string;
    logGroupName: string;
    logs: LogSettings;
    accountId: string;
    /** arn:<partition>:logs:<region>:<account>:log-group:* */
    accountLogGroupsArn: string;
  };
}

/**
 * A VPC with a public and a private subnet per availability zone. Public subnets route to an
 * internet gateway (ALB, NAT gateways); private subnets (tasks, hook functions) reach the internet
 * only through NAT, and nothing in them gets a public IP.
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** Public addresses traffic from the private subnets leaves with. */
  readonly natPublicIps: string[] = [];
  /** The internet gateway, attached to the VPC: internet-facing resources must be created after it. */
  readonly internetGateway: ITerraformDependable;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const name = (suffix: string) => ({ Name: `${props.namePrefix}-${suffix}` });

    // Only zones that need no opt-in (Local Zones would not host an ALB). No state filter: a zone
    // that is briefly impaired must not shift the list and make Terraform move every subnet.
    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    const zoneName = (index: number) => Fn.element(zones.names, index);

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: name('vpc'),
    });
    this.vpcId = vpc.id;

    // The default security group is unused; strip its allow-all rules so nothing can join it by accident.
    new DefaultSecurityGroup(this, 'default-security-group', { vpcId: vpc.id, tags: name('default-deny') });

    this.enableFlowLogs(vpc.id, props.flowLogs);

    const internetGateway = new InternetGateway(this, 'internet-gateway', { vpcId: vpc.id, tags: name('igw') });
    this.internetGateway = internetGateway;

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id }],
      tags: name('public'),
    });

    const publicSubnets = props.publicSubnetCidrs.map((cidrBlock, index) => {
      const subnet = new Subnet(this, `public-${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zoneName(index),
        mapPublicIpOnLaunch: false, // the ALB and NAT gateways bring their own addresses
        tags: { ...name(`public-${index}`), Tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${index}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);

    const natGatewayCount = props.natGateways === 'one-per-az' ? publicSubnets.length : 1;
    const natGateways = publicSubnets.slice(0, natGatewayCount).map((subnet, index) => {
      const address = new Eip(this, `nat-${index}-address`, { domain: 'vpc', tags: name(`nat-${index}`) });
      this.natPublicIps.push(address.publicIp);
      return new NatGateway(this, `nat-${index}`, {
        allocationId: address.id,
        subnetId: subnet.id,
        tags: name(`nat-${index}`),
        dependsOn: [internetGateway],
      });
    });

    this.privateSubnetIds = props.privateSubnetCidrs.map((cidrBlock, index) => {
      const subnet = new Subnet(this, `private-${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zoneName(index),
        mapPublicIpOnLaunch: false,
        tags: { ...name(`private-${index}`), Tier: 'private' },
      });
      const nat = natGateways[Math.min(index, natGateways.length - 1)];
      const routes = new RouteTable(this, `private-${index}-routes`, {
        vpcId: vpc.id,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: name(`private-${index}`),
      });
      new RouteTableAssociation(this, `private-${index}-routes-association`, { subnetId: subnet.id, routeTableId: routes.id });
      return subnet.id;
    });
  }

  /** Flow logs to an encrypted log group, written through a role only the flow-logs service of this account may assume. */
  private enableFlowLogs(vpcId: string, settings: NetworkProps['flowLogs']): void {
    const group = logGroup(this, 'flow-logs', settings.logGroupName, settings.logs);
    const role = serviceRole(this, 'flow-logs-role', {
      name: settings.roleName,
      description: 'VPC flow logs: writes to the flow-log group',
      servicePrincipal: 'vpc-flow-logs.amazonaws.com',
      sourceAccount: settings.accountId,
    });
    const policy = grant(this, 'flow-logs-write', role, [
      // Streams are created per network interface at run time.
      { actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], resources: [group.arn, `${group.arn}:log-stream:*`] },
      // The service looks its group up by listing; DescribeLogGroups is authorized on the account's groups.
      { actions: ['logs:DescribeLogGroups'], resources: [settings.accountLogGroupsArn] },
    ]);
    new FlowLog(this, 'flow-log', {
      vpcId,
      trafficType: settings.traffic,
      logDestinationType: 'cloud-watch-logs',
      logDestination: group.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
      dependsOn: [policy],
    });
  }
}
