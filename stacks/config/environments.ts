import type { EnvironmentInput } from './schema';

/**
 * The environments this project deploys: one Terraform stack each.
 * Edit these (replace the placeholder account ids first); docs/configuration.md's
 * reference explains every field. `npm run synth` validates them before synthesizing.
 */

/** Container settings shared by every environment: the sample app in artifacts/app serves port 80. */
const container = {
  name: 'app',
  initialImage: 'public.ecr.aws/docker/library/httpd:2.4',
  port: 80,
  healthCheckPath: '/',
  // httpd writes its pid file and locks under logs/; everything else stays read-only.
  readonlyRootFilesystem: true,
  writablePaths: ['/usr/local/apache2/logs'],
};

/** Fast swaps for non-production: a new task is healthy after 2 x 5 s, an old one drains in 5 s. */
const fastSwaps = {
  healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 },
  deregistrationDelaySeconds: 5,
};

export const environments: EnvironmentInput[] = [
  {
    name: 'dev',
    app: 'web',
    region: 'eu-central-1',
    accountId: '111111111111', // placeholder: replace with your dev account id
    network: { vpcCidr: '10.10.0.0/16', azCount: 2, natGateways: 'single' },
    container: { ...container, cpu: 256, memory: 512 },
    service: { desiredCount: 1 },
    loadBalancer: fastSwaps,
    registry: { keepImages: 10 },
    pipeline: {
      branch: 'main',
      trafficShift: 'AllAtOnce',
      waitForRerouteMinutes: 0, // reroute as soon as the hooks pass
      terminationWaitMinutes: 0, // remove the old task set right away
    },
    logRetentionDays: 7,
    allowDestroyWithData: true,
    tags: { CostCenter: 'engineering' },
  },
  {
    // ECS-native blue/green with a canary, an operator approval and code on GitHub through a
    // CodeConnections connection the stack creates: complete its handshake in the console
    // (Developer Tools > Settings > Connections) once after the first deploy.
    name: 'staging',
    app: 'web',
    region: 'eu-central-1',
    accountId: '111111111111', // placeholder: replace with your staging account id
    network: { vpcCidr: '10.30.0.0/16', azCount: 2, natGateways: 'single' },
    container: { ...container, architecture: 'arm64', cpu: 256, memory: 512 },
    service: { desiredCount: 2 },
    loadBalancer: fastSwaps,
    registry: { keepImages: 20 },
    pipeline: {
      branch: 'main',
      source: { provider: 'GitHub', repository: 'example-org/web' }, // placeholder: your owner/repository
      engine: 'ecs',
      trafficShift: 'Canary10Percent5Minutes', // 10% of production for 5 minutes, then the rest
      waitForRerouteMinutes: 15, // an operator approves after checking the test listener (see docs/engines.md)
      terminationWaitMinutes: 5, // bake time: the previous revision stays for a fast rollback
    },
    logRetentionDays: 30,
    allowDestroyWithData: true,
    tags: { CostCenter: 'engineering' },
  },
  {
    name: 'prod',
    app: 'web',
    region: 'eu-central-1',
    accountId: '222222222222', // placeholder: replace with your prod account id
    network: { vpcCidr: '10.20.0.0/16', azCount: 3, natGateways: 'one-per-az', flowLogTraffic: 'ALL' },
    container: { ...container, cpu: 512, memory: 1024 },
    service: { desiredCount: 2 },
    loadBalancer: {
      // Still quicker than the 30 s x 5 / 300 s defaults, but patient with slow starts and long requests.
      healthCheck: { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
      deregistrationDelaySeconds: 30,
      deletionProtection: true, // set to false and deploy before destroying prod
    },
    registry: { keepImages: 50 },
    pipeline: {
      // Build once, promote: prod deploys exactly the image (by digest) that dev built and deployed,
      // after an approval, copied into prod's own registry. To build prod from a repository instead,
      // replace this with e.g. `source: { provider: 'CodeCommit' }` and `branch: 'main'`.
      source: { provider: 'Promotion', from: 'dev', approval: true },
      trafficShift: 'Canary10Percent5Minutes',
      waitForRerouteMinutes: 60, // an operator reroutes after checking the QA listener
      terminationWaitMinutes: 15, // the old task set stays for a fast rollback
    },
    logRetentionDays: 365,
    allowDestroyWithData: false,
    tags: { CostCenter: 'engineering' },
  },
];
