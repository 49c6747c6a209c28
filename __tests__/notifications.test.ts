import { Testing } from 'cdktf';
import { Notifications } from '../stacks/shared/notifications';
import { inTestEnvironment, TEST_CONTEXT, TEST_KEY_ARN } from './support/context';

// The Notifications construct on its own: its topic policy is computed at synth, so the order in
// which publishers are added cannot leave one out.
describe('Notifications', () => {
  const synthesized = JSON.parse(
    Testing.synthScope((scope) => {
      inTestEnvironment(scope);
      const notifications = new Notifications(scope, 'notifications');
      // Both rules are added after the construct (and its policy resource) exist.
      notifications.forwardPipelineFailures('web-test');
      notifications.forwardDeploymentFailures('web-test', 'web-test');
    }),
  );
  const rules = Object.keys(synthesized.resource.aws_cloudwatch_event_rule);
  const [topic] = Object.keys(synthesized.resource.aws_sns_topic);
  const statements = JSON.parse(
    (Object.values(synthesized.resource.aws_sns_topic_policy)[0] as { policy: string }).policy,
  ).Statement;

  it('lets EventBridge publish for every rule, however late it was added', () => {
    expect(rules).toHaveLength(2);
    const { Condition, ...rest } = statements[0];
    expect(rest).toEqual({
      Sid: 'EventRulesOfThisEnvironment',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: `\${aws_sns_topic.${topic}.arn}`,
    });
    expect([...Condition.ArnEquals['aws:SourceArn']].sort()).toEqual(
      rules.map((rule) => `\${aws_cloudwatch_event_rule.${rule}.arn}`).sort(),
    );
  });

  it('lets CloudWatch alarms of this account publish', () => {
    expect(statements[1]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': TEST_CONTEXT.accountId } },
    });
  });

  it('encrypts the topic with the environment key and names it for the environment', () => {
    expect(Object.values(synthesized.resource.aws_sns_topic)[0]).toMatchObject({
      name: 'web-test-delivery-events',
      kms_master_key_id: TEST_KEY_ARN,
    });
  });
});
