import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface HealthCheckTimings {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface LoadBalancerProps {
  readonly names: { loadBalancer: string; primaryTargetGroup: string; secondaryTargetGroup: string; securityGroupAlb: string };
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  /** Production (PRD) listener port, open to the internet. */
  readonly productionPort: number;
  /** Test (QA) listener port, open only to testListenerAllowedCidrs and to what allowTestTrafficFrom() admits. */
  readonly testPort: number;
  readonly testListenerAllowedCidrs: readonly string[];
  /** Port the containers listen on (target group port). */
  readonly targetPort: number;
  readonly healthCheckPath: string;
  readonly healthCheck: HealthCheckTimings;
  readonly deregistrationDelaySeconds: number;
}

/** One of the two target groups CodeDeploy alternates between. */
export interface TargetGroupRef {
  readonly name: string;
  readonly arn: string;
  /** For CloudWatch metrics' TargetGroup dimension. */
  readonly arnSuffix: string;
}

/**
 * An internet-facing ALB with a production listener (PRD) and a test listener (QA) over two
 * target groups. CodeDeploy owns which group each listener forwards to after the first apply.
 */
export class LoadBalancer extends Construct {
  readonly securityGroupId: string;
  readonly dnsName: string;
  /** For CloudWatch metrics' LoadBalancer dimension. */
  readonly arnSuffix: string;
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  /** Initially behind the production listener. */
  readonly primaryTargetGroup: TargetGroupRef;
  /** Initially behind the test listener; receives each replacement task set. */
  readonly secondaryTargetGroup: TargetGroupRef;
  readonly listeners: LbListener[];
  private readonly testPort: number;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.testPort = props.testPort;

    const securityGroup = new SecurityGroup(this, 'security-group', {
      name: props.names.securityGroupAlb,
      description: 'ALB: production listener from anywhere, test listener from allowed sources only',
      vpcId: props.vpcId,
      tags: { Name: props.names.securityGroupAlb },
    });
    this.securityGroupId = securityGroup.id;

    new VpcSecurityGroupIngressRule(this, 'production-from-internet', {
      securityGroupId: securityGroup.id,
      description: 'PRD listener from the internet',
      ipProtocol: 'tcp',
      fromPort: props.productionPort,
      toPort: props.productionPort,
      cidrIpv4: '0.0.0.0/0',
    });
    props.testListenerAllowedCidrs.forEach((cidr, index) => {
      new VpcSecurityGroupIngressRule(this, `test-from-cidr-${index}`, {
        securityGroupId: securityGroup.id,
        description: `QA listener from ${cidr}`,
        ipProtocol: 'tcp',
        fromPort: props.testPort,
        toPort: props.testPort,
        cidrIpv4: cidr,
      });
    });

    const loadBalancer = new Lb(this, 'alb', {
      name: props.names.loadBalancer,
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [securityGroup.id],
      subnets: [...props.publicSubnetIds],
      dropInvalidHeaderFields: true,
    });
    this.dnsName = loadBalancer.dnsName;
    this.arnSuffix = loadBalancer.arnSuffix;

    const targetGroup = (id: string, name: string) =>
      new LbTargetGroup(this, id, {
        name,
        targetType: 'ip', // Fargate tasks register by IP (awsvpc)
        protocol: 'HTTP',
        port: props.targetPort,
        vpcId: props.vpcId,
        deregistrationDelay: String(props.deregistrationDelaySeconds),
        healthCheck: {
          enabled: true,
          protocol: 'HTTP',
          path: props.healthCheckPath,
          matcher: '200-399',
          interval: props.healthCheck.intervalSeconds,
          timeout: props.healthCheck.timeoutSeconds,
          healthyThreshold: props.healthCheck.healthyThreshold,
          unhealthyThreshold: props.healthCheck.unhealthyThreshold,
        },
        tags: { Name: name },
      });
    const primary = targetGroup('primary', props.names.primaryTargetGroup);
    const secondary = targetGroup('secondary', props.names.secondaryTargetGroup);
    this.primaryTargetGroup = { name: primary.name, arn: primary.arn, arnSuffix: primary.arnSuffix };
    this.secondaryTargetGroup = { name: secondary.name, arn: secondary.arn, arnSuffix: secondary.arnSuffix };

    const listener = (id: string, port: number, forwardTo: LbTargetGroup, label: string) =>
      new LbListener(this, id, {
        loadBalancerArn: loadBalancer.arn,
        port,
        protocol: 'HTTP',
        defaultAction: [{ type: 'forward', targetGroupArn: forwardTo.arn }],
        tags: { Name: `${props.names.loadBalancer}-${label}` },
        // CodeDeploy rewrites the default action on every deployment; Terraform must not put it back.
        lifecycle: { ignoreChanges: ['default_action'] },
        // After a swap either group may sit behind either listener: destroy listeners before both groups.
        dependsOn: [primary, secondary],
      });
    const production = listener('production-listener', props.productionPort, primary, 'prd');
    const test = listener('test-listener', props.testPort, secondary, 'qa');
    this.productionListenerArn = production.arn;
    this.testListenerArn = test.arn;
    this.listeners = [production, test];
  }

  /** Lets the ALB reach targets in the given security group on the target port. */
  allowTrafficTo(id: string, targetSecurityGroupId: string, port: number, description: string): void {
    new VpcSecurityGroupEgressRule(this, id, {
      securityGroupId: this.securityGroupId,
      description,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: targetSecurityGroupId,
    });
  }

  /**
   * Admits public addresses to the test listener. The validation hooks run in the private
   * subnets and reach this internet-facing ALB through the NAT gateways, so their traffic
   * arrives from the NAT addresses, not from their security group.
   */
  allowTestTrafficFrom(id: string, publicIps: readonly string[], description: string): void {
    publicIps.forEach((ip, index) => {
      new VpcSecurityGroupIngressRule(this, `${id}-${index}`, {
        securityGroupId: this.securityGroupId,
        description,
        ipProtocol: 'tcp',
        fromPort: this.testPort,
        toPort: this.testPort,
        cidrIpv4: `${ip}/32`,
      });
    });
  }

  /** http://<alb dns>[:port] */
  url(port: number): string {
    return `http://${this.dnsName}${port === 80 ? '' : `:${port}`}`;
  }
}
