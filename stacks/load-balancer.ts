import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { allowTcpIn, allowTcpOut, securityGroup } from './security-group';

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
  /**
   * The VPC's internet gateway. CreateLoadBalancer fails with "VPC ... has no internet gateway"
   * when an internet-facing ALB is created first (hashicorp/terraform-provider-aws #3494, #4587).
   */
  readonly internetGateway: ITerraformDependable;
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
  /** HTTPS on both listeners; port 80 then only redirects. */
  readonly https?: HttpsSettings;
  /** Refuse deletion of the ALB (turn off before destroy). */
  readonly deletionProtection: boolean;
  /** Existing bucket (SSE-S3, ELB log delivery allowed) for access logs. */
  readonly accessLogs?: { bucket: string; prefix: string };
}

export interface HttpsSettings {
  readonly certificateArn: string;
  /** The name the certificate covers: URLs and smoke tests use it. */
  readonly domainName: string;
  /** Route 53 zone to create domainName in, as an alias of the ALB. */
  readonly hostedZoneId?: string;
}

/** AWS's recommended policy: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

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
  private readonly https?: HttpsSettings;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.testPort = props.testPort;
    this.https = props.https;

    const group = securityGroup(this, 'security-group', {
      name: props.names.securityGroupAlb,
      description: 'ALB: production listener from anywhere, test listener from allowed sources only',
      vpcId: props.vpcId,
    });
    this.securityGroupId = group.id;

    allowTcpIn(this, 'production-from-internet', group.id, {
      port: props.productionPort,
      peer: { cidr: '0.0.0.0/0' },
      description: 'PRD listener from the internet',
    });
    if (props.https) {
      allowTcpIn(this, 'redirect-from-internet', group.id, {
        port: 80,
        peer: { cidr: '0.0.0.0/0' },
        description: 'HTTP from the internet, redirected to HTTPS',
      });
    }
    props.testListenerAllowedCidrs.forEach((cidr, index) => {
      allowTcpIn(this, `test-from-cidr-${index}`, group.id, { port: props.testPort, peer: { cidr }, description: `QA listener from ${cidr}` });
    });

    const loadBalancer = new Lb(this, 'alb', {
      name: props.names.loadBalancer,
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [group.id],
      subnets: [...props.publicSubnetIds],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection,
      accessLogs: props.accessLogs ? { enabled: true, bucket: props.accessLogs.bucket, prefix: props.accessLogs.prefix } : undefined,
      dependsOn: [props.internetGateway],
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
        ...(props.https ? { protocol: 'HTTPS', sslPolicy: TLS_POLICY, certificateArn: props.https.certificateArn } : { protocol: 'HTTP' }),
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

    if (props.https) {
      new LbListener(this, 'redirect-listener', {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: String(props.productionPort), statusCode: 'HTTP_301' } }],
        tags: { Name: `${props.names.loadBalancer}-redirect` },
      });
      if (props.https.hostedZoneId) {
        new Route53Record(this, 'domain', {
          zoneId: props.https.hostedZoneId,
          name: props.https.domainName,
          type: 'A',
          alias: { name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true },
        });
      }
    }
  }

  /** Lets the ALB reach targets in the given security group on the target port. */
  allowTrafficTo(id: string, targetSecurityGroupId: string, port: number, description: string): void {
    allowTcpOut(this, id, this.securityGroupId, { port, peer: { securityGroupId: targetSecurityGroupId }, description });
  }

  /**
   * Admits public addresses to the test listener. The validation hooks run in the private
   * subnets and reach this internet-facing ALB through the NAT gateways, so their traffic
   * arrives from the NAT addresses, not from their security group.
   */
  allowTestTrafficFrom(id: string, publicIps: readonly string[], description: string): void {
    publicIps.forEach((ip, index) => {
      allowTcpIn(this, `${id}-${index}`, this.securityGroupId, { port: this.testPort, peer: { cidr: `${ip}/32` }, description });
    });
  }

  /** http://<alb dns>[:port], or https://<domain>[:port] in HTTPS mode (the certificate names the domain). */
  url(port: number): string {
    if (this.https) return `https://${this.https.domainName}${port === 443 ? '' : `:${port}`}`;
    return `http://${this.dnsName}${port === 80 ? '' : `:${port}`}`;
  }
}
