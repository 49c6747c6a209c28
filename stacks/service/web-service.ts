import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import type { NetworkRef } from '../network/network';
import { connect } from '../shared/security-group';
import { ContainerRegistry } from './container-registry';
import { FargateService } from './fargate-service';
import { LoadBalancer } from './load-balancer';

export interface WebServiceProps {
  readonly network: NetworkRef;
  readonly config: Pick<
    EnvironmentConfig,
    'container' | 'service' | 'loadBalancer' | 'registry' | 'allowDestroyWithData'
  >;
  /** The deployment engine decides how traffic is routed and who controls the service's deployments. */
  readonly engine: EnvironmentConfig['pipeline']['engine'];
}

/**
 * The running web service: an internet-facing ALB with its PRD/QA listeners and target-group pair,
 * the Fargate service behind it (reachable from the ALB only) and the ECR repository it pulls from.
 */
export class WebService extends Construct {
  readonly loadBalancer: LoadBalancer;
  readonly registry: ContainerRegistry;
  readonly fargate: FargateService;

  constructor(scope: Construct, id: string, { network, config, engine }: WebServiceProps) {
    super(scope, id);
    this.loadBalancer = new LoadBalancer(this, 'load-balancer', {
      network,
      settings: config.loadBalancer,
      targetPort: config.container.port,
      healthCheckPath: config.container.healthCheckPath,
      routing: engine === 'ecs' ? 'listener-rules' : 'listener-default-actions',
    });
    this.registry = new ContainerRegistry(this, 'registry', {
      keepImages: config.registry.keepImages,
      forceDelete: config.allowDestroyWithData,
    });
    this.fargate = new FargateService(this, 'fargate', {
      network,
      container: config.container,
      service: config.service,
      targetGroup: this.loadBalancer.targetGroups.primary,
      listeners: this.loadBalancer.listenerResources,
      controller: engine === 'ecs' ? 'ECS' : 'CODE_DEPLOY',
    });
    connect(this, 'load-balancer-to-tasks', {
      from: this.loadBalancer.securityGroup,
      to: this.fargate.securityGroup,
      port: config.container.port,
      description: 'Container port, from the ALB to the tasks',
    });
    this.registry.grantPull(this.fargate.executionRole, 'execution-role-pull');
  }
}
