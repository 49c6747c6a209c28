import { VARIANTS } from '../.ci/variants';
import { appRepository, devWith, policy, shipped, synthesize, type Json } from './support/synth';

const dev = synthesize(shipped('dev'));
const prod = synthesize(shipped('prod'));

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s stack', (_name, stack) => {
  const config = stack.config;
  const vpc = stack.resource('aws_vpc');
  const subnetRefs = (tier: 'public' | 'private') => stack.subnetRefs(tier);
  const subnets = (tier: 'public' | 'private') => subnetRefs(tier).map((ref) => stack.resolve(ref).config);
  const alb = stack.resource('aws_lb');
  const albSecurityGroup = stack.resource('aws_security_group', (sg) => sg.name.endsWith('-alb'));
  const serviceSecurityGroup = stack.resource('aws_security_group', (sg) => sg.name.endsWith('-service'));
  const primary = stack.resource('aws_lb_target_group', (tg) => tg.name.endsWith('-primary'));
  const secondary = stack.resource('aws_lb_target_group', (tg) => tg.name.endsWith('-secondary'));
  const listener = (port: number) => stack.resource('aws_lb_listener', (l) => l.port === port);
  const service = stack.resource('aws_ecs_service');
  const taskDefinition = stack.resource('aws_ecs_task_definition');
  const ingressRules = (sg: { ref: (a: string) => string }) => stack.rulesOf(sg, 'ingress');
  const egressRules = (sg: { ref: (a: string) => string }) => stack.rulesOf(sg, 'egress');

  describe('network', () => {
    it('builds the VPC from the configured CIDR with DNS hostnames for the tasks', () => {
      expect(vpc.config.cidr_block).toBe(config.network.vpcCidr);
      expect(vpc.config.enable_dns_hostnames).toBe(true);
    });

    it('has one public and one private subnet per AZ, none assigning public IPs', () => {
      expect(subnets('public').map((s) => s.cidr_block)).toEqual(config.network.publicSubnetCidrs);
      expect(subnets('private').map((s) => s.cidr_block)).toEqual(config.network.privateSubnetCidrs);
      for (const subnet of Object.values(stack.resources('aws_subnet')))
        expect(subnet.map_public_ip_on_launch).toBe(false);
    });

    it('routes public subnets to the internet gateway and private subnets only through NAT', () => {
      const tables = stack.resources('aws_route_table');
      const associations = Object.values(stack.resources('aws_route_table_association'));
      const routesOf = (subnetRef: string) => {
        const association = associations.find((a: Json) => a.subnet_id === subnetRef) as Json;
        expect(association).toBeDefined();
        const tableName = /aws_route_table\.([^.]+)\.id/.exec(association.route_table_id)![1];
        return tables[tableName].route as Json[];
      };
      for (const ref of subnetRefs('public')) {
        expect(routesOf(ref)).toEqual([
          expect.objectContaining({
            cidr_block: '0.0.0.0/0',
            gateway_id: expect.stringContaining('aws_internet_gateway.'),
          }),
        ]);
      }
      for (const ref of subnetRefs('private')) {
        const routes = routesOf(ref);
        expect(routes).toHaveLength(1);
        expect(routes[0].nat_gateway_id).toMatch(/aws_nat_gateway\./);
        expect(routes[0].gateway_id ?? '').not.toMatch(/aws_internet_gateway/);
      }
    });

    it('places NAT gateways in public subnets, one per AZ or a single shared one as configured', () => {
      const nats = Object.values(stack.resources('aws_nat_gateway')) as Json[];
      expect(nats).toHaveLength(config.network.natGateways === 'single' ? 1 : config.network.azCount);
      for (const nat of nats) expect(subnetRefs('public')).toContain(nat.subnet_id);
      const privateNats = new Set(
        Object.values(stack.resources('aws_route_table'))
          .flatMap((t: Json) => t.route.map((r: Json) => r.nat_gateway_id))
          .filter(Boolean),
      );
      expect(privateNats.size).toBe(nats.length);
    });

    it('routes S3 (ECR image layers, artifacts) from the private subnets through the free gateway endpoint', () => {
      const endpoint = stack.resource('aws_vpc_endpoint').config; // the only endpoint of a shipped environment
      expect(endpoint).toMatchObject({
        vpc_id: vpc.ref('id'),
        service_name: `com.amazonaws.${config.region}.s3`,
        vpc_endpoint_type: 'Gateway',
      });
      const privateTables = subnetRefs('private').map((subnet) => {
        const association = Object.values(stack.resources('aws_route_table_association')).find(
          (a: Json) => a.subnet_id === subnet,
        ) as Json;
        return association.route_table_id;
      });
      expect([...endpoint.route_table_ids].sort()).toEqual([...new Set(privateTables)].sort());
    });

    it('strips all rules from the default security group', () => {
      const defaultGroup = stack.resource('aws_default_security_group');
      expect(defaultGroup.config.ingress).toBeUndefined();
      expect(defaultGroup.config.egress).toBeUndefined();
      expect(defaultGroup.config.vpc_id).toBe(vpc.ref('id'));
    });
  });

  describe('load balancer', () => {
    it('is created after the internet gateway: CreateLoadBalancer fails in a VPC without one', () => {
      const gateway = stack.resource('aws_internet_gateway');
      expect(gateway.config.vpc_id).toBe(vpc.ref('id'));
      expect(alb.config.depends_on).toContain(`aws_internet_gateway.${gateway.name}`);
    });

    it('is an internet-facing ALB in the public subnets that drops invalid headers', () => {
      expect(alb.config.internal).toBe(false);
      expect(alb.config.load_balancer_type).toBe('application');
      expect(alb.config.drop_invalid_header_fields).toBe(true);
      expect(alb.config.subnets).toEqual(subnetRefs('public'));
      expect(alb.config.security_groups).toEqual([albSecurityGroup.ref('id')]);
    });

    it('admits the production port from anywhere and the test port only from the NAT gateways (hooks), never 0.0.0.0/0', () => {
      const rules = ingressRules(albSecurityGroup);
      expect(rules.filter((r: Json) => r.from_port === 80)).toEqual([
        expect.objectContaining({ from_port: 80, to_port: 80, ip_protocol: 'tcp', cidr_ipv4: '0.0.0.0/0' }),
      ]);
      const natAddresses = Object.keys(stack.resources('aws_eip')).map((name) => `\${aws_eip.${name}.public_ip}/32`);
      const testRules = rules.filter((r: Json) => r.from_port === config.loadBalancer.testPort);
      expect(testRules.map((r: Json) => r.cidr_ipv4).sort()).toEqual(natAddresses.sort());
      expect(testRules.every((r: Json) => r.to_port === config.loadBalancer.testPort)).toBe(true);
      expect(rules).toHaveLength(1 + natAddresses.length);
    });

    it('lets the ALB reach only the tasks, only on the container port', () => {
      expect(egressRules(albSecurityGroup)).toEqual([
        expect.objectContaining({
          from_port: config.container.port,
          to_port: config.container.port,
          referenced_security_group_id: serviceSecurityGroup.ref('id'),
        }),
      ]);
    });

    it.each([
      ['primary', () => primary],
      ['secondary', () => secondary],
    ])('%s target group registers task IPs with the environment health-check timings', (_label, group) => {
      const tg = group().config;
      const timings = config.loadBalancer.healthCheck;
      expect(tg).toMatchObject({
        target_type: 'ip',
        protocol: 'HTTP',
        port: config.container.port,
        vpc_id: vpc.ref('id'),
      });
      expect(tg.deregistration_delay).toBe(String(config.loadBalancer.deregistrationDelaySeconds));
      expect(tg.health_check).toMatchObject({
        path: config.container.healthCheckPath,
        interval: timings.intervalSeconds,
        timeout: timings.timeoutSeconds,
        healthy_threshold: timings.healthyThreshold,
        unhealthy_threshold: timings.unhealthyThreshold,
      });
    });

    it('swaps faster than the AWS defaults (30 s x 5 checks, 300 s draining)', () => {
      const timings = config.loadBalancer.healthCheck;
      expect(timings.intervalSeconds * timings.healthyThreshold).toBeLessThan(30 * 5);
      expect(config.loadBalancer.deregistrationDelaySeconds).toBeLessThan(300);
    });

    it('forwards PRD (80) to the primary group and QA (8080) to the secondary group', () => {
      expect(listener(80).config.default_action).toEqual([{ type: 'forward', target_group_arn: primary.ref('arn') }]);
      expect(listener(8080).config.default_action).toEqual([
        { type: 'forward', target_group_arn: secondary.ref('arn') },
      ]);
      expect(listener(80).config.load_balancer_arn).toBe(alb.ref('arn'));
    });

    it.each([80, 8080])('listener %s ignores default_action, which CodeDeploy rewrites on every deployment', (port) => {
      expect(listener(port).config.lifecycle.ignore_changes).toEqual(['default_action']);
    });

    it.each([80, 8080])('listener %s depends on both target groups so destroy works after a swap', (port) => {
      expect(listener(port).config.depends_on).toEqual(
        expect.arrayContaining([`aws_lb_target_group.${primary.name}`, `aws_lb_target_group.${secondary.name}`]),
      );
    });
  });

  describe('ECS', () => {
    it('enables Container Insights on the cluster', () => {
      expect(stack.resource('aws_ecs_cluster').config.setting).toEqual([
        { name: 'containerInsights', value: 'enabled' },
      ]);
    });

    it("owns Container Insights' log group, encrypted and expiring, before the cluster exists", () => {
      // Container Insights writes performance events to /aws/ecs/containerinsights/<cluster-name>/performance.
      const cluster = stack.resource('aws_ecs_cluster');
      const group = stack.resource(
        'aws_cloudwatch_log_group',
        (g) => g.name === `/aws/ecs/containerinsights/${cluster.config.name}/performance`,
      );
      expect(group.config.kms_key_id).toBe(stack.resource('aws_kms_key').ref('arn'));
      expect(group.config.retention_in_days).toBe(config.logRetentionDays);
      expect(cluster.config.depends_on).toContain(`aws_cloudwatch_log_group.${group.name}`);
    });

    it('hands deployments to CodeDeploy and ignores what CodeDeploy changes', () => {
      expect(service.config.deployment_controller).toEqual({ type: 'CODE_DEPLOY' });
      expect(service.config.lifecycle.ignore_changes).toEqual(
        expect.arrayContaining(['task_definition', 'load_balancer', 'desired_count']),
      );
    });

    it('can be destroyed while CodeDeploy task sets still run in it', () => {
      expect(service.config.force_delete).toBe(true);
    });

    it('runs tasks in the private subnets, without public IPs, behind the service security group', () => {
      expect(service.config.network_configuration).toEqual({
        subnets: subnetRefs('private'),
        security_groups: [serviceSecurityGroup.ref('id')],
        assign_public_ip: false,
      });
      expect(service.config.launch_type).toBe('FARGATE');
    });

    it('starts behind the primary target group with the task definition container name and port', () => {
      const [container] = JSON.parse(taskDefinition.config.container_definitions);
      expect(service.config.load_balancer).toEqual([
        {
          target_group_arn: primary.ref('arn'),
          container_name: container.name,
          container_port: container.portMappings[0].containerPort,
        },
      ]);
      expect(container.portMappings[0].containerPort).toBe(config.container.port);
      expect(service.config.desired_count).toBe(config.service.desiredCount);
    });

    it('is created after both listeners exist', () => {
      expect(service.config.depends_on).toEqual(
        expect.arrayContaining([`aws_lb_listener.${listener(80).name}`, `aws_lb_listener.${listener(8080).name}`]),
      );
    });

    it('admits traffic to the tasks only from the ALB security group on the container port', () => {
      expect(ingressRules(serviceSecurityGroup)).toEqual([
        expect.objectContaining({
          from_port: config.container.port,
          to_port: config.container.port,
          referenced_security_group_id: albSecurityGroup.ref('id'),
        }),
      ]);
      expect(ingressRules(serviceSecurityGroup)[0]).not.toHaveProperty('cidr_ipv4');
    });

    it('defines a Fargate task with the configured size, the initial image and logs with retention', () => {
      const [container] = JSON.parse(taskDefinition.config.container_definitions);
      expect(taskDefinition.config).toMatchObject({
        requires_compatibilities: ['FARGATE'],
        network_mode: 'awsvpc',
        cpu: String(config.container.cpu),
        memory: String(config.container.memory),
      });
      expect(container.image).toBe(config.container.initialImage);
      const logGroup = stack.resource('aws_cloudwatch_log_group', (g) => g.name.startsWith('/ecs/'));
      expect(logGroup.config.retention_in_days).toBe(config.logRetentionDays);
      expect(container.logConfiguration.options['awslogs-group']).toBe(logGroup.ref('name'));
      expect(container.logConfiguration.options['awslogs-region']).toBe(config.region);
    });

    it('uses separate execution and task roles, both assumable only by ECS tasks of this account', () => {
      const execution = stack.resource('aws_iam_role', (r) => r.name.endsWith('-ecs-execution'));
      const task = stack.resource('aws_iam_role', (r) => r.name.endsWith('-ecs-task'));
      expect(taskDefinition.config.execution_role_arn).toBe(execution.ref('arn'));
      expect(taskDefinition.config.task_role_arn).toBe(task.ref('arn'));
      for (const role of [execution, task]) {
        expect(JSON.parse(role.config.assume_role_policy).Statement).toEqual([
          {
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': config.accountId } },
          },
        ]);
      }
    });

    it('lets the execution role pull only from this repository and write only to this log group', () => {
      const execution = stack.resource('aws_iam_role', (r) => r.name.endsWith('-ecs-execution'));
      const policies = Object.values(stack.resources('aws_iam_role_policy')).filter(
        (p: Json) => p.role === execution.ref('name'),
      );
      const statements = policies.flatMap((p: Json) => policy(p.policy).Statement);
      const repository = appRepository(stack);
      const logGroup = stack.resource('aws_cloudwatch_log_group', (g) => g.name.startsWith('/ecs/'));
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
          expect.objectContaining({
            Action: expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']),
            Resource: repository.ref('arn'),
          }),
          expect.objectContaining({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${logGroup.ref('arn')}:log-stream:*`,
          }),
        ]),
      );
      expect(statements).toHaveLength(3);
    });
  });

  describe('ECR', () => {
    it('keeps tags immutable, scans on push and expires all but the newest images', () => {
      const repository = appRepository(stack);
      expect(repository.config.image_tag_mutability).toBe('IMMUTABLE');
      expect(repository.config.image_scanning_configuration).toEqual({ scan_on_push: true });
      const lifecycle = JSON.parse(
        stack.resource('aws_ecr_lifecycle_policy', (p) => p.repository === appRepository(stack).ref('name')).config
          .policy,
      );
      expect(lifecycle.rules[0].selection).toEqual({
        tagStatus: 'any',
        countType: 'imageCountMoreThan',
        countNumber: config.registry.keepImages,
      });
      expect(lifecycle.rules[0].action).toEqual({ type: 'expire' });
    });

    it('lets destroy delete a repository with images only when the environment allows it', () => {
      expect(appRepository(stack).config.force_delete).toBe(config.allowDestroyWithData);
    });
  });

  describe('names, provider and outputs', () => {
    it('prefixes every named resource with <app>-<env> and keeps ALB and target-group names within 32 characters', () => {
      const prefix = `${config.app}-${config.name}`;
      for (const [type, resources] of Object.entries(stack.json.resource as Record<string, Record<string, Json>>)) {
        if (type === 'aws_iam_role_policy') continue; // inline policy names are scoped to their role
        for (const resource of Object.values(resources)) {
          if (typeof resource.name === 'string' && !resource.name.includes('${')) {
            expect(`${type}: ${resource.name}`).toMatch(
              new RegExp(
                `^${type}: (/ecs/|/codebuild/|/vpc/|alias/|/aws/lambda/CodeDeployHook_|CodeDeployHook_|/aws/ecs/containerinsights/)?${prefix}`,
              ),
            );
          }
        }
      }
      for (const name of [alb.config.name, primary.config.name, secondary.config.name])
        expect(name.length).toBeLessThanOrEqual(32);
    });

    it('can only be applied to the configured account and region', () => {
      const [provider] = stack.json.provider.aws;
      expect(provider.allowed_account_ids).toEqual([config.accountId]);
      expect(provider.region).toBe(config.region);
      expect(provider.default_tags[0].tags).toMatchObject({ Environment: config.name, Application: config.app });
    });

    it('outputs the PRD and QA URLs, the ECR repository URL, the cluster and the service', () => {
      expect(stack.outputs.production_url.value).toBe(`http://${alb.ref('dns_name')}`);
      expect(stack.outputs.test_url.value).toBe(`http://${alb.ref('dns_name')}:8080`);
      expect(stack.outputs.ecr_repository_url.value).toBe(appRepository(stack).ref('repository_url'));
      expect(stack.outputs.ecs_cluster_name.value).toBe(stack.resource('aws_ecs_cluster').ref('name'));
      expect(stack.outputs.ecs_service_name.value).toBe(service.ref('name'));
    });
  });
});

describe('dev and prod differ where cost and resilience do', () => {
  it('dev is cheap: one NAT gateway, one task, fast draining, deletable data', () => {
    expect(Object.keys(dev.resources('aws_nat_gateway'))).toHaveLength(1);
    expect(dev.resource('aws_ecs_service').config.desired_count).toBe(1);
    expect(appRepository(dev).config.force_delete).toBe(true);
  });

  it('prod is resilient: a NAT gateway per AZ, at least two tasks, data protected from destroy', () => {
    expect(Object.keys(prod.resources('aws_nat_gateway')).length).toBe(prod.config.network.azCount);
    expect(prod.config.network.azCount).toBeGreaterThanOrEqual(2);
    expect(prod.resource('aws_ecs_service').config.desired_count).toBeGreaterThanOrEqual(2);
    expect(appRepository(prod).config.force_delete).toBe(false);
  });

  it('dev and prod never share an account id or VPC range by accident', () => {
    expect(dev.config.accountId).not.toBe(prod.config.accountId);
    expect(dev.config.network.vpcCidr).not.toBe(prod.config.network.vpcCidr);
  });
});

describe('interface endpoints (network.interfaceEndpoints, the devextra variant)', () => {
  const stack = synthesize(VARIANTS.find((variant) => variant.name === 'devextra')!);
  const endpoints = Object.values(stack.resources('aws_vpc_endpoint')) as Json[];
  const group = stack.resource('aws_security_group', (g) => g.name.endsWith('-endpoints'));

  it('puts each one in the private subnets with private DNS, behind its own security group', () => {
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === 'Interface');
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ['ecr.api', 'ecr.dkr', 'logs'].map((service) => `com.amazonaws.eu-central-1.${service}`),
    );
    for (const endpoint of interfaces) {
      expect(endpoint).toMatchObject({
        private_dns_enabled: true,
        subnet_ids: stack.subnetRefs('private'),
        security_group_ids: [group.ref('id')],
      });
    }
  });

  it('admits HTTPS from the VPC only', () => {
    expect(stack.rulesOf(group, 'ingress')).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, cidr_ipv4: stack.config.network.vpcCidr }),
    ]);
    expect(stack.rulesOf(group, 'egress')).toEqual([]);
  });
});

describe('arm64 (container.architecture, the devextra variant)', () => {
  const arm = synthesize(VARIANTS.find((variant) => variant.name === 'devextra')!);
  const x86 = synthesize(shipped('dev'));
  const platform = (stack: typeof arm) => stack.resource('aws_ecs_task_definition').config.runtime_platform;
  const build = (stack: typeof arm) =>
    stack.resource('aws_codebuild_project', (p) => p.name.endsWith('-image')).config.environment;

  // devextra deploys with the ECS engine, which copies the service's task definition for each revision;
  // the CodeDeploy engine registers taskdef.json instead, so it must say ARM64 too.
  const armCodeDeploy = synthesize(
    devWith((env) => {
      env.name = 'devarm';
      env.container.architecture = 'arm64';
    }),
  );

  it('runs the task on ARM64 and builds its image on CodeBuild arm, so the two cannot disagree', () => {
    expect(platform(arm)).toEqual({ operating_system_family: 'LINUX', cpu_architecture: 'ARM64' });
    expect(JSON.parse(armCodeDeploy.deploymentFile('taskdef.json')).runtimePlatform.cpuArchitecture).toBe('ARM64');
    expect(build(arm)).toMatchObject({
      type: 'ARM_CONTAINER',
      image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
      privileged_mode: true,
    });
  });

  it('keeps x86_64 and the x86 build image by default', () => {
    expect(platform(x86).cpu_architecture).toBe('X86_64');
    expect(JSON.parse(x86.deploymentFile('taskdef.json')).runtimePlatform.cpuArchitecture).toBe('X86_64');
    expect(build(x86)).toMatchObject({
      type: 'LINUX_CONTAINER',
      image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
    });
  });
});
