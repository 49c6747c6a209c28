import { Testing } from 'cdktf';
import { Notifications } from '../stacks/notifications';

// The Notifications construct on its own: its topic policy is computed at synth, so the order in
// which publishers are added cannot leave one out.
describe('Notifications', () => {
  const synthesized = JSON.parse(
    Testing.synthScope((scope) => {
      const notifications = new Notifications(scope, 'notifications', { topicName: 'web-test-events', accountId: '123456789012', keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' });
      // Both rules are added after the construct (and its policy resource) exist.
      notifications.forwardPipelineFailures('web-test-pipeline-failed', 'web-test');
      notifications.forwardDeploymentFailures('web-test-deployment-failed', 'web-test', 'web-test');
    }),
  );
  const rules = Object.keys(synthesized.resource.aws_cloudwatch_event_rule);
  const [topic] = Object.keys(synthesized.resource.aws_sns_topic);
  const statements = JSON.parse((Object.values(synthesized.resource.aws_sns_topic_policy)[0] as { policy: string }).policy).Statement;

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
    expect([...Condition.ArnEquals['aws:SourceArn']].sort()).toEqual(rules.map((rule) => `\${aws_cloudwatch_event_rule.${rule}.arn}`).sort());
  });

  it("lets CloudWatch alarms of this account publish", () => {
    expect(statements[1]).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } });
  });
});
