import { VARIANTS } from '../.ci/variants';
import { actionsOf, allowing, shipped, statementsOfRole, synthesize, type Json } from './support/synth';

// The shipped staging environment deploys with the ECS engine (a canary, an operator approval);
// the devextra variant with linear steps and no operator. The wires between the constructs.

const staging = synthesize(shipped('staging'));
const noOperator = synthesize(VARIANTS.find((variant) => variant.name === 'devextra')!);

const service = staging.resource('aws_ecs_service');
const hook = (stack: typeof staging, suffix: string) =>
  stack.resource('aws_lambda_function', (fn) => fn.function_name.endsWith(suffix));
const afterTest = hook(staging, '-ecs-after-test-traffic');
const afterProduction = hook(staging, '-ecs-after-production-traffic');
const variables = (fn: { config: Json }) => fn.config.environment.variables;
const deployAction = (stack: typeof staging) =>
  stack
    .resource('aws_codepipeline')
    .config.stage.find((stage: Json) => stage.name === 'Deploy')
    .action.find(() => true);

describe('staging on the ECS engine', () => {
  it('has no CodeDeploy application, group, role or deployment files', () => {
    for (const type of ['aws_codedeploy_app', 'aws_codedeploy_deployment_group', 'aws_s3_object']) {
      expect(Object.keys(staging.resources(type))).toEqual([]);
    }
    expect(staging.json.data?.archive_file).toBeUndefined();
    expect(Object.values(staging.resources('aws_iam_role')).map((role: Json) => role.name)).not.toContain(
      'web-staging-codedeploy',
    );
  });

  it('runs the deployed hook functions at their stages', () => {
    expect(
      service.config.deployment_configuration.lifecycle_hook.map((h: Json) => [h.hook_target_arn, h.lifecycle_stages]),
    ).toEqual([
      [afterTest.ref('arn'), ['POST_TEST_TRAFFIC_SHIFT']],
      [afterProduction.ref('arn'), ['POST_PRODUCTION_TRAFFIC_SHIFT']],
    ]);
    // Canary10Percent5Minutes: 10% of production for 5 minutes, then the rest; terminationWaitMinutes 5 is the bake.
    expect(service.config.deployment_configuration).toMatchObject({
      strategy: 'CANARY',
      canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: '5' },
      bake_time_in_minutes: '5',
    });
  });

  it('smoke-tests the test listener after test traffic, then waits up to 15 minutes for approval', () => {
    const smoke = JSON.parse(variables(afterTest).SMOKE_TEST);
    const { url } = JSON.parse(variables(afterProduction).SMOKE_TEST);
    const alb = staging.resource('aws_lb').ref('dns_name');
    expect(smoke.url).toBe(`http://${alb}:8080`);
    expect(url).toBe(`http://${alb}`);
    expect(JSON.parse(variables(afterTest).APPROVAL)).toEqual({
      parameterPrefix: '/web/staging/approvals',
      waitMinutes: 15,
      callBackDelaySeconds: 30,
    });
    expect(variables(afterProduction).APPROVAL).toBeUndefined();
  });

  it("lets the hook functions read this environment's approval parameters, and report to no CodeDeploy group", () => {
    const granted = statementsOfRole(staging, '-ecs-hooks');
    expect(allowing(granted, 'ssm:GetParameter')).toEqual([
      expect.objectContaining({ Resource: 'arn:aws:ssm:eu-central-1:111111111111:parameter/web/staging/approvals/*' }),
    ]);
    expect(granted.flatMap(actionsOf).filter((action) => action.startsWith('codedeploy:'))).toEqual([]);
  });

  it('routes production and test traffic through the listener rules ECS shifts', () => {
    const rules = Object.entries(staging.resources('aws_lb_listener_rule'));
    expect(rules).toHaveLength(2);
    const [production] = rules.find(([name]) => name.includes('production-rule'))!;
    const [test] = rules.find(([name]) => name.includes('test-rule'))!;
    expect(service.config.load_balancer[0].advanced_configuration).toMatchObject({
      production_listener_rule: `\${aws_lb_listener_rule.${production}.arn}`,
      test_listener_rule: `\${aws_lb_listener_rule.${test}.arn}`,
      alternate_target_group_arn: staging
        .resource('aws_lb_target_group', (g) => g.name.endsWith('-secondary'))
        .ref('arn'),
    });
    expect(service.config.depends_on).toEqual(
      expect.arrayContaining([`aws_lb_listener_rule.${production}`, `aws_lb_listener_rule.${test}`]),
    );
  });

  it('deploys through the ECS action, which the pipeline role may run for this service only', () => {
    expect(deployAction(staging)).toMatchObject({
      provider: 'ECS',
      input_artifacts: ['ImageDefinitions'],
      configuration: {
        ClusterName: staging.resource('aws_ecs_cluster').ref('name'),
        ServiceName: service.ref('name'),
        FileName: 'imagedefinitions.json',
        DeploymentTimeout: '60',
      },
    });
    const granted = statementsOfRole(staging, '-codepipeline');
    expect(allowing(granted, 'ecs:UpdateService')).toEqual([
      expect.objectContaining({
        Resource: `arn:aws:ecs:eu-central-1:111111111111:service/${staging.resource('aws_ecs_cluster').ref('name')}/${service.ref('name')}`,
      }),
    ]);
    expect(granted.flatMap(actionsOf).filter((action) => action.startsWith('codedeploy:'))).toEqual([]);
  });

  it('keeps the desired count an operator or Application Auto Scaling set across the next deploy', () => {
    // Application Auto Scaling adjusts the service's DesiredCount itself; the provider's aws_ecs_service page
    // ("Ignoring Changes to Desired Count") ignores it so such changes survive an apply.
    expect(service.config.lifecycle.ignore_changes).toEqual(expect.arrayContaining(['desired_count']));
  });

  it('outputs where operators approve', () => {
    expect(staging.outputs.approval_parameter_prefix.value).toBe('/web/staging/approvals');
    expect(staging.outputs.codedeploy_application_name).toBeUndefined();
  });
});

describe('the ECS engine without an operator wait (devextra)', () => {
  const afterTestTraffic = hook(noOperator, '-ecs-after-test-traffic');
  const group = noOperator.resource('aws_security_group', (g) => g.name.endsWith('-ecs-hooks'));

  it('gives the hooks no approval wait, no SSM permission and no HTTPS egress they do not use', () => {
    expect(variables(afterTestTraffic).APPROVAL).toBeUndefined();
    expect(allowing(statementsOfRole(noOperator, '-ecs-hooks'), 'ssm:GetParameter')).toEqual([]);
    expect(
      noOperator
        .rulesOf(group, 'egress')
        .map((rule) => rule.from_port)
        .sort(),
    ).toEqual([80, 8080]);
    expect(noOperator.outputs.approval_parameter_prefix).toBeUndefined();
  });

  it('shifts linearly and gives the pipeline the configured timeout', () => {
    expect(noOperator.resource('aws_ecs_service').config.deployment_configuration).toMatchObject({
      strategy: 'LINEAR',
      linear_configuration: { step_percent: 10, step_bake_time_in_minutes: '1' },
    });
    expect(deployAction(noOperator).configuration.DeploymentTimeout).toBe('30');
  });
});
