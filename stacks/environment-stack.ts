import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from './config/schema';
import { Delivery } from './delivery/delivery';
import { BlueGreenDeployment, codeDeployHookPlan } from './deployment/blue-green-deployment';
import { EcsNativeDeployment, ecsHookPlan } from './deployment/ecs-native-deployment';
import type { DeploymentEngine } from './deployment/engine';
import { Network } from './network/network';
import { WebService } from './service/web-service';
import { EnvironmentContext } from './shared/context';
import { EnvironmentKey } from './shared/environment-key';
import { Notifications } from './shared/notifications';
import { ValidationHooks } from './validation/validation-hooks';

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Everything one environment needs: network, the web service (load balancer, ECS service, ECR),
 * validation hooks, the deployment engine (CodeDeploy or ECS-native blue/green) and the delivery
 * path that feeds it.
 */
export class EnvironmentStack extends TerraformStack {
  readonly network: Network;
  readonly service: WebService;
  readonly hooks: ValidationHooks;
  readonly deployment: DeploymentEngine;
  readonly delivery: Delivery;

  constructor(scope: Construct, { config }: EnvironmentStackProps) {
    super(scope, config.name);
    configureState(this, config);
    configureProvider(this, config);
    EnvironmentContext.attach(this, { ...config, environment: config.name });
    new EnvironmentKey(this, 'key');
    const notifications = new Notifications(this, 'notifications', { email: config.pipeline.notificationEmail });

    this.network = new Network(this, 'network', config.network);
    const { engine } = config.pipeline;
    this.service = new WebService(this, 'service', { network: this.network, config, engine });
    const { loadBalancer, fargate, registry } = this.service;
    this.hooks = new ValidationHooks(this, 'hooks', {
      network: this.network,
      loadBalancer,
      settings: config.hooks,
      plan: engine === 'ecs' ? ecsHookPlan(this, config.pipeline, config.hooks) : codeDeployHookPlan(this),
    });
    const common = { service: fargate, loadBalancer, settings: config.pipeline, notifications };
    this.deployment =
      engine === 'ecs'
        ? new EcsNativeDeployment(this, 'deployment', { ...common, hooks: this.hooks.functions })
        : new BlueGreenDeployment(this, 'deployment', {
            ...common,
            hookFunctionArns: this.hooks.functionArns,
            deploymentFiles: {
              taskDefinition: fargate.taskDefinitionValues,
              subnetIds: this.network.privateSubnetIds,
              securityGroupIds: [fargate.securityGroup.id],
              hooks: this.hooks.functionNames,
            },
          });
    this.delivery = new Delivery(this, 'delivery', {
      settings: config.pipeline,
      promotion: config.promotion,
      allowDestroyWithData: config.allowDestroyWithData,
      architecture: config.container.architecture,
      registry,
      engine: this.deployment,
      containerName: config.container.name,
      notifications,
    });
    registry.allowPromotedPulls(config.promotion.to);
    this.addOutputs(config);
  }

  private addOutputs(config: EnvironmentConfig): void {
    const { loadBalancer, registry, fargate } = this.service;
    const { source, pipeline, artifactStore } = this.delivery;
    const region = config.region;
    const outputs: Record<string, { value: string; description: string }> = {
      production_url: {
        value: loadBalancer.url(config.loadBalancer.productionPort),
        description: 'PRD listener: production traffic',
      },
      test_url: {
        value: loadBalancer.url(config.loadBalancer.testPort),
        description: 'QA listener: the new version during a deployment',
      },
      ecr_repository_url: { value: registry.repositoryUrl, description: 'Images the pipeline builds' },
      ecs_cluster_name: { value: fargate.clusterName, description: 'ECS cluster' },
      ecs_service_name: { value: fargate.serviceName, description: 'ECS service' },
      ...(source?.outputs ?? {}),
      ...promotionOutputs(config, this.delivery.promotionStartRoleArn),
      pipeline_name: { value: pipeline.pipelineName, description: 'CodePipeline' },
      pipeline_console_url: {
        value: `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline.pipelineName}/view?region=${region}`,
        description: 'Watch deployments here',
      },
      ...this.deployment.outputs,
      artifact_bucket_name: { value: artifactStore.bucketName, description: 'Pipeline artifacts and deployment files' },
    };
    for (const [name, output] of Object.entries(outputs)) new TerraformOutput(this, name, output);
  }
}

/** Where a promoted environment's images come from, and who may start its pipeline. */
function promotionOutputs(config: EnvironmentConfig, startRoleArn: string | undefined) {
  const { from, to } = config.promotion;
  return {
    ...(from && startRoleArn
      ? {
          promoted_from: {
            value: `${from.name} (account ${from.accountId}): its tested images, by digest${config.promotion.approval ? ', after an approval' : ''}`,
            description: 'Nothing is built here: the upstream Promote stage starts this pipeline',
          },
          promotion_start_role_arn: {
            value: startRoleArn,
            description: `${from.name}'s Promote step assumes this role`,
          },
        }
      : {}),
    ...(to.length > 0
      ? {
          promotes_to: {
            value: to.map((peer) => peer.name).join(', '),
            description: 'Started with each image this environment deployed (the Promote stage)',
          },
        }
      : {}),
  };
}

/** The provider, pinned to the environment's account and tagging everything it creates. */
function configureProvider(stack: TerraformStack, config: EnvironmentConfig): void {
  new AwsProvider(stack, 'aws', {
    region: config.region,
    allowedAccountIds: [config.accountId], // a dev config can never be applied to another account
    defaultTags: [{ tags: { ...config.tags, Application: config.app, Environment: config.name, ManagedBy: 'cdktf' } }],
  });
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
