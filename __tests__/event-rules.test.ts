import { awsEvent } from './support/aws-fixtures';
import { matchesEventPattern } from './support/event-pattern';
import { shipped, synthesize, type Json, type Synthesized } from './support/synth';

// Each EventBridge rule of the stacks against the events AWS documents for it (fixtures/aws/events):
// the event a rule must catch matches its pattern, and the sibling events it must leave alone do not.
// Only the fields that name our resource are set to ours (the pipeline, the deployment group, the
// service, the repository and branch); everything else is AWS's example as published.

const dev = synthesize(shipped('dev'));
const staging = synthesize(shipped('staging'));

const pattern = (stack: Synthesized, suffix: string): Json =>
  JSON.parse(stack.resource('aws_cloudwatch_event_rule', (rule) => rule.name.endsWith(suffix)).config.event_pattern);

/** AWS's event with the identifying fields replaced by ours. */
function ours(name: string, identity: { resources?: string[]; detail?: Record<string, string> }): Json {
  const event = awsEvent<Json>(name);
  return {
    ...event,
    ...(identity.resources ? { resources: identity.resources } : {}),
    detail: { ...event.detail, ...identity.detail },
  };
}

describe('pipeline failures (CodePipeline Pipeline Execution State Change)', () => {
  const rule = pattern(dev, '-pipeline-failed');
  const pipeline = { detail: { pipeline: dev.resource('aws_codepipeline').config.name } };

  it('forwards a failed run of the environment pipeline', () => {
    expect(matchesEventPattern(rule, ours('codepipeline-execution-state-change-failed', pipeline))).toBe(true);
  });

  it('leaves a run that succeeded, and another pipeline that failed, alone', () => {
    expect(matchesEventPattern(rule, ours('codepipeline-execution-state-change-succeeded', pipeline))).toBe(false);
    expect(matchesEventPattern(rule, awsEvent('codepipeline-execution-state-change-failed'))).toBe(false);
  });
});

describe('deployment failures on the CodeDeploy engine (CodeDeploy Deployment State-change Notification)', () => {
  const rule = pattern(dev, '-deployment-failed');
  const application = dev.resource('aws_codedeploy_app').config.name;
  const group = dev.resource('aws_codedeploy_deployment_group').config;
  const identity = { detail: { application, deploymentGroup: group.deployment_group_name } };

  it('forwards a failed deployment of the environment group', () => {
    expect(matchesEventPattern(rule, ours('codedeploy-deployment-state-change-failure', identity))).toBe(true);
  });

  it('leaves a successful deployment, and a failure of another group, alone', () => {
    expect(matchesEventPattern(rule, ours('codedeploy-deployment-state-change-success', identity))).toBe(false);
    expect(matchesEventPattern(rule, awsEvent('codedeploy-deployment-state-change-failure'))).toBe(false);
  });
});

describe('deployment failures on the ECS engine (ECS Deployment State Change)', () => {
  const rule = pattern(staging, '-deployment-failed');
  const service = { resources: rule.resources };

  it.each(['ecs-deployment-state-change-failed', 'ecs-deployment-state-change-in-progress-rollback'])(
    'forwards %s',
    (name) => expect(matchesEventPattern(rule, ours(name, service))).toBe(true),
  );

  it('names the service by the ARN ECS puts in resources', () => {
    expect(rule.resources).toEqual([
      `arn:aws:ecs:eu-central-1:111111111111:service/${staging.resource('aws_ecs_cluster').ref('name')}/${staging.resource('aws_ecs_service').ref('name')}`,
    ]);
  });

  it('leaves a deployment in progress or completed, and another service, alone', () => {
    expect(matchesEventPattern(rule, ours('ecs-deployment-state-change-in-progress', service))).toBe(false);
    expect(matchesEventPattern(rule, ours('ecs-deployment-state-change-completed', service))).toBe(false);
    expect(matchesEventPattern(rule, awsEvent('ecs-deployment-state-change-failed'))).toBe(false);
  });
});

describe('pushes start the pipeline (CodeCommit Repository State Change)', () => {
  const rule = pattern(dev, '-on-push');
  const repository = dev.resource('aws_codecommit_repository');
  const identity = { resources: [repository.ref('arn')], detail: { referenceName: dev.config.pipeline.branch } };

  it.each(['codecommit-reference-created', 'codecommit-reference-updated'])('starts on %s of the branch', (name) => {
    expect(matchesEventPattern(rule, ours(name, identity))).toBe(true);
  });

  it('ignores other branches and other repositories', () => {
    const otherBranch = ours('codecommit-reference-updated', { resources: identity.resources });
    expect(matchesEventPattern(rule, otherBranch)).toBe(false);
    expect(matchesEventPattern(rule, awsEvent('codecommit-reference-updated'))).toBe(false);
  });
});
