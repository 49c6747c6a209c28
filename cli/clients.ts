import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';

/** The AWS clients the CLI uses; tests pass mocked ones. */
export interface Clients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly pipeline: CodePipelineClient;
  readonly codedeploy: CodeDeployClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly ssm: SSMClient;
}

/**
 * Clients for the environment's region (from its config, so AWS_REGION cannot point them at another
 * one) with the default credential chain. The SDK's other settings still apply: AWS_PROFILE, and
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> for any AWS-compatible endpoint. Adaptive retries
 * slow down on throttling before failing.
 */
export function createClients(region: string): Clients {
  const settings = { region, retryMode: 'adaptive', maxAttempts: 4 };
  return {
    ecs: new ECSClient(settings),
    ecr: new ECRClient(settings),
    elb: new ElasticLoadBalancingV2Client(settings),
    pipeline: new CodePipelineClient(settings),
    codedeploy: new CodeDeployClient(settings),
    cloudwatch: new CloudWatchClient(settings),
    logs: new CloudWatchLogsClient(settings),
    ssm: new SSMClient(settings),
  };
}
