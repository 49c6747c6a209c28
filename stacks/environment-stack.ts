import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from './config/schema';
import { resourceNames } from './config/names';
import { ContainerRegistry } from './container-registry';
import { FargateService } from './fargate-service';
import { LoadBalancer } from './load-balancer';
import { Network } from './network';

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
}

/** Everything one environment needs: network, load balancer, ECS service and ECR. */
export class EnvironmentStack extends TerraformStack {
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  readonly registry: ContainerRegistry;
  readonly service: FargateService;

  constructor(scope: Construct, { config }: EnvironmentStackProps) {
    super(scope, config.name);
    const names = resourceNames(config.app, config.name, config.accountId, config.region);

    configureState(this, config);
    new AwsProvider(this, 'aws', {
      region: config.region,
      allowedAccountIds: [config.accountId], // a dev config can never be applied to another account
      defaultTags: [
        { tags: { ...config.tags, Application: config.app, Environment: config.name, ManagedBy: 'cdktf' } },
      ],
    });

    this.network = new Network(this, 'network', {
      namePrefix: names.prefix,
      vpcCidr: config.network.vpcCidr,
      publicSubnetCidrs: config.network.publicSubnetCidrs,
      privateSubnetCidrs: config.network.privateSubnetCidrs,
      natGateways: config.network.natGateways,
    });

    this.loadBalancer = new LoadBalancer(this, 'load-balancer', {
      names,
      vpcId: this.network.vpcId,
      publicSubnetIds: this.network.publicSubnetIds,
      productionPort: config.loadBalancer.productionPort,
      testPort: config.loadBalancer.testPort,
      testListenerAllowedCidrs: config.loadBalancer.testListenerAllowedCidrs,
      targetPort: config.container.port,
      healthCheckPath: config.container.healthCheckPath,
      healthCheck: config.loadBalancer.healthCheck,
      deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
    });

    this.registry = new ContainerRegistry(this, 'registry', {
      name: names.repository,
      keepImages: config.registry.keepImages,
      forceDelete: config.allowDestroyWithData,
    });

    this.service = new FargateService(this, 'service', {
      names,
      accountId: config.accountId,
      region: config.region,
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
      container: { ...config.container, image: config.container.initialImage },
      desiredCount: config.service.desiredCount,
      healthCheckGracePeriodSeconds: config.service.healthCheckGracePeriodSeconds,
      logRetentionDays: config.logRetentionDays,
      loadBalancerSecurityGroupId: this.loadBalancer.securityGroupId,
      targetGroupArn: this.loadBalancer.primaryTargetGroup.arn,
      listeners: this.loadBalancer.listeners,
    });
    this.loadBalancer.allowTrafficTo('to-service', this.service.securityGroupId, config.container.port, 'Forward to the tasks');
    this.registry.grantPull(this.service.executionRole, 'execution-role-pull');

    const url = (port: number) => `http://${this.loadBalancer.dnsName}${port === 80 ? '' : `:${port}`}`;
    this.output('production_url', url(config.loadBalancer.productionPort), 'PRD listener: production traffic');
    this.output('test_url', url(config.loadBalancer.testPort), 'QA listener: the replacement task set during a deployment');
    this.output('ecr_repository_url', this.registry.repositoryUrl, 'Push images here (the pipeline does)');
    this.output('ecs_cluster_name', this.service.clusterName, 'ECS cluster');
    this.output('ecs_service_name', this.service.serviceName, 'ECS service');
  }

  private output(name: string, value: string, description: string): void {
    new TerraformOutput(this, name, { value, description });
  }
}

/** S3 state with S3-native locking when configured; a local file otherwise. */
function configureState(stack: TerraformStack, config: EnvironmentConfig): void {
  if (!config.state) {
    // Terraform runs in cdktf.out/stacks/<env>: keep the state file in the project root, out of cdktf.out.
    new LocalBackend(stack, { path: `../../../terraform.${config.name}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: config.state.bucket,
    key: `${config.state.keyPrefix}/${config.app}/${config.name}/terraform.tfstate`,
    region: config.state.region ?? config.region,
    encrypt: true,
  });
  // Terraform >= 1.10 locks with a lock object in the bucket; cdktf 0.21's typed config predates it.
  backend.addOverride('use_lockfile', true);
}
