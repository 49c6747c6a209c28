import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { EnvironmentContext } from './context';

export interface NotificationsProps {
  /** Subscribed by email (the recipient confirms the subscription). */
  readonly email?: string;
}

/** A service that publishes to the topic; the environment key's policy must admit it too. */
export interface PublishingService {
  readonly principal: string;
  /** Whether the service sends aws:SourceAccount when it uses the topic's key. */
  readonly sendsSourceAccount: boolean;
}

/**
 * EventBridge does not send aws:SourceAccount or aws:SourceArn when it publishes to a KMS-encrypted
 * topic (SNS developer guide, "Enable compatibility between event sources from AWS services and
 * encrypted topics"): requiring them drops every rule's event as a FailedInvocation.
 * CloudWatch alarms do send aws:SourceAccount.
 */
export const PUBLISHING_SERVICES: readonly PublishingService[] = [
  { principal: 'events.amazonaws.com', sendsSourceAccount: false },
  { principal: 'cloudwatch.amazonaws.com', sendsSourceAccount: true },
];

/**
 * An encrypted SNS topic for delivery failures: failed pipeline runs, failed or stopped
 * (rolled back) deployments and deployment alarms. Subscribe by email or any SNS protocol.
 */
export class Notifications extends Construct {
  readonly topicArn: string;
  private readonly ruleArns: string[] = [];
  private readonly topic: SnsTopic;
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const context = EnvironmentContext.of(this);
    this.accountId = context.accountId;
    // The environment key's policy lets EventBridge and CloudWatch publish with it (PUBLISHING_SERVICES).
    this.topic = new SnsTopic(this, 'topic', { name: context.names.notificationTopic, kmsMasterKeyId: context.keyArn });
    this.topicArn = this.topic.arn;
    if (props.email) {
      new SnsTopicSubscription(this, 'email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.email });
    }
    // Computed at synth, once every rule is known: a rule added at any time is among the publishers.
    new SnsTopicPolicy(this, 'policy', {
      arn: this.topic.arn,
      policy: Lazy.stringValue({ produce: () => this.policyDocument() }),
    });
  }

  /** Runs of the pipeline that failed. */
  forwardPipelineFailures(pipelineName: string): void {
    const ruleName = EnvironmentContext.of(this).names.pipelineFailedRule;
    this.forwardEvents('pipeline-failed', ruleName, 'Pipeline runs that failed', {
      source: ['aws.codepipeline'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      detail: { pipeline: [pipelineName], state: ['FAILED'] },
    });
  }

  /** Deployments of the group that failed or were stopped, both of which roll back. */
  forwardDeploymentFailures(application: string, deploymentGroup: string): void {
    const ruleName = EnvironmentContext.of(this).names.deploymentFailedRule;
    this.forwardEvents('deployment-failed', ruleName, 'Deployments that failed or were stopped (and rolled back)', {
      source: ['aws.codedeploy'],
      'detail-type': ['CodeDeploy Deployment State-change Notification'],
      detail: { application: [application], deploymentGroup: [deploymentGroup], state: ['FAILURE', 'STOP'] },
    });
  }

  /**
   * ECS engine: deployments of the service that failed (and were rolled back), and rollbacks as they
   * start. ECS sends both as "ECS Deployment State Change"; a rollback is a deployment in progress
   * whose reason says it is rolling back
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html).
   */
  forwardServiceDeploymentFailures(serviceArn: string): void {
    const ruleName = EnvironmentContext.of(this).names.deploymentFailedRule;
    this.forwardEvents('deployment-failed', ruleName, 'Service deployments that failed or are rolling back', {
      source: ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      resources: [serviceArn],
      detail: {
        $or: [
          { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
          { eventName: ['SERVICE_DEPLOYMENT_IN_PROGRESS'], reason: [{ wildcard: '*rolling back*' }] },
        ],
      },
    });
  }

  /** Forwards events matching the pattern to the topic. */
  private forwardEvents(id: string, ruleName: string, description: string, eventPattern: object): void {
    const rule = new CloudwatchEventRule(this, id, {
      name: ruleName,
      description,
      eventPattern: JSON.stringify(eventPattern),
    });
    new CloudwatchEventTarget(this, `${id}-to-topic`, { rule: rule.name, arn: this.topic.arn });
    this.ruleArns.push(rule.arn);
  }

  /** EventBridge may publish for this environment's rules; CloudWatch for this account's alarms. */
  private policyDocument(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventRulesOfThisEnvironment',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: this.topic.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': this.ruleArns } },
        },
        {
          Sid: 'AlarmsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: this.topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': this.accountId } },
        },
      ],
    });
  }
}
