import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { grant, serviceRole } from './iam';
import { logGroup as createLogGroup, type LogSettings } from './log-group';
import { allowTcpIn, allowTcpOut, securityGroup } from './security-group';
import { renderTaskDefinition, type TaskDefinitionValues } from './task-definition';

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  /** Fargate CPU units for the task. */
  readonly cpu: number;
  /** MiB for the task. */
  readonly memory: number;
  readonly readonlyRootFilesystem: boolean;
  readonly writablePaths: readonly string[];
}

export interface FargateServiceProps {
  readonly names: {
    cluster: string;
    service: string;
    taskFamily: string;
    executionRole: string;
    taskRole: string;
    securityGroupService: string;
    logGroup: string;
  };
  readonly accountId: string;
  readonly region: string;
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  readonly container: ContainerSpec;
  readonly desiredCount: number;
  readonly healthCheckGracePeriodSeconds: number;
  readonly logs: LogSettings;
  /** The ALB security group: the only source allowed to reach the containers. */
  readonly loadBalancerSecurityGroupId: string;
  /** Target group the service starts behind (the production listener's). */
  readonly targetGroupArn: string;
  /** The listeners: the target group must be attached to the ALB before the service registers tasks. */
  readonly listeners: readonly ITerraformDependable[];
}

/**
 * An ECS cluster and a Fargate service whose deployments belong to CodeDeploy (controller
 * CODE_DEPLOY). Terraform creates the service once; afterwards every new task definition,
 * target-group swap and network change arrives through a CodeDeploy deployment.
 */
export class FargateService extends Construct {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly securityGroupId: string;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  /** What artifacts/taskdef.json is rendered from, for the pipeline's deployment files. */
  readonly taskDefinitionValues: TaskDefinitionValues;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);

    // Container Insights writes to this group; created by ECS it would be unencrypted, kept forever
    // and left behind by destroy. Owned here and created first, it has the environment's key and retention.
    const insightsLogs = createLogGroup(this, 'container-insights-logs', `/aws/ecs/containerinsights/${props.names.cluster}/performance`, props.logs);
    const cluster = new EcsCluster(this, 'cluster', {
      name: props.names.cluster,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
      dependsOn: [insightsLogs],
    });
    this.clusterName = cluster.name;

    const logGroup = createLogGroup(this, 'logs', props.names.logGroup, props.logs);

    const roleProps = { servicePrincipal: 'ecs-tasks.amazonaws.com', sourceAccount: props.accountId };
    this.executionRole = serviceRole(this, 'execution-role', {
      ...roleProps,
      name: props.names.executionRole,
      description: 'ECS agent: pulls the image and writes container logs',
    });
    grant(this, 'write-logs', this.executionRole, [
      // Streams are created per task at run time, so the stream part of the ARN is a wildcard.
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.arn}:log-stream:*`] },
    ]);
    this.taskRole = serviceRole(this, 'task-role', {
      ...roleProps,
      name: props.names.taskRole,
      description: 'The application itself; grant it what the app calls',
    });

    const group = securityGroup(this, 'security-group', {
      name: props.names.securityGroupService,
      description: 'Tasks: container port from the ALB only',
      vpcId: props.vpcId,
    });
    this.securityGroupId = group.id;
    allowTcpIn(this, 'from-load-balancer', group.id, {
      port: props.container.port,
      peer: { securityGroupId: props.loadBalancerSecurityGroupId },
      description: 'Container port from the ALB',
    });
    allowTcpOut(this, 'https-out', group.id, {
      port: 443,
      peer: { cidr: '0.0.0.0/0' },
      description: 'HTTPS out through NAT: ECR image layers, CloudWatch Logs, AWS APIs',
    });

    this.taskDefinitionValues = {
      family: props.names.taskFamily,
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      cpu: props.container.cpu,
      memory: props.container.memory,
      containerName: props.container.name,
      containerPort: props.container.port,
      logGroup: logGroup.name,
      region: props.region,
      readonlyRootFilesystem: props.container.readonlyRootFilesystem,
      writablePaths: props.container.writablePaths,
    };
    // Rendered from artifacts/taskdef.json, like every later revision the pipeline registers.
    const document = renderTaskDefinition(this.taskDefinitionValues, props.container.image);
    const taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: document.family,
      requiresCompatibilities: document.requiresCompatibilities,
      networkMode: document.networkMode,
      cpu: document.cpu,
      memory: document.memory,
      executionRoleArn: document.executionRoleArn,
      taskRoleArn: document.taskRoleArn,
      runtimePlatform: document.runtimePlatform,
      volume: document.volumes,
      containerDefinitions: JSON.stringify(document.containerDefinitions),
    });

    const service = new EcsService(this, 'service', {
      name: props.names.service,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      launchType: 'FARGATE',
      deploymentController: { type: 'CODE_DEPLOY' },
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds,
      networkConfiguration: {
        subnets: [...props.privateSubnetIds],
        securityGroups: [group.id],
        assignPublicIp: false,
      },
      loadBalancer: [
        { targetGroupArn: props.targetGroupArn, containerName: props.container.name, containerPort: props.container.port },
      ],
      // Destroy deletes the service even with CodeDeploy task sets still running in it.
      forceDelete: true,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      lifecycle: {
        // With the CODE_DEPLOY controller, UpdateService rejects these; CodeDeploy deployments change
        // them (appspec.yaml carries the network configuration of each new task set). Without this the
        // second apply fails.
        ignoreChanges: ['task_definition', 'load_balancer', 'desired_count', 'network_configuration'],
      },
      dependsOn: [...props.listeners],
    });
    this.serviceName = service.name;
  }
}
