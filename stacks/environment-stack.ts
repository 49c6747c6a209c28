import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { EnvironmentConfig } from './config/schema';
import { LIFECYCLE_HOOKS, type LifecycleEvent } from '../hooks/contract';
import { arnBuilder, hookFunctionName, partitionOf, resourceNames } from './config/names';
import { ArtifactStore } from './artifact-store';
import { BlueGreenDeployment } from './blue-green-deployment';
import { ContainerRegistry } from './container-registry';
import { EnvironmentKey } from './environment-key';
import { DeliveryPipeline } from './delivery-pipeline';
import { DeploymentFiles } from './deployment-files';
import { FargateService } from './fargate-service';
import { ImageBuild } from './image-build';
import { LoadBalancer } from './load-balancer';
import { Network } from './network';
import { Notifications, PUBLISHING_SERVICES } from './notifications';
import { SourceRepository } from './source-repository';
import { ValidationHooks } from './validation-hooks';

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Everything one environment needs: network, load balancer, ECS service and ECR, and the
 * delivery path CodeCommit -> CodeBuild -> ECR -> CodeDeploy blue/green.
 */
export class EnvironmentStack extends TerraformStack {
  readonly key: EnvironmentKey;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  readonly registry: ContainerRegistry;
  readonly service: FargateService;
  readonly artifactStore: ArtifactStore;
  readonly repository: SourceRepository;
  readonly hooks: ValidationHooks;
  readonly deployment: BlueGreenDeployment;
  readonly deploymentFiles: DeploymentFiles;
  readonly pipeline: DeliveryPipeline;

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

    const arn = arnBuilder(config.accountId, config.region);
    this.key = new EnvironmentKey(this, 'key', {
      alias: names.keyAlias,
      accountId: config.accountId,
      region: config.region,
      partition: partitionOf(config.region),
      publishingServices: PUBLISHING_SERVICES,
    });
    const logs = { retentionDays: config.logRetentionDays, keyArn: this.key.arn };

    this.network = new Network(this, 'network', {
      namePrefix: names.prefix,
      vpcCidr: config.network.vpcCidr,
      publicSubnetCidrs: config.network.publicSubnetCidrs,
      privateSubnetCidrs: config.network.privateSubnetCidrs,
      natGateways: config.network.natGateways,
      flowLogs: {
        traffic: config.network.flowLogTraffic,
        roleName: names.flowLogsRole,
        logGroupName: names.flowLogGroup,
        logs,
        accountId: config.accountId,
        accountLogGroupsArn: arn('logs', 'log-group:*'),
      },
    });

    this.loadBalancer = new LoadBalancer(this, 'load-balancer', {
      names,
      vpcId: this.network.vpcId,
      publicSubnetIds: this.network.publicSubnetIds,
      internetGateway: this.network.internetGateway,
      productionPort: config.loadBalancer.productionPort,
      testPort: config.loadBalancer.testPort,
      testListenerAllowedCidrs: config.loadBalancer.testListenerAllowedCidrs,
      targetPort: config.container.port,
      healthCheckPath: config.container.healthCheckPath,
      healthCheck: config.loadBalancer.healthCheck,
      deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
      https: config.loadBalancer.https,
      deletionProtection: config.loadBalancer.deletionProtection,
      accessLogs: config.loadBalancer.accessLogs,
    });

    this.registry = new ContainerRegistry(this, 'registry', {
      name: names.repository,
      keepImages: config.registry.keepImages,
      forceDelete: config.allowDestroyWithData,
      keyArn: this.key.arn,
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
      logs,
      loadBalancerSecurityGroupId: this.loadBalancer.securityGroupId,
      targetGroupArn: this.loadBalancer.primaryTargetGroup.arn,
      listeners: this.loadBalancer.listeners,
    });
    this.loadBalancer.allowTrafficTo('to-service', this.service.securityGroupId, config.container.port, 'Forward to the tasks');
    this.registry.grantPull(this.service.executionRole, 'execution-role-pull');

    this.artifactStore = new ArtifactStore(this, 'artifact-store', {
      bucketName: names.artifactBucket,
      key: this.key,
      forceDestroy: config.allowDestroyWithData,
      pipelineName: names.pipeline,
      retentionDays: config.pipeline.artifactRetentionDays,
    });

    const notifications = new Notifications(this, 'notifications', {
      topicName: names.notificationTopic,
      accountId: config.accountId,
      keyArn: this.key.arn,
      email: config.pipeline.notificationEmail,
    });

    this.repository = new SourceRepository(this, 'source', {
      name: names.sourceRepository,
      region: config.region,
      branch: config.pipeline.branch,
    });

    const { productionPort, testPort } = config.loadBalancer;
    const smokeTest = (port: number) => ({ url: this.loadBalancer.url(port), ...config.hooks.smokeTest });
    this.hooks = new ValidationHooks(this, 'hooks', {
      names,
      functionNames: Object.fromEntries(LIFECYCLE_HOOKS.map(({ event }) => [event, hookFunctionName(names, event)])) as Record<LifecycleEvent, string>,
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
      // Built from names: the deployment group's permissions need the functions' ARNs in turn.
      deploymentGroupArn: arn('codedeploy', `deploymentgroup:${names.codeDeployApplication}/${names.deploymentGroup}`),
      listenerPorts: [productionPort, testPort],
      smokeTests: { AfterAllowTestTraffic: smokeTest(testPort), AfterAllowTraffic: smokeTest(productionPort) },
      timeoutSeconds: config.hooks.timeoutSeconds,
      logs,
    });
    this.loadBalancer.allowTestTrafficFrom('test-from-nat', this.network.natPublicIps, 'QA listener from the NAT gateways (validation hooks)');

    const taskRoles = [this.service.executionRole, this.service.taskRole];
    this.deployment = new BlueGreenDeployment(this, 'deployment', {
      names,
      arn,
      clusterName: this.service.clusterName,
      serviceName: this.service.serviceName,
      productionListenerArn: this.loadBalancer.productionListenerArn,
      testListenerArn: this.loadBalancer.testListenerArn,
      primaryTargetGroup: this.loadBalancer.primaryTargetGroup,
      secondaryTargetGroup: this.loadBalancer.secondaryTargetGroup,
      loadBalancerArnSuffix: this.loadBalancer.arnSuffix,
      taskRoles,
      trafficShift: config.pipeline.trafficShift,
      waitForRerouteMinutes: config.pipeline.waitForRerouteMinutes,
      terminationWaitMinutes: config.pipeline.terminationWaitMinutes,
      alarms: config.pipeline.alarms,
      notificationTopicArn: notifications.topicArn,
      extraPermissions: [{ sid: 'InvokeLifecycleHooks', actions: ['lambda:InvokeFunction'], resources: this.hooks.functionArns }],
    });

    this.deploymentFiles = new DeploymentFiles(this, 'deployment-files', {
      bucketName: this.artifactStore.bucketName,
      keyArn: this.key.arn,
      bucketConfigured: this.artifactStore.configured,
      taskDefinition: this.service.taskDefinitionValues,
      subnetIds: this.network.privateSubnetIds,
      securityGroupIds: [this.service.securityGroupId],
      hooks: this.hooks.functionNames,
    });

    const build = new ImageBuild(this, 'build', {
      names,
      accountId: config.accountId,
      registry: this.registry,
      artifactStore: this.artifactStore,
      timeoutMinutes: config.pipeline.buildTimeoutMinutes,
      logs,
    });

    this.pipeline = new DeliveryPipeline(this, 'pipeline', {
      names,
      accountId: config.accountId,
      arn,
      repository: this.repository,
      artifactStore: this.artifactStore,
      deploymentFiles: this.deploymentFiles,
      taskDefinitionFamily: this.service.taskDefinitionValues.family,
      build,
      deployment: this.deployment,
      taskRoles,
    });

    notifications.forwardPipelineFailures(names.pipelineFailedRule, names.pipeline);
    notifications.forwardDeploymentFailures(names.deploymentFailedRule, names.codeDeployApplication, names.deploymentGroup);

    this.addOutputs(config);
  }

  private addOutputs(config: EnvironmentConfig): void {
    const region = config.region;
    const url = (port: number) => this.loadBalancer.url(port);
    this.output('production_url', url(config.loadBalancer.productionPort), 'PRD listener: production traffic');
    this.output('test_url', url(config.loadBalancer.testPort), 'QA listener: the replacement task set during a deployment');
    this.output('ecr_repository_url', this.registry.repositoryUrl, 'Images the pipeline builds');
    this.output('ecs_cluster_name', this.service.clusterName, 'ECS cluster');
    this.output('ecs_service_name', this.service.serviceName, 'ECS service');
    this.output('clone_url_http', this.repository.cloneUrlHttp, 'git clone over HTTPS (credential helper)');
    this.output('clone_url_grc', this.repository.cloneUrlGrc, 'git clone with git-remote-codecommit');
    this.output('pipeline_name', this.pipeline.pipelineName, 'CodePipeline');
    this.output(
      'pipeline_console_url',
      `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${this.pipeline.pipelineName}/view?region=${region}`,
      'Watch deployments here',
    );
    this.output('codedeploy_application_name', this.deployment.applicationName, 'CodeDeploy application');
    this.output('codedeploy_deployment_group_name', this.deployment.deploymentGroupName, 'CodeDeploy deployment group');
    this.output('artifact_bucket_name', this.artifactStore.bucketName, 'Pipeline artifacts and deployment files');
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
