import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { ArtifactStore } from '../stacks/delivery/artifact-store';
import { DeliveryPipeline } from '../stacks/delivery/delivery-pipeline';
import { DeploymentFiles } from '../stacks/delivery/deployment-files';
import { ImageBuild } from '../stacks/delivery/image-build';
import { SourceRepository } from '../stacks/delivery/source-repository';
import { BlueGreenDeployment } from '../stacks/deployment/blue-green-deployment';
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
  const engine: DeploymentEngine = {
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
  const network: Pick<NetworkRef, 'privateSubnetIds'> = { privateSubnetIds: ['subnet-1', 'subnet-2'] };
  const json = synth((scope) => {
    const artifactStore = new ArtifactStore(scope, 'artifacts', { forceDestroy: true, retentionDays: 7 });
    new DeliveryPipeline(scope, 'pipeline', {
      source: new SourceRepository(scope, 'source', { branch: 'main' }),
      artifactStore,
      deploymentFiles: new DeploymentFiles(scope, 'files', {
        artifactStore,
        taskDefinition: {
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
        },
        subnetIds: network.privateSubnetIds,
        securityGroupIds: ['sg-service'],
      }),
      build: new ImageBuild(scope, 'build', {
        registry: { repositoryUrl: 'r.example/web-test', repositoryName: 'web-test', grantPush: () => undefined },
        artifactStore,
        timeoutMinutes: 20,
        architecture: 'x86_64',
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
        input_artifacts: ['ImageDetail'],
        configuration: { ClusterName: 'web-test', ServiceName: 'web-test' },
      },
    ]);
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
  const network: NetworkRef = {
    vpcId: 'vpc-1',
    publicSubnetIds: ['subnet-public-1', 'subnet-public-2'],
    privateSubnetIds: ['subnet-private-1', 'subnet-private-2'],
    natPublicIps: ['198.51.100.1'],
    internetGateway: { fqn: 'aws_internet_gateway.igw' },
  };
  const json = synth((scope) => {
    const loadBalancer = new LoadBalancer(scope, 'alb', {
      network,
      settings: {
        productionPort: 80,
        testPort: 8080,
        deletionProtection: false,
        testListenerAllowedCidrs: ['203.0.113.0/24'],
        healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 },
        deregistrationDelaySeconds: 5,
      },
      targetPort: 80,
      healthCheckPath: '/',
    });
    loadBalancer.allowTestTrafficFrom('hooks', network.natPublicIps, 'hooks');
    new FargateService(scope, 'fargate', {
      network,
      container: {
        name: 'app',
        initialImage: 'public.ecr.aws/docker/library/httpd:2.4',
        port: 80,
        cpu: 256,
        memory: 512,
        healthCheckPath: '/',
        readonlyRootFilesystem: true,
        writablePaths: [],
        architecture: 'x86_64',
      },
      service: { desiredCount: 1, healthCheckGracePeriodSeconds: 30 },
      targetGroup: LOAD_BALANCER.targetGroups.primary,
      listeners: loadBalancer.listenerResources,
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
