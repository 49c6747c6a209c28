/**
 * Test-only environments: each turns on config options that add or change resources, so CI
 * synthesizes, plans offline and scans it even though no shipped environment uses it. They are
 * never deployable: their accounts and certificates are placeholders, and main.ts never sees them.
 */
import { environments } from '../stacks/config/environments';
import type { EnvironmentInput } from '../stacks/config/schema';

const dev = environments.find((env) => env.name === 'dev');
if (!dev) throw new Error('.ci/variants.ts derives its variants from the shipped "dev" environment');

export const VARIANTS: readonly EnvironmentInput[] = [
  {
    // Build once, promote within one account: "lab" builds (like dev), "labnext" promotes from it in
    // the same account, with no approval and the ECS engine, so its image file is imagedefinitions.json.
    // The shipped prod covers the cross-account promotion with an approval and CodeDeploy.
    ...structuredClone(dev),
    name: 'lab',
    network: { ...structuredClone(dev.network), vpcCidr: '10.40.0.0/16' },
  },
  {
    ...structuredClone(dev),
    name: 'labnext',
    network: { ...structuredClone(dev.network), vpcCidr: '10.50.0.0/16' },
    pipeline: {
      ...structuredClone(dev.pipeline),
      branch: undefined,
      source: { provider: 'Promotion', from: 'lab', approval: false },
      engine: 'ecs',
      trafficShift: 'Linear10PercentEvery1Minutes',
      waitForRerouteMinutes: 0,
      deployTimeoutMinutes: 30,
    },
  },
  {
    // HTTPS on both listeners, the 80 -> 443 redirect listener and a Route 53 alias record.
    ...structuredClone(dev),
    name: 'devhttps',
    loadBalancer: {
      ...structuredClone(dev.loadBalancer),
      https: {
        // Placeholder ARN in the documented format: the environment's account and region, a UUID.
        certificateArn: `arn:aws:acm:${dev.region}:${dev.accountId}:certificate/00000000-0000-4000-8000-000000000000`,
        domainName: 'app.example.com',
        hostedZoneId: 'Z0123456789EXAMPLE',
      },
    },
  },
  {
    // Every interface endpoint with their security group, arm64 tasks built on arm64, a Bitbucket
    // source through an existing connection with path filters (staging covers a created one), and the
    // ECS engine with linear steps and no operator wait (staging covers a canary with approval).
    ...structuredClone(dev),
    name: 'devextra',
    network: { ...structuredClone(dev.network), interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs'] },
    container: { ...structuredClone(dev.container), architecture: 'arm64' },
    pipeline: {
      ...structuredClone(dev.pipeline),
      source: {
        provider: 'Bitbucket',
        repository: 'example-org/web',
        // Placeholder in the documented format: the environment's account and region, a UUID.
        connectionArn: `arn:aws:codeconnections:${dev.region}:${dev.accountId}:connection/00000000-0000-4000-8000-000000000000`,
        filePaths: ['app/**', 'Dockerfile'],
      },
      engine: 'ecs',
      trafficShift: 'Linear10PercentEvery1Minutes',
      waitForRerouteMinutes: 0,
      deployTimeoutMinutes: 30,
    },
    hooks: { callBackDelaySeconds: 15 },
  },
];
