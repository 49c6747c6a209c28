import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { EnvironmentConfig } from '../config/schema';
import type { NetworkRef } from '../network/network';
import { ARCHITECTURES } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import { grant, serviceRole } from '../shared/iam';
import { logGroup, logStreamsOf } from '../shared/log-group';
import { allowTcpOut, securityGroup } from '../shared/security-group';
import type { EcsServiceRef, TargetGroupRef } from './refs';
import { renderTaskDefinition, type TaskDefinitionValues } from './task-definition';

export type ContainerSettings = EnvironmentConfig['container'];
export type ServiceSettings = EnvironmentConfig['service'];

export interface FargateServiceProps {
  readonly network: NetworkRef;
  readonly container: ContainerSettings;
  readonly service: ServiceSettings;
  /** Target group the service starts behind (the production listener's). */
  readonly targetGroup: TargetGroupRef;
  /** The listeners: the target group must be attached to the ALB before the service registers tasks. */
  readonly listeners: readonly ITerraformDependable[];
}

/**
 * An ECS cluster and a Fargate service whose deployments belong to CodeDeploy (controller
 * CODE_DEPLOY). Terraform creates the service once; afterwards every new task definition,
 * target-group swap and network change arrives through a CodeDeploy deployment. Its security
 * group admits nothing until a connection to it is made.
 */
export class FargateService extends Construct implements EcsServiceRef {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly securityGroup: SecurityGroup;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly taskRoles: readonly IamRole[];
  readonly taskDefinitionFamily: string;
  /** What artifacts/taskdef.json is rendered from, for the pipeline's deployment files. */
  readonly taskDefinitionValues: TaskDefinitionValues;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    const { names } = context;
    const cluster = this.cluster(names.cluster);
    this.clusterName = cluster.name;

    const logs = logGroup(this, 'logs', names.logGroup);
    const roleProps = { servicePrincipal: 'ecs-tasks.amazonaws.com', thisAccountOnly: true };
    this.executionRole = serviceRole(this, 'execution-role', {
      ...roleProps,
      name: names.executionRole,
      description: 'ECS agent: pulls the image and writes container logs',
    });
    grant(this, 'write-logs', this.executionRole, [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamsOf(logs)] },
    ]);
    this.taskRole = serviceRole(this, 'task-role', {
      ...roleProps,
      name: names.taskRole,
      description: 'The application itself; grant it what the app calls',
    });
    this.taskRoles = [this.executionRole, this.taskRole];

    this.securityGroup = securityGroup(this, 'security-group', {
      name: names.securityGroupService,
      description: 'Tasks: container port from the ALB only',
      vpcId: props.network.vpcId,
    });
    allowTcpOut(this, 'https-out', this.securityGroup, {
      port: 443,
      peer: { cidr: '0.0.0.0/0' },
      description: 'HTTPS out through NAT: ECR image layers, CloudWatch Logs, AWS APIs',
    });

    this.taskDefinitionValues = {
      family: names.taskFamily,
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      cpu: props.container.cpu,
      memory: props.container.memory,
      containerName: props.container.name,
      containerPort: props.container.port,
      logGroup: logs.name,
      region: context.region,
      readonlyRootFilesystem: props.container.readonlyRootFilesystem,
      cpuArchitecture: ARCHITECTURES[props.container.architecture].ecsCpuArchitecture,
      writablePaths: props.container.writablePaths,
    };
    this.taskDefinitionFamily = this.taskDefinitionValues.family;
    this.serviceName = this.service(cluster, this.taskDefinition(props.container.initialImage), props).name;
  }

  /**
   * Container Insights writes to its performance log group; created by ECS it would be unencrypted,
   * kept forever and left behind by destroy. Owned here and created first, it has the environment's
   * key and retention.
   */
  private cluster(name: string): EcsCluster {
    const insightsLogs = logGroup(this, 'container-insights-logs', `/aws/ecs/containerinsights/${name}/performance`);
    return new EcsCluster(this, 'cluster', {
      name,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
      dependsOn: [insightsLogs],
    });
  }

  /** Rendered from artifacts/taskdef.json, like every later revision the pipeline registers. */
  private taskDefinition(image: string): EcsTaskDefinition {
    const document = renderTaskDefinition(this.taskDefinitionValues, image);
    return new EcsTaskDefinition(this, 'task-definition', {
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
  }

  private service(cluster: EcsCluster, taskDefinition: EcsTaskDefinition, props: FargateServiceProps): EcsService {
    const { container } = props;
    return new EcsService(this, 'service', {
      name: EnvironmentContext.of(this).names.service,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.service.desiredCount,
      launchType: 'FARGATE',
      deploymentController: { type: 'CODE_DEPLOY' },
      healthCheckGracePeriodSeconds: props.service.healthCheckGracePeriodSeconds,
      networkConfiguration: {
        subnets: [...props.network.privateSubnetIds],
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [
        { targetGroupArn: props.targetGroup.arn, containerName: container.name, containerPort: container.port },
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
  }
}
