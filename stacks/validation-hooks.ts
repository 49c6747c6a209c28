import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LIFECYCLE_HOOKS, type LifecycleEvent, type SmokeTestConfig } from '../hooks/contract';
import { bundleHook } from './hook-bundle';
import { grant, serviceRole } from './iam';
import { logGroup as createLogGroup, type LogSettings } from './log-group';
import { allowTcpOut, securityGroup } from './security-group';

export interface ValidationHooksProps {
  /** Function name per lifecycle event, plus the role and security group names. */
  readonly functionNames: Readonly<Record<LifecycleEvent, string>>;
  readonly names: { hooksRole: string; securityGroupHooks: string };
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  /** The deployment group whose lifecycle events the functions may report on. */
  readonly deploymentGroupArn: string;
  /** Listener ports the smoke tests call (through the NAT gateways to the ALB). */
  readonly listenerPorts: readonly number[];
  /** Smoke test per event; events without one log the deployment context and pass. */
  readonly smokeTests: Partial<Readonly<Record<LifecycleEvent, SmokeTestConfig>>>;
  readonly timeoutSeconds: number;
  readonly logs: LogSettings;
}

/**
 * One Lambda function per CodeDeploy ECS lifecycle hook, bundled from hooks/ at synth. They
 * run in the private subnets with their own security group; their role may report lifecycle
 * status only for this environment's deployment group.
 */
export class ValidationHooks extends Construct {
  /** Lifecycle event -> function name, for the appspec Hooks section. */
  readonly functionNames: Readonly<Record<LifecycleEvent, string>>;
  /** ARNs CodeDeploy must be allowed to invoke. */
  readonly functionArns: string[];

  constructor(scope: Construct, id: string, props: ValidationHooksProps) {
    super(scope, id);
    this.functionNames = props.functionNames;

    const group = securityGroup(this, 'security-group', {
      name: props.names.securityGroupHooks,
      description: 'CodeDeploy lifecycle hooks: HTTP to the listeners, HTTPS to AWS APIs',
      vpcId: props.vpcId,
    });
    // The ALB is internet-facing: the smoke tests reach it through NAT at its public addresses.
    for (const port of new Set([...props.listenerPorts, 443])) {
      allowTcpOut(this, `egress-${port}`, group.id, {
        port,
        peer: { cidr: '0.0.0.0/0' },
        description: port === 443 ? 'CodeDeploy API (status reports)' : `Smoke test to listener port ${port}`,
      });
    }

    const logGroups = LIFECYCLE_HOOKS.map(({ event }) => createLogGroup(this, `${event}-logs`, `/aws/lambda/${props.functionNames[event]}`, props.logs));

    const role = serviceRole(this, 'role', {
      name: props.names.hooksRole,
      description: 'CodeDeploy lifecycle hook functions of one environment',
      servicePrincipal: 'lambda.amazonaws.com',
      // No source-account condition: Lambda does not send aws:SourceAccount for execution roles.
    });
    const policy = grant(this, 'hooks', role, [
      {
        sid: 'ReportLifecycleStatus',
        actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
        resources: [props.deploymentGroupArn],
      },
      {
        sid: 'WriteLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // Streams are created per execution environment at run time.
        resources: logGroups.map((group) => `${group.arn}:log-stream:*`),
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

    const functions = LIFECYCLE_HOOKS.map(({ event, file }, index) => {
      const bundle = bundleHook(file);
      const code = new TerraformAsset(this, `${event}-code`, { path: bundle.zipPath, type: AssetType.FILE, assetHash: bundle.sha256Hex });
      const smokeTest = props.smokeTests[event];
      return new LambdaFunction(this, event, {
        functionName: props.functionNames[event],
        description: smokeTest ? `CodeDeploy ${event}: HTTP smoke test of ${smokeTest.url}` : `CodeDeploy ${event}: logs the deployment context`,
        role: role.arn,
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        architectures: ['arm64'],
        filename: code.path,
        sourceCodeHash: bundle.sha256Base64,
        memorySize: 256,
        timeout: props.timeoutSeconds,
        vpcConfig: { subnetIds: [...props.privateSubnetIds], securityGroupIds: [group.id] },
        environment: smokeTest ? { variables: { SMOKE_TEST: JSON.stringify(smokeTest) } } : undefined,
        loggingConfig: { logFormat: 'Text', logGroup: logGroups[index].name },
        // Creating a function in a VPC checks the role's network-interface permissions.
        dependsOn: [policy],
      });
    });
    this.functionArns = functions.map((fn) => fn.arn);
  }
}
