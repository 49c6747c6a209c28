import { TerraformOutput, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { ArtifactStore } from '../stacks/delivery/artifact-store';
import { DeliveryPipeline } from '../stacks/delivery/delivery-pipeline';
import { ImageBuild } from '../stacks/delivery/image-build';
import { SourceRepository } from '../stacks/delivery/source-repository';
import { BlueGreenDeployment } from '../stacks/deployment/blue-green-deployment';
import { EcsNativeDeployment } from '../stacks/deployment/ecs-native-deployment';
import type { DeploymentEngine } from '../stacks/deployment/engine';
import type { NetworkRef } from '../stacks/network/network';
import type { EcsServiceRef, LoadBalancerRef } from '../stacks/service/refs';
import { EnvironmentContext } from '../stacks/shared/context';
import { FargateService } from '../stacks/service/fargate-service';
import { LoadBalancer } from '../stacks/service/load-balancer';
import { logGroup } from '../stacks/shared/log-group';
import { Notifications } from '../stacks/shared/notifications';
import { connect, securityGroup } from '../stacks/shared/security-group';
import { inTestEnvironment, TEST_CONTEXT, TEST_KEY_ARN } from './support/context';
import type { Json } from './support/synth';

// Each construct on its own, wired to plain references: what it does with what it is given.
// The stack tests keep the wires between constructs.

function synth(build: (scope: Construct) => void): Json {
  return JSON.parse(
    Testing.synthScope((scope) => {
      inTestEnvironment(scope);
      build(scope);
    }),
  );
}
const only = (json: Json, type: string) => {
  const entries = Object.entries(json.resource?.[type] ?? {});
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return entries[0][1] as Json;
};
const statements = (json: Json, policyName: string): Json[] =>
  JSON.parse((Object.values(json.resource.aws_iam_role_policy) as Json[]).find((p) => p.name === policyName).policy)
    .Statement;

const LISTENERS = {
  production: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-test-alb/1/prd', port: 80 },
  test: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-test-alb/1/qa', port: 8080 },
};
const LOAD_BALANCER: LoadBalancerRef = {
  arnSuffix: 'app/web-test-alb/1',
  listeners: LISTENERS,
  targetGroups: {
    primary: { name: 'web-test-primary', arn: 'arn:tg/primary', arnSuffix: 'targetgroup/web-test-primary/1' },
    secondary: { name: 'web-test-secondary', arn: 'arn:tg/secondary', arnSuffix: 'targetgroup/web-test-secondary/2' },
  },
  url: (port) => `http://alb.example:${port}`,
};
const TASK_ROLES = [
  { name: 'web-test-ecs-execution', arn: 'arn:aws:iam::123456789012:role/web-test-ecs-execution' },
  { name: 'web-test-ecs-task', arn: 'arn:aws:iam::123456789012:role/web-test-ecs-task' },
];
const TASK_DEFINITION = {
  family: 'web-test',
  executionRoleArn: TASK_ROLES[0].arn,
  taskRoleArn: TASK_ROLES[1].arn,
  cpu: 256,
  memory: 512,
  containerName: 'app',
  containerPort: 80,
  logGroup: '/ecs/web-test',
  region: TEST_CONTEXT.region,
  readonlyRootFilesystem: true,
  cpuArchitecture: 'X86_64',
  writablePaths: [],
};
const NETWORK: NetworkRef = {
  vpcId: 'vpc-1',
  publicSubnetIds: ['subnet-public-1', 'subnet-public-2'],
  privateSubnetIds: ['subnet-private-1', 'subnet-private-2'],
  natPublicIps: ['198.51.100.1'],
  internetGateway: { fqn: 'aws_internet_gateway.igw' },
};
const LOAD_BALANCER_SETTINGS = {
  productionPort: 80,
  testPort: 8080,
  deletionProtection: false,
  healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 },
  deregistrationDelaySeconds: 5,
};
const CONTAINER = {
  name: 'app',
  initialImage: 'public.ecr.aws/docker/library/httpd:2.4',
  port: 80,
  cpu: 256,
  memory: 512,
  healthCheckPath: '/',
  readonlyRootFilesystem: true,
  writablePaths: [],
  architecture: 'x86_64' as const,
};
const SERVICE: EcsServiceRef = {
  clusterName: 'web-test',
  serviceName: 'web-test',
  securityGroup: { id: 'sg-service' },
  taskDefinitionFamily: 'web-test',
  taskRoles: TASK_ROLES,
};

describe('EnvironmentContext', () => {
  it('refuses to be read before it is attached, saying what to do', () => {
    expect(() => Testing.synthScope((scope) => logGroup(scope, 'logs', '/test'))).toThrow(
      /no environment context: call EnvironmentContext.attach first/,
    );
  });

  it('builds ARNs in the partition of the region', () => {
    Testing.synthScope((scope) => {
      const context = EnvironmentContext.attach(scope, { ...TEST_CONTEXT, region: 'cn-north-1' });
      expect(context.arn('ecs', 'service/a/b')).toBe('arn:aws-cn:ecs:cn-north-1:123456789012:service/a/b');
      expect(context.arn('iam', 'root', { global: true })).toBe('arn:aws-cn:iam::123456789012:root');
    });
  });

  it('gives every log group the environment retention and key', () => {
    const json = synth((scope) => logGroup(scope, 'logs', '/test'));
    expect(only(json, 'aws_cloudwatch_log_group')).toEqual({
      name: '/test',
      retention_in_days: TEST_CONTEXT.logRetentionDays,
      kms_key_id: TEST_KEY_ARN,
    });
  });
});

describe('connect()', () => {
  it('creates the egress rule on one side and the ingress rule on the other, for one port', () => {
    const json = synth((scope) => {
      const from = securityGroup(scope, 'from', { name: 'a', description: 'a', vpcId: 'vpc-1' });
      const to = securityGroup(scope, 'to', { name: 'b', description: 'b', vpcId: 'vpc-1' });
      connect(scope, 'a-to-b', { from, to, port: 8080, description: 'a to b' });
    });
    const [from, to] = ['from', 'to'].map((id) => `\${aws_security_group.${id}.id}`);
    const rule = { ip_protocol: 'tcp', from_port: 8080, to_port: 8080, description: 'a to b' };
    expect(only(json, 'aws_vpc_security_group_egress_rule')).toEqual({
      ...rule,
      security_group_id: from,
      referenced_security_group_id: to,
    });
    expect(only(json, 'aws_vpc_security_group_ingress_rule')).toEqual({
      ...rule,
      security_group_id: to,
      referenced_security_group_id: from,
    });
  });
});

describe('BlueGreenDeployment as a deployment engine', () => {
  let engine!: BlueGreenDeployment;
  const json = synth((scope) => {
    engine = new BlueGreenDeployment(scope, 'deployment', {
      service: SERVICE,
      loadBalancer: LOAD_BALANCER,
      settings: {
        trafficShift: 'Canary10Percent5Minutes',
        waitForRerouteMinutes: 30,
        terminationWaitMinutes: 5,
        alarms: { target5xxPerMinute: 5, loadBalancer5xxPerMinute: 10, evaluationMinutes: 2 },
      },
      notifications: new Notifications(scope, 'notifications'),
      hookFunctionArns: ['arn:aws:lambda:eu-west-1:123456789012:function:hook'],
      deploymentFiles: {
        taskDefinition: TASK_DEFINITION,
        subnetIds: ['subnet-1'],
        securityGroupIds: ['sg-service'],
        hooks: { AfterAllowTestTraffic: 'hook' },
      },
    });
  });
  const group = only(json, 'aws_codedeploy_deployment_group');

  it('shifts traffic between exactly the listener and target-group pair it was given', () => {
    expect(group.load_balancer_info.target_group_pair_info).toEqual({
      prod_traffic_route: { listener_arns: [LISTENERS.production.arn] },
      test_traffic_route: { listener_arns: [LISTENERS.test.arn] },
      target_group: [{ name: 'web-test-primary' }, { name: 'web-test-secondary' }],
    });
    expect(group.deployment_config_name).toBe('CodeDeployDefault.ECSCanary10Percent5Minutes');
    expect(group.blue_green_deployment_config.deployment_ready_option).toEqual({
      action_on_timeout: 'STOP_DEPLOYMENT',
      wait_time_in_minutes: 30,
    });
  });

  it('lets CodeDeploy modify only those listeners, pass only the task roles and invoke only the hooks', () => {
    const granted = statements(json, 'blue-green');
    expect(granted.find((s) => s.Sid === 'SwapListeners').Resource).toEqual([
      LISTENERS.production.arn,
      LISTENERS.test.arn,
    ]);
    expect(granted.find((s) => s.Sid === 'PassTaskRoles').Resource).toEqual(TASK_ROLES.map((role) => role.arn));
    expect(granted.find((s) => s.Sid === 'InvokeLifecycleHooks').Resource).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:hook',
    );
  });

  it('hands the pipeline a CodeDeployToECS action over the artifacts the pipeline names', () => {
    const action = engine.deployAction({ deploymentFiles: 'Files', image: 'Image' });
    expect(action).toMatchObject({ provider: 'CodeDeployToECS', inputArtifacts: ['Files', 'Image'] });
    expect(action.configuration).toMatchObject({
      TaskDefinitionTemplateArtifact: 'Files',
      AppSpecTemplateArtifact: 'Files',
      Image1ArtifactName: 'Image',
    });
  });

  it('asks for task-definition registration of its own family only', () => {
    const register = engine.pipelineStatements().find((s) => s.sid === 'RegisterTaskDefinition');
    expect(register?.resources).toEqual(['arn:aws:ecs:eu-west-1:123456789012:task-definition/web-test:*']);
  });
});

describe('DeliveryPipeline with any deployment engine', () => {
  // An engine that reads no deployment files and its own image file.
  const engine: DeploymentEngine = {
    imageFile: { name: 'imagedefinitions.json', artifact: 'StubImage' },
    deployAction: (inputs) => ({
      name: 'Stub',
      category: 'Deploy',
      owner: 'AWS',
      provider: 'ECS',
      version: '1',
      inputArtifacts: [inputs.image],
      configuration: { ClusterName: 'web-test', ServiceName: 'web-test' },
    }),
    pipelineStatements: () => [{ sid: 'StubDeploys', actions: ['ecs:UpdateService'], resources: ['arn:stub'] }],
    outputs: {},
  };
  const json = synth((scope) => {
    const artifactStore = new ArtifactStore(scope, 'artifacts', { forceDestroy: true, retentionDays: 7 });
    new DeliveryPipeline(scope, 'pipeline', {
      source: new SourceRepository(scope, 'source', { branch: 'main' }),
      artifactStore,
      image: new ImageBuild(scope, 'build', {
        registry: { repositoryUrl: 'r.example/web-test', repositoryName: 'web-test', grantPush: () => undefined },
        artifactStore,
        timeoutMinutes: 20,
        architecture: 'x86_64',
        imageFile: engine.imageFile.name,
        containerName: 'app',
        commitId: '#{SourceVariables.CommitId}',
      }),
      engine,
    });
  });
  const pipeline = only(json, 'aws_codepipeline');

  it("deploys with exactly the engine's action, fed the build's image artifact", () => {
    const deploy = pipeline.stage.find((stage: Json) => stage.name === 'Deploy');
    expect(deploy.action).toEqual([
      {
        name: 'Stub',
        category: 'Deploy',
        owner: 'AWS',
        provider: 'ECS',
        version: '1',
        input_artifacts: ['StubImage'],
        configuration: { ClusterName: 'web-test', ServiceName: 'web-test' },
      },
    ]);
  });

  it("reads no deployment files when the engine asks for none, and the build writes the engine's image file", () => {
    const source = pipeline.stage.find((stage: Json) => stage.name === 'Source');
    expect(source.action.map((action: Json) => action.provider)).toEqual(['CodeCommit']);
    expect(pipeline.depends_on).toBeUndefined();
    const variables = only(json, 'aws_codebuild_project').environment.environment_variable;
    expect(variables).toContainEqual({ name: 'IMAGE_FILE', value: 'imagedefinitions.json', type: 'PLAINTEXT' });
    expect(variables).toContainEqual({ name: 'CONTAINER_NAME', value: 'app', type: 'PLAINTEXT' });
    expect(json.resource.aws_s3_object).toBeUndefined();
  });

  it("grants the pipeline role the engine's permissions", () => {
    expect(statements(json, 'actions')).toContainEqual({
      Sid: 'StubDeploys',
      Effect: 'Allow',
      Action: 'ecs:UpdateService',
      Resource: 'arn:stub',
    });
  });
});

describe('LoadBalancer and FargateService', () => {
  const json = synth((scope) => {
    const loadBalancer = new LoadBalancer(scope, 'alb', {
      network: NETWORK,
      settings: { ...LOAD_BALANCER_SETTINGS, testListenerAllowedCidrs: ['203.0.113.0/24'] },
      targetPort: 80,
      healthCheckPath: '/',
      routing: 'listener-default-actions',
    });
    loadBalancer.allowTestTrafficFrom('hooks', NETWORK.natPublicIps, 'hooks');
    new FargateService(scope, 'fargate', {
      network: NETWORK,
      container: CONTAINER,
      service: { desiredCount: 1, healthCheckGracePeriodSeconds: 30 },
      targetGroup: LOAD_BALANCER.targetGroups.primary,
      listeners: loadBalancer.listenerResources,
      controller: 'CODE_DEPLOY',
    });
  });
  const groupRef = (name: string) => {
    const [id] = Object.entries(json.resource.aws_security_group).find(([, g]) => (g as Json).name === name)!;
    return `\${aws_security_group.${id}.id}`;
  };
  const ingress = (group: string) =>
    (Object.values(json.resource.aws_vpc_security_group_ingress_rule) as Json[]).filter(
      (rule) => rule.security_group_id === groupRef(group),
    );

  it('opens the test listener only to the allowed CIDRs and the addresses it is told about', () => {
    const test = ingress('web-test-alb').filter((rule) => rule.from_port === 8080);
    expect(test.map((rule) => rule.cidr_ipv4).sort()).toEqual(['198.51.100.1/32', '203.0.113.0/24']);
  });

  it('leaves the listeners default actions to the deployment and destroys them before either target group', () => {
    const listeners = Object.values(json.resource.aws_lb_listener) as Json[];
    const groups = Object.keys(json.resource.aws_lb_target_group).map((id) => `aws_lb_target_group.${id}`);
    expect(listeners).toHaveLength(2);
    for (const listener of listeners) {
      expect(listener.lifecycle.ignore_changes).toEqual(['default_action']);
      expect(listener.depends_on.sort()).toEqual(groups.sort());
    }
  });

  it('creates the service after the listeners, under the CODE_DEPLOY controller, admitting no one by itself', () => {
    const service = only(json, 'aws_ecs_service');
    expect(service.deployment_controller).toEqual({ type: 'CODE_DEPLOY' });
    expect(service.depends_on.sort()).toEqual(
      Object.keys(json.resource.aws_lb_listener)
        .map((id) => `aws_lb_listener.${id}`)
        .sort(),
    );
    expect(service.load_balancer[0].target_group_arn).toBe('arn:tg/primary');
    expect(ingress('web-test-service')).toEqual([]);
  });
});

describe('EcsNativeDeployment as a deployment engine', () => {
  const RULES = {
    production: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web-test-alb/1/prd/1' },
    test: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web-test-alb/1/qa/1' },
  };
  const HOOKS = [
    { name: 'EcsAfterTestTraffic' as const, functionName: 'after-test', arn: 'arn:aws:lambda:eu-west-1:1:function:t' },
    {
      name: 'EcsAfterProductionTraffic' as const,
      functionName: 'after-prd',
      arn: 'arn:aws:lambda:eu-west-1:1:function:p',
    },
  ];
  let engine!: EcsNativeDeployment;
  const synthesizeEngine = (trafficShift: 'AllAtOnce' | 'Linear10PercentEvery3Minutes') =>
    synth((scope) => {
      const service = new FargateService(scope, 'fargate', {
        network: NETWORK,
        container: CONTAINER,
        service: { desiredCount: 2, healthCheckGracePeriodSeconds: 30 },
        targetGroup: LOAD_BALANCER.targetGroups.primary,
        listeners: [],
        controller: 'ECS',
      });
      engine = new EcsNativeDeployment(scope, 'deployment', {
        service,
        loadBalancer: { ...LOAD_BALANCER, rules: RULES },
        settings: {
          trafficShift,
          waitForRerouteMinutes: 10,
          terminationWaitMinutes: 7,
          deployTimeoutMinutes: 55,
          alarms: { target5xxPerMinute: 5, loadBalancer5xxPerMinute: 10, evaluationMinutes: 2 },
        },
        notifications: new Notifications(scope, 'notifications'),
        hooks: HOOKS,
      });
      // Outputs resolve what the engine hands the pipeline, as it would reach Terraform.
      new TerraformOutput(scope, 'deploy-action', { value: engine.deployAction({ image: 'Image' }) });
      new TerraformOutput(scope, 'pipeline-statements', { value: engine.pipelineStatements() });
    });
  const json = synthesizeEngine('Linear10PercentEvery3Minutes');
  const service = only(json, 'aws_ecs_service');
  const ref = (type: string, attribute: string) => `\${${type}.${Object.keys(json.resource[type])[0]}.${attribute}}`;
  const serviceArn = `arn:aws:ecs:eu-west-1:123456789012:service/${ref('aws_ecs_cluster', 'name')}/${ref('aws_ecs_service', 'name')}`;
  const roleArn = (name: string) => {
    const [id] = Object.entries(json.resource.aws_iam_role).find(([, role]) => (role as Json).name === name)!;
    return `\${aws_iam_role.${id}.arn}`;
  };

  it('maps the linear traffic shift to LINEAR steps of 10% every 3 minutes, then bakes for the termination wait', () => {
    // Linear10PercentEvery3Minutes: CodeDeploy's name for 10% more traffic every 3 minutes.
    expect(service.deployment_controller).toEqual({ type: 'ECS' });
    expect(service.deployment_configuration).toMatchObject({
      strategy: 'LINEAR',
      linear_configuration: { step_percent: 10, step_bake_time_in_minutes: '3' },
      bake_time_in_minutes: '7',
    });
    expect(service.deployment_configuration.canary_configuration).toBeUndefined();
  });

  it('runs each hook at its stage, invoked through a role that may invoke exactly those functions', () => {
    const invokeRole = roleArn('web-test-ecs-hook-invoke');
    expect(service.deployment_configuration.lifecycle_hook).toEqual([
      { hook_target_arn: HOOKS[0].arn, role_arn: invokeRole, lifecycle_stages: ['POST_TEST_TRAFFIC_SHIFT'] },
      { hook_target_arn: HOOKS[1].arn, role_arn: invokeRole, lifecycle_stages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] },
    ]);
    expect(statements(json, 'invoke-hooks')).toEqual([
      {
        Sid: 'InvokeLifecycleHooks',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: HOOKS.map((h) => h.arn),
      },
    ]);
  });

  it('shifts traffic with the alternate target group and the two rules, through a role ECS assumes', () => {
    expect(service.load_balancer).toEqual([
      {
        target_group_arn: 'arn:tg/primary',
        container_name: 'app',
        container_port: 80,
        advanced_configuration: {
          alternate_target_group_arn: 'arn:tg/secondary',
          production_listener_rule: RULES.production.arn,
          test_listener_rule: RULES.test.arn,
          role_arn: roleArn('web-test-ecs-infrastructure'),
        },
      },
    ]);
    const trust = JSON.parse(
      (Object.values(json.resource.aws_iam_role) as Json[]).find((r) => r.name === 'web-test-ecs-infrastructure')
        .assume_role_policy,
    );
    expect(trust.Statement[0].Principal).toEqual({ Service: 'ecs.amazonaws.com' });
  });

  it('lets ECS modify exactly these rules and register tasks in exactly these target groups', () => {
    const granted = statements(json, 'load-balancing');
    expect(granted.find((s) => s.Sid === 'ShiftRuleWeights')).toMatchObject({
      Action: 'elasticloadbalancing:ModifyRule',
      Resource: [RULES.production.arn, RULES.test.arn],
    });
    expect(granted.find((s) => s.Sid === 'RegisterTasks').Resource).toEqual(['arn:tg/primary', 'arn:tg/secondary']);
    const writes = granted.filter((s) => s.Resource !== '*').flatMap((s) => [s.Action].flat());
    expect(writes.sort()).toEqual([
      'elasticloadbalancing:DeregisterTargets',
      'elasticloadbalancing:ModifyRule',
      'elasticloadbalancing:RegisterTargets',
    ]);
    for (const action of granted.filter((s) => s.Resource === '*').flatMap((s) => s.Action)) {
      expect(action).toMatch(/^elasticloadbalancing:Describe/);
    }
  });

  it('rolls back on its alarms or failing tasks, and creates the service only after both roles may act', () => {
    const alarms = Object.keys(json.resource.aws_cloudwatch_metric_alarm).map(
      (id) => `\${aws_cloudwatch_metric_alarm.${id}.alarm_name}`,
    );
    expect(service.alarms).toEqual({ alarm_names: expect.arrayContaining(alarms), enable: true, rollback: true });
    expect(service.alarms.alarm_names).toHaveLength(alarms.length);
    // LINEAR: the ECS guide's circuit breaker page names rolling and blue/green deployments only.
    expect(service.deployment_circuit_breaker).toBeUndefined();
    const policies = Object.entries(json.resource.aws_iam_role_policy)
      .filter(([, policy]) => ['load-balancing', 'invoke-hooks'].includes((policy as Json).name))
      .map(([id]) => `aws_iam_role_policy.${id}`);
    expect(service.depends_on.sort()).toEqual(policies.sort());
  });

  it('rolls an all-at-once (BLUE_GREEN) deployment back when its tasks never reach a steady state', () => {
    // "How the Amazon ECS deployment circuit breaker detects failures": rolling and blue/green deployments.
    const blueGreen = only(synthesizeEngine('AllAtOnce'), 'aws_ecs_service');
    expect(blueGreen.deployment_configuration.strategy).toBe('BLUE_GREEN');
    expect(blueGreen.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
  });

  it('lets Terraform ignore what deployments, operators and autoscaling rewrite on the service', () => {
    // task_definition and load_balancer: each deployment moves them. desired_count: the provider's
    // aws_ecs_service page ("Ignoring Changes to Desired Count") ignores it so that changes made outside
    // Terraform, e.g. by Application Auto Scaling, survive the next apply.
    expect(service.lifecycle.ignore_changes).toEqual(['task_definition', 'load_balancer', 'desired_count']);
  });

  it('deploys with the ECS action reading imagedefinitions.json, within the configured timeout', () => {
    expect(json.output['deploy-action'].value).toEqual({
      name: 'EcsBlueGreen',
      category: 'Deploy',
      owner: 'AWS',
      provider: 'ECS',
      version: '1',
      inputArtifacts: ['Image'],
      configuration: {
        ClusterName: ref('aws_ecs_cluster', 'name'),
        ServiceName: ref('aws_ecs_service', 'name'),
        FileName: 'imagedefinitions.json',
        DeploymentTimeout: '55',
      },
    });
    expect(engine.imageFile.name).toBe('imagedefinitions.json');
    expect((engine as DeploymentEngine).deploymentFiles).toBeUndefined();
  });

  it('lets the pipeline update only this service and register only its task-definition family', () => {
    const granted: Json[] = json.output['pipeline-statements'].value;
    expect(granted.find((s) => s.sid === 'UpdateService').resources).toEqual([serviceArn]);
    expect(granted.find((s) => s.sid === 'RegisterTaskDefinition').resources).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/web-test:*',
    ]);
    const roles = Object.keys(json.resource.aws_iam_role)
      .filter((id) => id.includes('execution-role') || id.includes('task-role'))
      .map((id) => `\${aws_iam_role.${id}.arn}`);
    expect(granted.find((s) => s.sid === 'PassTaskRoles').resources.sort()).toEqual(roles.sort());
  });

  it('forwards failed and rolling-back deployments of this service to the topic', () => {
    const rule = (Object.values(json.resource.aws_cloudwatch_event_rule) as Json[]).find(
      (r) => r.name === 'web-test-deployment-failed',
    );
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern).toMatchObject({
      source: ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      resources: [serviceArn],
    });
    expect(pattern.detail.$or).toContainEqual({ eventName: ['SERVICE_DEPLOYMENT_FAILED'] });
  });

  it('names the approval parameters in its outputs when an operator waits', () => {
    expect(engine.outputs.approval_parameter_prefix?.value).toBe('/web/test/approvals');
  });
});

describe('LoadBalancer routing through listener rules (ECS engine)', () => {
  let rules!: LoadBalancer['rules'];
  const json = synth((scope) => {
    const loadBalancer = new LoadBalancer(scope, 'alb', {
      network: NETWORK,
      settings: { ...LOAD_BALANCER_SETTINGS, testListenerAllowedCidrs: [] },
      targetPort: 80,
      healthCheckPath: '/',
      routing: 'listener-rules',
    });
    rules = loadBalancer.rules;
  });
  const ruleEntries = Object.entries(json.resource.aws_lb_listener_rule) as [string, Json][];
  const groups = Object.keys(json.resource.aws_lb_target_group).map((id) => `\${aws_lb_target_group.${id}.arn}`);

  it('puts one catch-all rule on each listener that forwards to both groups, all weight on the primary', () => {
    const listeners = Object.keys(json.resource.aws_lb_listener).map((id) => `\${aws_lb_listener.${id}.arn}`);
    expect(ruleEntries.map(([, rule]) => rule.listener_arn).sort()).toEqual(listeners.sort());
    for (const [, rule] of ruleEntries) {
      expect(rule.condition).toEqual([{ path_pattern: { values: ['/*'] } }]);
      expect(rule.action).toEqual([
        {
          type: 'forward',
          forward: {
            target_group: [
              { arn: groups.find((group) => group.includes('primary')), weight: 100 },
              { arn: groups.find((group) => group.includes('secondary')), weight: 0 },
            ],
          },
        },
      ]);
    }
  });

  it("lets ECS own the weights: Terraform ignores the rules' actions", () => {
    for (const [, rule] of ruleEntries) expect(rule.lifecycle).toEqual({ ignore_changes: ['action'] });
  });

  it('hands both rules to the engine', () => {
    expect(rules?.production.arn).toBeDefined();
    expect(rules?.test.arn).toBeDefined();
    expect(rules?.production.arn).not.toEqual(rules?.test.arn);
  });
});
