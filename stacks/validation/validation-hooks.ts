import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { ApprovalConfig, HookName, SmokeTestConfig } from '../../hooks/contract';
import { hookFunctionName } from '../config/names';
import type { EnvironmentConfig } from '../config/schema';
import type { NetworkRef } from '../network/network';
import type { LoadBalancerRef } from '../service/refs';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole, type PolicyStatement } from '../shared/iam';
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

/** One hook function: which handler it runs and what it checks. */
export interface HookFunctionSpec {
  /** Names the function (config/names.ts) and its construct. */
  readonly name: HookName;
  /** Handler file in hooks/. */
  readonly file: string;
  /** What invokes it and when, for its description: e.g. "CodeDeploy AfterAllowTestTraffic". */
  readonly invokedAt: string;
  /** The listener its smoke test calls, if it runs one. */
  readonly smokeTest?: 'test' | 'production';
  /** Operator approval it waits for after its smoke test (ECS engine). */
  readonly approval?: ApprovalConfig;
}

/** What a deployment engine needs from its hook functions. */
export interface HookPlan {
  /** "CodeDeploy" or "ECS": who invokes the functions, for descriptions. */
  readonly invokedBy: string;
  readonly functions: readonly HookFunctionSpec[];
  readonly roleName: string;
  readonly securityGroupName: string;
  /** AWS calls the functions make besides logging: reporting status, reading approval signals. */
  readonly statements: readonly PolicyStatement[];
  /** Why the functions need HTTPS to AWS APIs, for the egress rule's description; none if they call none. */
  readonly apiUse?: string;
}

export interface ValidationHooksProps {
  readonly network: NetworkRef;
  readonly loadBalancer: SmokeTestTarget;
  readonly settings: EnvironmentConfig['hooks'];
  /** The engine's functions and what they may do. */
  readonly plan: HookPlan;
}

/** A deployed hook function. */
export interface HookFunction {
  readonly name: HookName;
  readonly functionName: string;
  readonly arn: string;
}

/**
 * One Lambda function per lifecycle hook the deployment engine invokes, bundled from hooks/ at
 * synth. They run in the private subnets with their own security group; their role may do what the
 * engine's plan allows (report status to this deployment group, read this environment's approval
 * signals) and nothing else. The smoke tests call the test listener after test traffic and the
 * production listener after production traffic.
 */
export class ValidationHooks extends Construct {
  /** Hook name -> function name, for the appspec Hooks section. */
  readonly functionNames: Readonly<Record<string, string>>;
  /** ARNs the deployment engine must be allowed to invoke. */
  readonly functionArns: string[];
  readonly functions: readonly HookFunction[];
  private readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: ValidationHooksProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    const { plan } = props;
    this.securityGroup = securityGroup(this, 'security-group', {
      name: plan.securityGroupName,
      description: `${plan.invokedBy} lifecycle hooks: HTTP to the listeners, HTTPS to AWS APIs`,
      vpcId: props.network.vpcId,
    });
    this.openPathToListeners(props);

    const functionNames = plan.functions.map((spec) => hookFunctionName(names, spec.name));
    const logGroups = plan.functions.map((spec, index) =>
      logGroup(this, `${spec.name}-logs`, `/aws/lambda/${functionNames[index]}`),
    );
    const execution = this.executionRole(logGroups, plan);
    const { listeners } = props.loadBalancer;
    const port = { test: listeners.test.port, production: listeners.production.port };
    this.functions = plan.functions.map((spec, index) => {
      const smokeTest = spec.smokeTest && {
        url: props.loadBalancer.url(port[spec.smokeTest]),
        ...props.settings.smokeTest,
      };
      const arn = this.hookFunction(spec, functionNames[index], {
        smokeTest,
        logGroup: logGroups[index],
        execution,
        props,
      });
      return { name: spec.name, functionName: functionNames[index], arn };
    });
    this.functionNames = Object.fromEntries(this.functions.map((fn) => [fn.name, fn.functionName]));
    this.functionArns = this.functions.map((fn) => fn.arn);
  }

  /**
   * The ALB is internet-facing: the smoke tests leave through the NAT gateways and arrive at its
   * public addresses, so the test listener must admit the NAT addresses (not this security group).
   */
  private openPathToListeners(props: ValidationHooksProps): void {
    const { listeners } = props.loadBalancer;
    const { apiUse } = props.plan;
    const ports = [listeners.production.port, listeners.test.port, ...(apiUse ? [443] : [])];
    for (const port of new Set(ports)) {
      allowTcpOut(this, `egress-${port}`, this.securityGroup, {
        port,
        peer: { cidr: '0.0.0.0/0' },
        description: port === 443 && apiUse ? apiUse : `Smoke test to listener port ${port}`,
      });
    }
    props.loadBalancer.allowTestTrafficFrom(
      'test-from-nat',
      props.network.natPublicIps,
      'QA listener from the NAT gateways (validation hooks)',
    );
  }

  private executionRole(logGroups: readonly CloudwatchLogGroup[], plan: HookPlan): ExecutionRole {
    const role = serviceRole(this, 'role', {
      name: plan.roleName,
      description: `${plan.invokedBy} lifecycle hook functions of one environment`,
      servicePrincipal: 'lambda.amazonaws.com',
      // No source-account condition: Lambda does not send aws:SourceAccount for execution roles.
    });
    const policy = grant(this, 'hooks', role, [
      ...plan.statements,
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
    spec: HookFunctionSpec,
    functionName: string,
    parts: {
      smokeTest?: SmokeTestConfig;
      logGroup: CloudwatchLogGroup;
      execution: ExecutionRole;
      props: ValidationHooksProps;
    },
  ): string {
    const { smokeTest, props } = parts;
    const bundle = bundleHook(spec.file);
    const code = new TerraformAsset(this, `${spec.name}-code`, {
      path: bundle.zipPath,
      type: AssetType.FILE,
      assetHash: bundle.sha256Hex,
    });
    const variables: Record<string, string> = {};
    if (smokeTest) variables.SMOKE_TEST = JSON.stringify(smokeTest);
    if (spec.approval) variables.APPROVAL = JSON.stringify(spec.approval);
    const fn = new LambdaFunction(this, spec.name, {
      functionName,
      description: describeHook(spec, smokeTest),
      role: parts.execution.roleArn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      architectures: ['arm64'],
      filename: code.path,
      sourceCodeHash: bundle.sha256Base64,
      memorySize: 256,
      timeout: props.settings.timeoutSeconds,
      vpcConfig: { subnetIds: [...props.network.privateSubnetIds], securityGroupIds: [this.securityGroup.id] },
      environment: Object.keys(variables).length > 0 ? { variables } : undefined,
      loggingConfig: { logFormat: 'Text', logGroup: parts.logGroup.name },
      // Creating a function in a VPC checks the role's network-interface permissions.
      dependsOn: [parts.execution.policy],
    });
    return fn.arn;
  }
}

/** "CodeDeploy AfterAllowTestTraffic: HTTP smoke test of <url>", and the approval wait if any. */
function describeHook(spec: HookFunctionSpec, smokeTest: SmokeTestConfig | undefined): string {
  if (!smokeTest) return `${spec.invokedAt}: logs the deployment context`;
  const approval = spec.approval ? `, then waits up to ${spec.approval.waitMinutes} min for approval` : '';
  return `${spec.invokedAt}: HTTP smoke test of ${smokeTest.url}${approval}`;
}
