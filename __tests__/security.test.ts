import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadEnvironments } from '../stacks/config/load';
import { TLS_POLICY } from '../stacks/service/load-balancer';
import {
  allowing,
  devWith,
  type Json,
  shipped,
  statementsOfRole,
  synthesize,
  type Synthesized,
  appRepository,
} from './support/synth';

const CERTIFICATE = 'arn:aws:acm:eu-central-1:111111111111:certificate/0f6e2b1c-3a4d-4e5f-8a9b-0c1d2e3f4a5b';

const dev = synthesize(shipped('dev'));
const prod = synthesize(shipped('prod'));
const https = synthesize(
  devWith(
    (e) =>
      (e.loadBalancer.https = {
        certificateArn: CERTIFICATE,
        domainName: 'app.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      }),
  ),
);

const listener = (stack: Synthesized, port: number) => stack.resource('aws_lb_listener', (l) => l.port === port);

describe('HTTPS mode (loadBalancer.https)', () => {
  it('serves PRD on 443 and QA on 8443 with the certificate and a current TLS policy', () => {
    for (const port of [443, 8443]) {
      expect(listener(https, port).config).toMatchObject({
        protocol: 'HTTPS',
        ssl_policy: TLS_POLICY,
        certificate_arn: CERTIFICATE,
      });
      expect(listener(https, port).config.lifecycle.ignore_changes).toEqual(['default_action']);
    }
    expect(TLS_POLICY).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  it('redirects HTTP 80 to HTTPS 443 permanently', () => {
    expect(listener(https, 80).config.default_action).toEqual([
      { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } },
    ]);
  });

  it('routes CodeDeploy production traffic through 443 and test traffic through 8443', () => {
    const routes = https.resource('aws_codedeploy_deployment_group').config.load_balancer_info.target_group_pair_info;
    expect(routes.prod_traffic_route.listener_arns).toEqual([listener(https, 443).ref('arn')]);
    expect(routes.test_traffic_route.listener_arns).toEqual([listener(https, 8443).ref('arn')]);
  });

  it('points the smoke tests and the outputs at the certificate name', () => {
    const env = (event: string) =>
      JSON.parse(
        https.resource('aws_lambda_function', (f) => f.function_name.endsWith(event)).config.environment.variables
          .SMOKE_TEST,
      );
    expect(env('-after-allow-test-traffic').url).toBe('https://app.example.com:8443');
    expect(env('-after-allow-traffic').url).toBe('https://app.example.com');
    expect(https.outputs.production_url.value).toBe('https://app.example.com');
    expect(https.outputs.test_url.value).toBe('https://app.example.com:8443');
  });

  it('opens 80 (redirect) and 443 to the internet, 8443 only to the NAT gateways', () => {
    const alb = https.resource('aws_security_group', (g) => g.name.endsWith('-alb'));
    const rules = https.rulesOf(alb, 'ingress');
    const open = rules.filter((r: Json) => r.cidr_ipv4 === '0.0.0.0/0').map((r: Json) => r.from_port);
    expect(open.sort()).toEqual([443, 80]);
    expect(
      rules.filter((r: Json) => r.from_port === 8443).every((r: Json) => String(r.cidr_ipv4).includes('aws_eip.')),
    ).toBe(true);
    const hooks = https.resource('aws_security_group', (g) => g.name.endsWith('-codedeploy-hooks'));
    const egress = https.rulesOf(hooks, 'egress');
    expect(egress.map((r: Json) => r.from_port).sort((a: number, b: number) => a - b)).toEqual([443, 8443]);
  });

  it('creates the domain as an alias of the ALB when a hosted zone is given', () => {
    const alb = https.resource('aws_lb');
    expect(https.resource('aws_route53_record').config).toEqual(
      expect.objectContaining({
        zone_id: 'Z0123456789ABCDEFGHIJ',
        name: 'app.example.com',
        type: 'A',
        alias: { name: alb.ref('dns_name'), zone_id: alb.ref('zone_id'), evaluate_target_health: true },
      }),
    );
  });

  it('keeps HTTP mode plain: no redirect listener, no certificate', () => {
    expect(Object.values(dev.resources('aws_lb_listener')).map((l: Json) => l.protocol)).toEqual(['HTTP', 'HTTP']);
    expect(dev.resources('aws_route53_record')).toEqual({});
  });

  it.each<[string, (e: Json) => void, string, string]>([
    [
      'a certificate from another region',
      (e) =>
        (e.loadBalancer.https = {
          certificateArn: CERTIFICATE.replace('eu-central-1', 'us-east-1'),
          domainName: 'a.example.com',
        }),
      'loadBalancer.https.certificateArn',
      "environment's account and region",
    ],
    [
      'a malformed certificate ARN',
      (e) => (e.loadBalancer.https = { certificateArn: 'my-cert', domainName: 'a.example.com' }),
      'loadBalancer.https.certificateArn',
      'aws acm list-certificates',
    ],
    [
      'port 80 in HTTPS mode',
      (e) => (
        (e.loadBalancer.https = { certificateArn: CERTIFICATE, domainName: 'a.example.com' }),
        (e.loadBalancer.productionPort = 80)
      ),
      'loadBalancer.productionPort',
      'redirects to HTTPS',
    ],
    [
      'a bad domain name',
      (e) => (e.loadBalancer.https = { certificateArn: CERTIFICATE, domainName: 'not a domain' }),
      'loadBalancer.https.domainName',
      'app.example.com',
    ],
  ])('rejects %s', (_label, change, field, fix) => {
    expect(() => loadEnvironments([devWith(change)])).toThrow(`environment "dev": ${field}:`);
    expect(() => loadEnvironments([devWith(change)])).toThrow(fix);
  });
});

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s hardening', (_name, stack) => {
  const config = stack.config;
  const key = stack.resource('aws_kms_key');

  it('encrypts every log group with the environment key, which CloudWatch Logs may use only for this account', () => {
    for (const group of Object.values(stack.resources('aws_cloudwatch_log_group')) as Json[]) {
      expect(group.kms_key_id).toBe(key.ref('arn'));
      expect(group.retention_in_days).toBe(config.logRetentionDays);
    }
    const logs = JSON.parse(key.config.policy).Statement.find(
      (s: Json) => s.Principal.Service === `logs.${config.region}.amazonaws.com`,
    );
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe(
      `arn:aws:logs:${config.region}:${config.accountId}:log-group:*`,
    );
  });

  it("lets EventBridge and CloudWatch use the key only for the environment's topic", () => {
    // SNS ARN format (arn:aws:sns:<region>:<account>:<topic name>) and the encryption context SNS passes
    // to KMS, aws:sns:topicArn.
    const topic = stack.resource('aws_sns_topic').config;
    const topicArn = `arn:aws:sns:${config.region}:${config.accountId}:${topic.name}`;
    const publishers = JSON.parse(key.config.policy).Statement.filter((s: Json) =>
      [s.Principal.Service]
        .flat()
        .some((p: string) => ['events.amazonaws.com', 'cloudwatch.amazonaws.com'].includes(p)),
    );
    expect(publishers.flatMap((s: Json) => [s.Principal.Service].flat()).sort()).toEqual([
      'cloudwatch.amazonaws.com',
      'events.amazonaws.com',
    ]);
    for (const statement of publishers) {
      expect(statement.Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn']).toBe(topicArn);
    }
  });

  it('encrypts ECR images with the environment key', () => {
    expect(appRepository(stack).config.encryption_configuration).toEqual([
      { encryption_type: 'KMS', kms_key: key.ref('arn') },
    ]);
  });

  it('writes VPC flow logs to an encrypted group through a role only flow logs can assume', () => {
    const flowLog = stack.resource('aws_flow_log').config;
    const group = stack.resource('aws_cloudwatch_log_group', (g) => g.name.endsWith('/flow-logs'));
    expect(flowLog).toMatchObject({
      vpc_id: stack.resource('aws_vpc').ref('id'),
      traffic_type: config.network.flowLogTraffic,
      log_destination_type: 'cloud-watch-logs',
      log_destination: group.ref('arn'),
    });
    const role = stack.resource('aws_iam_role', (r) => r.name.endsWith('-vpc-flow-logs'));
    expect(flowLog.iam_role_arn).toBe(role.ref('arn'));
    expect(JSON.parse(role.config.assume_role_policy).Statement[0].Principal).toEqual({
      Service: 'vpc-flow-logs.amazonaws.com',
    });
    expect(allowing(statementsOfRole(stack, '-vpc-flow-logs'), 'logs:PutLogEvents')[0].Resource).toEqual([
      group.ref('arn'),
      `${group.ref('arn')}:log-stream:*`,
    ]);
  });

  it('runs the sample app with a read-only root filesystem and a task-local volume for httpd logs', () => {
    const task = stack.resource('aws_ecs_task_definition').config;
    const [container] = JSON.parse(task.container_definitions);
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints).toEqual([
      { sourceVolume: 'writable-0', containerPath: '/usr/local/apache2/logs', readOnly: false },
    ]);
    expect(task.volume).toEqual([{ name: 'writable-0' }]);
    const taskdef = JSON.parse(stack.deploymentFile('taskdef.json'));
    expect(taskdef.volumes).toEqual(task.volume);
    expect(taskdef.containerDefinitions[0].readonlyRootFilesystem).toBe(true);
  });

  it('protects the prod ALB from deletion, and not dev', () => {
    expect(stack.resource('aws_lb').config.enable_deletion_protection).toBe(config.name === 'prod');
  });
});

describe('optional hardening', () => {
  it('sends ALB access logs to the configured bucket', () => {
    const stack = synthesize(
      devWith((e) => (e.loadBalancer.accessLogs = { bucket: 'acme-alb-logs', prefix: 'web-dev' })),
    );
    expect(stack.resource('aws_lb').config.access_logs).toEqual({
      enabled: true,
      bucket: 'acme-alb-logs',
      prefix: 'web-dev',
    });
    expect(dev.resource('aws_lb').config.access_logs).toBeUndefined();
  });

  it('lets an app that needs a writable root opt out', () => {
    const stack = synthesize(
      devWith((e) => ((e.container.readonlyRootFilesystem = false), (e.container.writablePaths = []))),
    );
    const [container] = JSON.parse(stack.resource('aws_ecs_task_definition').config.container_definitions);
    expect(container.readonlyRootFilesystem).toBe(false);
    expect(container.mountPoints).toEqual([]);
  });
});

describe('checkov skips', () => {
  const skips = parseYaml(readFileSync(`${__dirname}/../.ci/checkov-skips.yaml`, 'utf8')) as Json[];

  it('each name a check, the resources and a reason', () => {
    for (const skip of skips) {
      expect(skip.check).toMatch(/^CKV2?_AWS_\d+$/);
      expect(skip.resources.length).toBeGreaterThan(0);
      expect(skip.reason.length).toBeGreaterThan(20);
    }
  });
});
