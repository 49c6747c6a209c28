import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { LIFECYCLE_HOOKS, type LifecycleEvent, type SmokeTestConfig } from '../../hooks/contract';
import { hookFunctionName } from '../config/names';
import type { EnvironmentConfig } from '../config/schema';
import type { NetworkRef } from '../network/network';
import type { LoadBalancerRef } from '../service/refs';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole } from '../shared/iam';
import { logGroup, logStreamsOf } from '../shared/log-group';
import { allowTcpOut, securityGroup } from '../shared/security-group';
import { bundleHook } from './hook-bundle';

/** The load balancer as the smoke tests need it: its listeners, and a way in to the test listener. */
export interface SmokeTestTarget extends LoadBalancerRef {
  allowTestTrafficFrom(id: string, publicIps: readonly string[], description: string): void;
}

/** The functions' role, and its policy: a function in a VPC is created only after the policy. */
interface ExecutionRole {
  readonly roleArn: string;
  readonly policy: IamRolePolicy;
}

export interface ValidationHooksProps {
  readonly network: NetworkRef;
  readonly loadBalancer: SmokeTestTarget;
  readonly settings: EnvironmentConfig['hooks'];
  /** The deployment group whose lifecycle events the functions may report on. */
  readonly deploymentGroupArn: string;
}

/**
 * One Lambda function per CodeDeploy ECS lifecycle hook, bundled from hooks/ at synth. They
 * run in the private subnets with their own security group; their role may report lifecycle
 * status only for this environment's deployment group. After test traffic the smoke test calls
 * the QA listener, after production traffic the PRD listener.
 */
export class ValidationHooks extends Construct {
  /** Lifecycle event -> function name, for the appspec Hooks section. */
  readonly functionNames: Readonly<Record<LifecycleEvent, string>>;
  /** ARNs the deployment engine must be allowed to invoke. */
  readonly functionArns: string[];
  private readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: ValidationHooksProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    this.functionNames = Object.fromEntries(
      LIFECYCLE_HOOKS.map(({ event }) => [event, hookFunctionName(names, event)]),
    ) as Record<LifecycleEvent, string>;
    this.securityGroup = securityGroup(this, 'security-group', {
      name: names.securityGroupHooks,
      description: 'CodeDeploy lifecycle hooks: HTTP to the listeners, HTTPS to AWS APIs',
      vpcId: props.network.vpcId,
    });
    this.openPathToListeners(props);

    const logGroups = LIFECYCLE_HOOKS.map(({ event }) =>
      logGroup(this, `${event}-logs`, `/aws/lambda/${this.functionNames[event]}`),
    );
    const execution = this.executionRole(logGroups, props.deploymentGroupArn);
    const { listeners } = props.loadBalancer;
    const smokeTest = (port: number) => ({ url: props.loadBalancer.url(port), ...props.settings.smokeTest });
    const smokeTests: Partial<Record<LifecycleEvent, SmokeTestConfig>> = {
      AfterAllowTestTraffic: smokeTest(listeners.test.port),
      AfterAllowTraffic: smokeTest(listeners.production.port),
    };
    this.functionArns = LIFECYCLE_HOOKS.map(({ event, file }, index) =>
      this.hookFunction(event, file, { smokeTest: smokeTests[event], logGroup: logGroups[index], execution, props }),
    );
  }

  /**
   * The ALB is internet-facing: the smoke tests leave through the NAT gateways and arrive at its
   * public addresses, so the test listener must admit the NAT addresses (not this security group).
   */
  private openPathToListeners(props: ValidationHooksProps): void {
    const { listeners } = props.loadBalancer;
    for (const port of new Set([listeners.production.port, listeners.test.port, 443])) {
      allowTcpOut(this, `egress-${port}`, this.securityGroup, {
        port,
        peer: { cidr: '0.0.0.0/0' },
        description: port === 443 ? 'CodeDeploy API (status reports)' : `Smoke test to listener port ${port}`,
      });
    }
    props.loadBalancer.allowTestTrafficFrom(
      'test-from-nat',
      props.network.natPublicIps,
      'QA listener from the NAT gateways (validation hooks)',
    );
  }

  private executionRole(logGroups: readonly CloudwatchLogGroup[], deploymentGroupArn: string): ExecutionRole {
    const role = serviceRole(this, 'role', {
      name: EnvironmentContext.of(this).names.hooksRole,
      description: 'CodeDeploy lifecycle hook functions of one environment',
      servicePrincipal: 'lambda.amazonaws.com',
      // No source-account condition: Lambda does not send aws:SourceAccount for execution roles.
    });
    const policy = grant(this, 'hooks', role, [
      {
        sid: 'ReportLifecycleStatus',
        actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
        resources: [deploymentGroupArn],
      },
      {
        sid: 'WriteLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: logGroups.map(logStreamsOf),
      },
      {
        sid: 'RunInTheVpc',
        actions: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        // The EC2 actions of AWSLambdaVPCAccessExecutionRole (v3, January 2024, which added DescribeSubnets).
        // Lambda manages the functions' network interfaces, whose ids do not exist beforehand;
        // the Describe* calls have no resource-level permissions.
        resources: ['*'],
      },
    ]);
    return { roleArn: role.arn, policy };
  }

  private hookFunction(
    event: LifecycleEvent,
    file: string,
    parts: {
      smokeTest?: SmokeTestConfig;
      logGroup: CloudwatchLogGroup;
      execution: ExecutionRole;
      props: ValidationHooksProps;
    },
  ): string {
    const { smokeTest, props } = parts;
    const bundle = bundleHook(file);
    const code = new TerraformAsset(this, `${event}-code`, {
      path: bundle.zipPath,
      type: AssetType.FILE,
      assetHash: bundle.sha256Hex,
    });
    const fn = new LambdaFunction(this, event, {
      functionName: this.functionNames[event],
      description: smokeTest
        ? `CodeDeploy ${event}: HTTP smoke test of ${smokeTest.url}`
        : `CodeDeploy ${event}: logs the deployment context`,
      role: parts.execution.roleArn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      architectures: ['arm64'],
      filename: code.path,
      sourceCodeHash: bundle.sha256Base64,
      memorySize: 256,
      timeout: props.settings.timeoutSeconds,
      vpcConfig: { subnetIds: [...props.network.privateSubnetIds], securityGroupIds: [this.securityGroup.id] },
      environment: smokeTest ? { variables: { SMOKE_TEST: JSON.stringify(smokeTest) } } : undefined,
      loggingConfig: { logFormat: 'Text', logGroup: parts.logGroup.name },
      // Creating a function in a VPC checks the role's network-interface permissions.
      dependsOn: [parts.execution.policy],
    });
    return fn.arn;
  }
}
