import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { EnvironmentConfig } from '../config/schema';
import type { NetworkRef } from '../network/network';
import { EnvironmentContext } from '../shared/context';
import { allowTcpIn, securityGroup } from '../shared/security-group';
import type { ListenerPair, ListenerRulePair, LoadBalancerRef, TargetGroupPair } from './refs';

/** The environment's loadBalancer settings, validated. */
export type LoadBalancerSettings = EnvironmentConfig['loadBalancer'];
export type HttpsSettings = NonNullable<LoadBalancerSettings['https']>;

export interface LoadBalancerProps {
  readonly network: NetworkRef;
  readonly settings: LoadBalancerSettings;
  /** Port the containers listen on (target group port). */
  readonly targetPort: number;
  readonly healthCheckPath: string;
  /**
   * How a deployment moves traffic: CodeDeploy rewrites the listeners' default actions; ECS-native
   * blue/green shifts the forward weights of one rule per listener.
   */
  readonly routing: 'listener-default-actions' | 'listener-rules';
}

/** AWS's recommended policy: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * An internet-facing ALB with a production listener (PRD) and a test listener (QA) over two
 * target groups. CodeDeploy owns which group each listener forwards to after the first apply.
 * The PRD listener is open to the internet; the QA listener only to testListenerAllowedCidrs and
 * to what allowTestTrafficFrom() admits.
 */
export class LoadBalancer extends Construct implements LoadBalancerRef {
  readonly securityGroup: SecurityGroup;
  readonly arnSuffix: string;
  readonly targetGroups: TargetGroupPair;
  readonly listeners: ListenerPair;
  readonly rules?: ListenerRulePair;
  /** The listeners (and rules): the service must be created after its target group is attached. */
  readonly listenerResources: (LbListener | LbListenerRule)[];
  private readonly alb: Lb;
  private readonly settings: LoadBalancerSettings;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    this.settings = props.settings;
    this.securityGroup = securityGroup(this, 'security-group', {
      name: names.securityGroupAlb,
      description: 'ALB: production listener from anywhere, test listener from allowed sources only',
      vpcId: props.network.vpcId,
    });
    this.admitClients();

    this.alb = new Lb(this, 'alb', {
      name: names.loadBalancer,
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [this.securityGroup.id],
      subnets: [...props.network.publicSubnetIds],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.settings.deletionProtection,
      accessLogs: props.settings.accessLogs ? { enabled: true, ...props.settings.accessLogs } : undefined,
      // CreateLoadBalancer fails with "VPC ... has no internet gateway" when an internet-facing ALB is
      // created first (hashicorp/terraform-provider-aws #3494, #4587).
      dependsOn: [props.network.internetGateway],
    });
    this.arnSuffix = this.alb.arnSuffix;

    const primary = this.targetGroup('primary', names.primaryTargetGroup, props);
    const secondary = this.targetGroup('secondary', names.secondaryTargetGroup, props);
    this.targetGroups = { primary, secondary };
    const both = [primary, secondary];
    const production = this.listener('production-listener', props.settings.productionPort, primary, both, 'prd');
    const test = this.listener('test-listener', props.settings.testPort, secondary, both, 'qa');
    this.listeners = {
      production: { arn: production.arn, port: props.settings.productionPort },
      test: { arn: test.arn, port: props.settings.testPort },
    };
    this.listenerResources = [production, test];
    if (props.routing === 'listener-rules') {
      const productionRule = this.weightedRule('production-rule', production, 'prd');
      const testRule = this.weightedRule('test-rule', test, 'qa');
      this.rules = { production: { arn: productionRule.arn }, test: { arn: testRule.arn } };
      this.listenerResources.push(productionRule, testRule);
    }
    if (props.settings.https) this.redirectHttp(props.settings.https);
  }

  /** PRD from anywhere (and port 80 in HTTPS mode, for the redirect); QA from the allowed CIDRs. */
  private admitClients(): void {
    const { https, productionPort, testPort, testListenerAllowedCidrs } = this.settings;
    const internet = { cidr: '0.0.0.0/0' };
    allowTcpIn(this, 'production-from-internet', this.securityGroup, {
      port: productionPort,
      peer: internet,
      description: 'PRD listener from the internet',
    });
    if (https) {
      allowTcpIn(this, 'redirect-from-internet', this.securityGroup, {
        port: 80,
        peer: internet,
        description: 'HTTP from the internet, redirected to HTTPS',
      });
    }
    testListenerAllowedCidrs.forEach((cidr, index) => {
      allowTcpIn(this, `test-from-cidr-${index}`, this.securityGroup, {
        port: testPort,
        peer: { cidr },
        description: `QA listener from ${cidr}`,
      });
    });
  }

  private targetGroup(id: string, name: string, props: LoadBalancerProps): LbTargetGroup {
    const { healthCheck, deregistrationDelaySeconds } = props.settings;
    return new LbTargetGroup(this, id, {
      name,
      targetType: 'ip', // Fargate tasks register by IP (awsvpc)
      protocol: 'HTTP',
      port: props.targetPort,
      vpcId: props.network.vpcId,
      deregistrationDelay: String(deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        path: props.healthCheckPath,
        matcher: '200-399',
        interval: healthCheck.intervalSeconds,
        timeout: healthCheck.timeoutSeconds,
        healthyThreshold: healthCheck.healthyThreshold,
        unhealthyThreshold: healthCheck.unhealthyThreshold,
      },
      tags: { Name: name },
    });
  }

  private listener(
    id: string,
    port: number,
    forwardTo: LbTargetGroup,
    bothGroups: LbTargetGroup[],
    label: string,
  ): LbListener {
    const https = this.settings.https;
    return new LbListener(this, id, {
      loadBalancerArn: this.alb.arn,
      port,
      ...(https
        ? { protocol: 'HTTPS', sslPolicy: TLS_POLICY, certificateArn: https.certificateArn }
        : { protocol: 'HTTP' }),
      defaultAction: [{ type: 'forward', targetGroupArn: forwardTo.arn }],
      tags: { Name: `${EnvironmentContext.of(this).names.loadBalancer}-${label}` },
      // CodeDeploy rewrites the default action on every deployment; Terraform must not put it back.
      lifecycle: { ignoreChanges: ['default_action'] },
      // After a swap either group may sit behind either listener: destroy listeners before both groups.
      dependsOn: bothGroups,
    });
  }

  /**
   * ECS engine: one rule per listener that matches every request and forwards to both target
   * groups, all weight on the primary. ECS shifts the weights during each deployment (test traffic
   * first, then production) and leaves them on whichever group won, so Terraform ignores the action
   * (terraform-aws-modules/terraform-aws-alb#409). The default actions stay plain forwards: ECS
   * refuses listeners that mix forward with other action types.
   */
  private weightedRule(id: string, listener: LbListener, label: string): LbListenerRule {
    const { primary, secondary } = this.targetGroups;
    return new LbListenerRule(this, id, {
      listenerArn: listener.arn,
      priority: 1,
      condition: [{ pathPattern: { values: ['/*'] } }],
      action: [
        {
          type: 'forward',
          forward: {
            targetGroup: [
              { arn: primary.arn, weight: 100 },
              { arn: secondary.arn, weight: 0 },
            ],
          },
        },
      ],
      tags: { Name: `${EnvironmentContext.of(this).names.loadBalancer}-${label}-shift` },
      lifecycle: { ignoreChanges: ['action'] },
    });
  }

  /** HTTPS mode: port 80 answers a 301 to HTTPS, and the domain becomes an alias of the ALB. */
  private redirectHttp(https: HttpsSettings): void {
    new LbListener(this, 'redirect-listener', {
      loadBalancerArn: this.alb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [
        {
          type: 'redirect',
          redirect: { protocol: 'HTTPS', port: String(this.settings.productionPort), statusCode: 'HTTP_301' },
        },
      ],
      tags: { Name: `${EnvironmentContext.of(this).names.loadBalancer}-redirect` },
    });
    if (https.hostedZoneId) {
      new Route53Record(this, 'domain', {
        zoneId: https.hostedZoneId,
        name: https.domainName,
        type: 'A',
        alias: { name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true },
      });
    }
  }

  /**
   * Admits public addresses to the test listener. The validation hooks run in the private
   * subnets and reach this internet-facing ALB through the NAT gateways, so their traffic
   * arrives from the NAT addresses, not from their security group.
   */
  allowTestTrafficFrom(id: string, publicIps: readonly string[], description: string): void {
    publicIps.forEach((ip, index) => {
      allowTcpIn(this, `${id}-${index}`, this.securityGroup, {
        port: this.settings.testPort,
        peer: { cidr: `${ip}/32` },
        description,
      });
    });
  }

  /** http://<alb dns>[:port], or https://<domain>[:port] in HTTPS mode (the certificate names the domain). */
  url(port: number): string {
    const https = this.settings.https;
    if (https) return `https://${https.domainName}${port === 443 ? '' : `:${port}`}`;
    return `http://${this.alb.dnsName}${port === 80 ? '' : `:${port}`}`;
  }
}
