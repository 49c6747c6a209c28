import { dependable, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import {
  EcsService,
  type EcsServiceDeploymentConfiguration,
  type EcsServiceLoadBalancer,
  type EcsServiceLoadBalancerAdvancedConfiguration,
} from '@cdktf/provider-aws/lib/ecs-service';
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
  /** Who deploys new revisions: CodeDeploy (task sets) or ECS itself (service revisions). */
  readonly controller: 'CODE_DEPLOY' | 'ECS';
}

/** What the ECS engine sets on the service for ECS-native blue/green. */
export interface EcsBlueGreenWiring {
  /** Strategy, its canary or linear steps, bake time and lifecycle hooks. */
  readonly deploymentConfiguration: EcsServiceDeploymentConfiguration;
  /** The alternate target group, the listener rules and the role ECS shifts traffic with. */
  readonly advancedConfiguration: EcsServiceLoadBalancerAdvancedConfiguration;
  /** Alarms that stop and roll back a deployment. */
  readonly alarmNames: readonly string[];
  /** ECS checks the roles when the service is created: their permissions must exist first. */
  readonly after: readonly ITerraformDependable[];
}

/** A service the ECS engine can configure for ECS-native blue/green. */
export interface EcsBlueGreenService extends EcsServiceRef {
  useEcsBlueGreen(wiring: EcsBlueGreenWiring): void;
}

/**
 * An ECS cluster and a Fargate service whose deployments belong to CodeDeploy (controller
 * CODE_DEPLOY) or to ECS itself (controller ECS, configured by the ECS engine). Terraform creates
 * the service once; afterwards every new task definition and target-group swap arrives through a
 * deployment. Its security group admits nothing until a connection to it is made.
 */
export class FargateService extends Construct implements EcsBlueGreenService {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly securityGroup: SecurityGroup;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly taskRoles: readonly IamRole[];
  readonly taskDefinitionFamily: string;
  /** What artifacts/taskdef.json is rendered from, for the pipeline's deployment files. */
  readonly taskDefinitionValues: TaskDefinitionValues;
  private readonly resource: EcsService;
  private readonly controller: FargateServiceProps['controller'];
  private readonly loadBalancer: EcsServiceLoadBalancer;

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
    this.controller = props.controller;
    const { container } = props;
    this.loadBalancer = {
      targetGroupArn: props.targetGroup.arn,
      containerName: container.name,
      containerPort: container.port,
    };
    this.resource = this.service(cluster, this.taskDefinition(props.container.initialImage), props);
    this.serviceName = this.resource.name;
  }

  /**
   * ECS engine: blue/green (or canary, linear) by ECS with the alternate target group and listener
   * rules, lifecycle hooks, and rollback on any deployment alarm (and, for blue/green, when tasks never
   * reach a steady state).
   */
  useEcsBlueGreen(wiring: EcsBlueGreenWiring): void {
    if (this.controller !== 'ECS') throw new Error('useEcsBlueGreen needs a service created with the ECS controller');
    this.resource.putDeploymentConfiguration(wiring.deploymentConfiguration);
    this.resource.putLoadBalancer([{ ...this.loadBalancer, advancedConfiguration: wiring.advancedConfiguration }]);
    this.resource.putAlarms({ alarmNames: [...wiring.alarmNames], enable: true, rollback: true });
    // Tasks that never reach a steady state fail the deployment and roll it back. The ECS guide ("How the
    // Amazon ECS deployment circuit breaker detects failures",
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html)
    // supports it for rolling and blue/green deployments; no AWS page says it applies to canary or linear
    // ones, which end on a failed hook, a deployment alarm or the pipeline's deploy timeout instead.
    if (wiring.deploymentConfiguration.strategy === 'BLUE_GREEN') {
      this.resource.putDeploymentCircuitBreaker({ enable: true, rollback: true });
    }
    this.resource.dependsOn = [...(this.resource.dependsOn ?? []), ...wiring.after.map(dependable)];
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
    const byEcs = props.controller === 'ECS';
    return new EcsService(this, 'service', {
      name: EnvironmentContext.of(this).names.service,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.service.desiredCount,
      launchType: 'FARGATE',
      deploymentController: { type: props.controller },
      healthCheckGracePeriodSeconds: props.service.healthCheckGracePeriodSeconds,
      networkConfiguration: {
        subnets: [...props.network.privateSubnetIds],
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [this.loadBalancer],
      ...(byEcs
        ? {
            // Blue/green keeps the full old revision until the new one took all traffic and baked.
            deploymentMaximumPercent: 200,
            deploymentMinimumHealthyPercent: 100,
          }
        : {}),
      // Destroy deletes the service even with CodeDeploy task sets or ECS revisions still running in it.
      forceDelete: true,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      lifecycle: {
        ignoreChanges: byEcs
          ? // The pipeline's ECS action registers each new task definition and updates the service with it;
            // each deployment leaves the service on whichever target group won and records the other as the
            // alternate. Terraform keeps neither, or the next apply would deploy the initial image again.
            // The desired count belongs to the operator or Application Auto Scaling once the service runs
            // (a scalable target adjusts the service's DesiredCount itself), or each apply would undo it.
            ['task_definition', 'load_balancer', 'desired_count']
          : // With the CODE_DEPLOY controller, UpdateService rejects these; CodeDeploy deployments change
            // them (appspec.yaml carries the network configuration of each new task set). Without this the
            // second apply fails.
            ['task_definition', 'load_balancer', 'desired_count', 'network_configuration'],
      },
      dependsOn: [...props.listeners],
    });
  }
}
