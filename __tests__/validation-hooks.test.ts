import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parse as parseYaml } from 'yaml';
import { LIFECYCLE_HOOKS } from '../hooks/contract';
import { bundleHook } from '../stacks/validation/hook-bundle';
import { allowing, shipped, statementsOfRole, synthesize, type Json } from './support/synth';

const root = join(__dirname, '..');
const stack = synthesize(shipped('dev'));
const config = stack.config;
const functions = Object.entries(stack.resources('aws_lambda_function')).map(([name, fn]) => ({
  name,
  fn,
  ref: (a: string) => `\${aws_lambda_function.${name}.${a}}`,
}));
const byEvent = (event: string) =>
  functions.find(
    ({ fn }) => fn.function_name === `CodeDeployHook_web-dev-${LIFECYCLE_HOOKS.find((h) => h.event === event)!.file}`,
  )!;

describe('hook bundles', () => {
  it.each(LIFECYCLE_HOOKS.map((h) => h.file))(
    '%s is one minified index.js under 50 KB zipped, without the AWS SDK',
    (file) => {
      const bundle = bundleHook(file);
      expect(bundle.zipBytes).toBeLessThan(50 * 1024);
      const entries = unzipSync(readFileSync(bundle.zipPath));
      expect(Object.keys(entries)).toEqual(['index.js']);
      const code = strFromU8(entries['index.js']);
      expect(code).toContain('require("@aws-sdk/client-codedeploy")'); // from the Lambda runtime
      expect(code).not.toContain('PutLifecycleEventHookExecutionStatusCommand = class'); // not bundled
    },
  );

  it.each(LIFECYCLE_HOOKS.map((h) => h.file))('%s exports the handler Lambda calls (index.handler)', (file) => {
    const code = strFromU8(unzipSync(readFileSync(bundleHook(file).zipPath))['index.js']);
    const module = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', 'require', code)(
      module,
      module.exports,
      createRequire(join(root, 'package.json')),
    );
    expect(typeof module.exports.handler).toBe('function');
  });

  it('is byte-for-byte the same when built again in another process (no spurious function updates)', () => {
    const file = 'after-allow-test-traffic';
    const script = `process.stdout.write(require('./stacks/validation/hook-bundle').bundleHook('${file}').sha256Hex)`;
    const again = execFileSync(process.execPath, [require.resolve('tsx/cli'), '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Pacific/Auckland' },
    });
    expect(again).toBe(bundleHook(file).sha256Hex);
  });
});

describe('hook functions in the stack', () => {
  const privateSubnets = stack.subnetRefs('private');
  const hooksGroup = stack.resource('aws_security_group', (g) => g.name.endsWith('-codedeploy-hooks'));
  const group = stack.resource('aws_codedeploy_deployment_group');
  const application = stack.resource('aws_codedeploy_app');

  it('has one function per lifecycle hook, named CodeDeployHook_<app>-<env>-<event>', () => {
    expect(functions.map(({ fn }) => fn.function_name).sort()).toEqual(
      LIFECYCLE_HOOKS.map((h) => `CodeDeployHook_web-dev-${h.file}`).sort(),
    );
  });

  it.each(LIFECYCLE_HOOKS.map((h) => h.event))(
    '%s runs the bundled code on Node.js 22 in the private subnets',
    (event) => {
      const { fn } = byEvent(event);
      const file = LIFECYCLE_HOOKS.find((h) => h.event === event)!.file;
      expect(fn).toMatchObject({
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        timeout: config.hooks.timeoutSeconds,
      });
      expect(fn.source_code_hash).toBe(bundleHook(file).sha256Base64);
      expect(fn.filename).toMatch(new RegExp(`^assets/.*/${bundleHook(file).sha256Hex}/${file}-[0-9a-f]{16}\\.zip$`));
      expect(fn.vpc_config).toEqual({ subnet_ids: privateSubnets, security_group_ids: [hooksGroup.ref('id')] });
      const logGroup = stack.resource('aws_cloudwatch_log_group', (g) => g.name === `/aws/lambda/${fn.function_name}`);
      expect(fn.logging_config.log_group).toBe(logGroup.ref('name'));
      expect(logGroup.config.retention_in_days).toBe(config.logRetentionDays);
    },
  );

  it('smoke-tests the QA listener after test traffic and the PRD listener after production traffic', () => {
    const alb = stack.resource('aws_lb');
    const qa = JSON.parse(byEvent('AfterAllowTestTraffic').fn.environment.variables.SMOKE_TEST);
    const prd = JSON.parse(byEvent('AfterAllowTraffic').fn.environment.variables.SMOKE_TEST);
    expect(qa).toEqual({ url: `http://${alb.ref('dns_name')}:8080`, ...config.hooks.smokeTest });
    expect(prd.url).toBe(`http://${alb.ref('dns_name')}`);
    for (const event of ['BeforeInstall', 'AfterInstall', 'BeforeAllowTraffic'])
      expect(byEvent(event).fn.environment).toBeUndefined();
  });

  it('lets the functions report status only for this deployment group', () => {
    const statements = statementsOfRole(stack, '-codedeploy-hooks');
    expect(allowing(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus')).toEqual([
      expect.objectContaining({
        Resource: `arn:aws:codedeploy:${config.region}:${config.accountId}:deploymentgroup:${application.config.name}/${group.config.deployment_group_name}`,
      }),
    ]);
    for (const { fn } of functions)
      expect(fn.role).toBe(stack.resource('aws_iam_role', (r) => r.name.endsWith('-codedeploy-hooks')).ref('arn'));
  });

  it('lets CodeDeploy invoke exactly these functions', () => {
    const invoke = allowing(statementsOfRole(stack, '-codedeploy'), 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(1);
    expect([...invoke[0].Resource].sort()).toEqual(functions.map(({ ref }) => ref('arn')).sort());
  });

  it('creates the functions after their role may manage network interfaces', () => {
    const policy = Object.entries(stack.resources('aws_iam_role_policy')).find(([, p]) => p.name === 'hooks')!;
    for (const { fn } of functions) expect(fn.depends_on).toContain(`aws_iam_role_policy.${policy[0]}`);
  });

  it('lets the functions out only to the listener ports and HTTPS', () => {
    const egress = stack.rulesOf(hooksGroup, 'egress');
    expect(egress.map((r: Json) => r.from_port).sort((a: number, b: number) => a - b)).toEqual([80, 443, 8080]);
  });

  it('lists every function under the appspec Hooks, in lifecycle order', () => {
    const appspec = parseYaml(stack.deploymentFile('appspec.yaml'));
    expect(appspec.Hooks).toEqual(LIFECYCLE_HOOKS.map((h) => ({ [h.event]: `CodeDeployHook_web-dev-${h.file}` })));
  });
});
