import { z } from 'zod';
import { REPORT_MARGIN_MS } from '../../hooks/contract';
import {
  isKnownRegion,
  MAX_TAGS_PER_RESOURCE,
  RESERVED_LOAD_BALANCER_PREFIX,
  TAG_CHARACTERS,
  TAG_KEY_MAX,
  TAG_VALUE_MAX,
} from './aws-rules';
import { cidrContains, cidrsOverlap, cidrSubnet, formatCidr, parseCidr, type Cidr } from './cidr';
import { MAX_PREFIX_LENGTH, namesOverLimit, resourceNames } from './names';
import type { Promotions } from './promotion';
import { TRAFFIC_SHIFTS } from './traffic-shift';
import { describeWaitingTime, deploymentWaitingTime } from './waiting-time';

/** Fargate's valid task sizes: cpu units -> allowed memory (MiB). */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

export { TRAFFIC_SHIFTS };

/** What deploys the service: CodeDeploy blue/green (task sets), or ECS-native blue/green (service revisions). */
export const DEPLOYMENT_ENGINES = ['codedeploy', 'ecs'] as const;

/** CodePipeline's ECS deploy action accepts a DeploymentTimeout of 1-60 minutes; 60 is its default. */
export const ECS_DEPLOY_TIMEOUT_MAX_MINUTES = 60;

/** Seconds ECS waits before calling an IN_PROGRESS hook again, unless the hook says otherwise. */
export const ECS_DEFAULT_CALLBACK_SECONDS = 30;

/** AWS services the private subnets may reach through an interface endpoint (com.amazonaws.<region>.<name>). */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs'] as const;

/** CPU architectures a Fargate task (and the build that makes its image) can use. */
export const CPU_ARCHITECTURES = ['x86_64', 'arm64'] as const;

/** Where the pipeline's source comes from: CodeCommit, or a CodeConnections provider. */
export const SOURCE_PROVIDERS = ['CodeCommit', 'GitHub', 'GitHubEnterpriseServer', 'GitLab', 'Bitbucket'] as const;

/** The source that is another environment: its tested image, by digest, instead of a repository. */
export const PROMOTION = 'Promotion';

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

const port = (example: number) =>
  z
    .number({ error: `must be a port number. Fix: use a whole number such as ${example}` })
    .int({ error: `must be a whole number. Fix: use a port such as ${example}` })
    .min(1, { error: `is out of range. Fix: use a port from 1 to 65535, such as ${example}` })
    .max(65535, { error: `is out of range. Fix: use a port from 1 to 65535, such as ${example}` });

/** A string matching a pattern; wrong types get the same message as wrong text. */
const pattern = (regex: RegExp, message: string) => z.string({ error: message }).regex(regex, { error: message });

const cidrText = z.string({ error: 'must be a CIDR string such as "10.0.0.0/24"' });

/** A region AWS knows, by the AWS SDK's partition data (a typo such as "eu-centrl-1" is refused here). */
const regionCode = pattern(
  /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/,
  'is not an AWS region code. Fix: use a region such as "eu-central-1"',
).refine(isKnownRegion, {
  error: (issue) =>
    `"${String(issue.input)}" is not a region AWS knows (AWS SDK region data). Fix: use a region code such as "eu-central-1" (\`aws account list-regions\` lists yours)`,
});

const intBetween = (min: number, max: number, unit = '') =>
  z
    .number({ error: `must be a number. Fix: use a whole number from ${min} to ${max}${unit}` })
    .int({ error: `must be a whole number. Fix: use a whole number from ${min} to ${max}${unit}` })
    .min(min, { error: `is below ${min}. Fix: use a whole number from ${min} to ${max}${unit}` })
    .max(max, { error: `is above ${max}. Fix: use a whole number from ${min} to ${max}${unit}` });

const environmentFields = z.strictObject({
  name: pattern(
    /^[a-z][a-z0-9]{1,9}$/,
    'must be 2-10 lowercase letters or digits, starting with a letter. Fix: use a name such as "dev"',
  ).describe('Environment and stack name: the `<env>` in every resource name (2-10 lowercase letters or digits).'),
  app: pattern(
    /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/,
    'must be 2-20 lowercase letters, digits or hyphens, starting with a letter. Fix: use a name such as "web"',
  ).describe(
    `Application name. \`<app>-<env>\` prefixes every resource name and may have at most ${MAX_PREFIX_LENGTH} characters (ALB and target-group names are limited to 32).`,
  ),
  region: regionCode.describe('AWS region of every resource.'),
  accountId: pattern(
    /^\d{12}$/,
    'must be exactly 12 digits, as a string. Fix: copy it from `aws sts get-caller-identity --query Account`',
  ).describe(
    "The only account the stack may be applied to (the provider's `allowed_account_ids`): 12 digits, as a string.",
  ),
  network: z.strictObject({
    vpcCidr: cidrText.describe('VPC range, /16 to /22.'),
    azCount: intBetween(2, 3, ' (availability zones)').describe(
      'Availability zones: one public and one private subnet in each.',
    ),
    natGateways: z
      .enum(['one-per-az', 'single'], {
        error:
          'must be "one-per-az" or "single". Fix: use "single" for cheap environments, "one-per-az" for resilient ones',
      })
      .describe('`single` saves the cost of extra NAT gateways; `one-per-az` survives an AZ outage.'),
    flowLogTraffic: z
      .enum(['ALL', 'REJECT'], { error: 'must be "ALL" or "REJECT". Fix: use "REJECT" to log refused traffic only' })
      .default('REJECT')
      .describe('VPC flow logs to CloudWatch: `REJECT` (refused traffic only, cheap) or `ALL`.'),
    publicSubnetCidrs: z
      .array(cidrText)
      .optional()
      .describe(
        'One per AZ, inside the VPC, non-overlapping, /27 or larger. Default: the first azCount /+4 blocks of the VPC.',
      ),
    privateSubnetCidrs: z
      .array(cidrText)
      .optional()
      .describe('One per AZ, like publicSubnetCidrs. Default: /+4 blocks 8, 9, ... of the VPC.'),
    s3GatewayEndpoint: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe(
        'S3 gateway endpoint on the private route tables (free): ECR image layers and pipeline artifacts stop crossing the NAT gateways, which charge per GB.',
      ),
    interfaceEndpoints: z
      .array(
        z.enum(INTERFACE_ENDPOINTS, {
          error: `is not a supported interface endpoint. Fix: use one of ${INTERFACE_ENDPOINTS.join(', ')}`,
        }),
      )
      .default([])
      .describe(
        'Interface endpoints in the private subnets (each has an hourly fee per AZ, see `npm run cost`): `ecr.api` and `ecr.dkr` for image pulls, `logs` for container and hook logs.',
      ),
  }),
  container: z.strictObject({
    name: pattern(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_". Fix: use a name such as "app"')
      .default('app')
      .describe('Container name in the task definition.'),
    initialImage: pattern(
      /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/,
      'must be a full image reference with a tag or digest. Fix: use e.g. "public.ecr.aws/docker/library/httpd:2.4"',
    )
      .refine((image) => !image.endsWith(':latest'), {
        error: 'must not use the mutable "latest" tag. Fix: pin a version tag such as ":2.4" or a digest',
      })
      .describe(
        'Image the service runs until the pipeline deploys one: a tag or digest, never `latest`. ECR Public avoids Docker Hub rate limits.',
      ),
    port: port(80).describe("Port the container listens on (the target groups' port)."),
    architecture: z
      .enum(CPU_ARCHITECTURES, {
        error: `must be one of ${CPU_ARCHITECTURES.join(', ')}. Fix: use "arm64" for Graviton`,
      })
      .default('x86_64')
      .describe(
        'CPU architecture of the task and of the CodeBuild image that builds it (the two always match). `arm64` (Graviton) costs about 20% less per vCPU and GB; the app image must build for it.',
      ),
    cpu: z
      .number({ error: 'must be a number of Fargate CPU units. Fix: use 256, 512, 1024, 2048, 4096, 8192 or 16384' })
      .describe('Fargate CPU units of the task.'),
    memory: z
      .number({ error: 'must be a number of MiB. Fix: use a value valid for the chosen cpu, e.g. 512 for 256' })
      .describe('MiB of the task: a value Fargate allows with the chosen cpu.'),
    healthCheckPath: pattern(
      /^\/[\x21-\x7e]{0,1023}$/,
      'must start with "/" and contain no spaces. Fix: use a path such as "/health"',
    ).describe("Path of the target groups' health check."),
    readonlyRootFilesystem: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe('Run the container with a read-only root filesystem.'),
    writablePaths: z
      .array(pattern(/^\/[A-Za-z0-9._/-]{1,255}$/, 'must be an absolute path. Fix: use e.g. "/tmp"'))
      .max(10)
      .default([])
      .describe(
        "Directories the app writes to; each gets an empty task-local volume (e.g. httpd's `/usr/local/apache2/logs`).",
      ),
  }),
  service: z.strictObject({
    desiredCount: intBetween(1, 100, ' tasks').describe('Tasks the service runs.'),
    healthCheckGracePeriodSeconds: intBetween(0, 2147483647, ' seconds')
      .default(30)
      .describe('Seconds ECS ignores failing load-balancer health checks after a task starts.'),
  }),
  loadBalancer: z.strictObject({
    productionPort: port(80).optional().describe('PRD listener port: 80, or 443 with `https`.'),
    testPort: port(8080).optional().describe('QA listener port: 8080, or 8443 with `https`.'),
    https: z
      .strictObject({
        certificateArn: pattern(
          /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
          'is not an ACM certificate ARN. Fix: copy it from `aws acm list-certificates` in the environment region',
        ).describe("ACM certificate in the environment's account and region."),
        domainName: pattern(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          'is not a DNS name. Fix: use the name the certificate covers, e.g. "app.example.com"',
        ).describe('The name the certificate covers; the URLs and smoke tests use it.'),
        hostedZoneId: pattern(
          /^Z[A-Z0-9]{1,32}$/,
          'is not a Route 53 hosted zone id. Fix: copy it from `aws route53 list-hosted-zones`',
        )
          .optional()
          .describe(
            'Route 53 zone to create domainName in, as an alias of the ALB; otherwise create the record yourself.',
          ),
      })
      .optional()
      .describe('HTTPS on both listeners (TLS 1.3/1.2 policy); port 80 then only redirects to HTTPS.'),
    deletionProtection: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe('Refuse to delete the ALB (set `false` and deploy before destroying).'),
    accessLogs: z
      .strictObject({
        bucket: pattern(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          'is not a valid S3 bucket name. Fix: name an existing bucket',
        ).describe('An existing bucket (SSE-S3) that allows ELB log delivery.'),
        prefix: z.string().default('').describe('Key prefix of the log objects.'),
      })
      .optional()
      .describe('ALB access logs.'),
    testListenerAllowedCidrs: z
      .array(cidrText)
      .default([])
      .describe('Who may reach the QA listener besides the validation hooks. Default nobody; `0.0.0.0/0` is refused.'),
    healthCheck: z.strictObject({
      intervalSeconds: intBetween(5, 300, ' seconds').describe('Seconds between health checks of a target.'),
      timeoutSeconds: intBetween(2, 120, ' seconds').describe('Seconds a check may take; less than intervalSeconds.'),
      healthyThreshold: intBetween(2, 10).describe('Passed checks before a target is healthy.'),
      unhealthyThreshold: intBetween(2, 10).describe('Failed checks before a target is unhealthy.'),
    }),
    deregistrationDelaySeconds: intBetween(0, 3600, ' seconds').describe(
      'Seconds a draining target keeps its connections (the AWS default 300 slows every swap).',
    ),
  }),
  registry: z.strictObject({
    keepImages: intBetween(1, 10000, ' images').describe('Images ECR keeps; older ones expire.'),
  }),
  pipeline: z
    .strictObject({
      branch: pattern(
        /^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$)[A-Za-z0-9._/-]{1,100}$/,
        'is not a valid git branch name. Fix: use a name such as "main"',
      )
        // Pushes carry the short name (CodeCommit's referenceName, the V2 trigger's branch filter): a ref never matches.
        .refine((branch) => !branch.startsWith('refs/'), {
          error: (issue) =>
            `"${String(issue.input)}" is a git ref, not a branch name: no push would match it. Fix: use the name alone, e.g. "${String(issue.input).replace(/^refs\/(heads\/)?/, '')}"`,
        })
        .default('main')
        .describe(
          'Branch whose pushes deploy this environment (repository sources; a promotion has no branch of its own).',
        ),
      source: z
        .strictObject({
          provider: z
            .enum([...SOURCE_PROVIDERS, PROMOTION], {
              error: `must be one of ${[...SOURCE_PROVIDERS, PROMOTION].join(', ')}. Fix: use "CodeCommit", "GitHub", or "Promotion" with \`from\``,
            })
            .default('CodeCommit')
            .describe(
              'Where the application comes from: a CodeCommit repository the stack creates, a repository reached through an AWS CodeConnections connection, or `Promotion`: the image another environment built and deployed (see "Build once, promote").',
            ),
          from: pattern(/^[a-z][a-z0-9]{1,9}$/, 'must name another environment. Fix: use its name, e.g. "dev"')
            .optional()
            .describe(
              '`Promotion` only: the environment whose successfully deployed image (by digest) this one deploys. Same region, same container name and architecture; any account.',
            ),
          approval: z
            .boolean({ error: 'must be true or false' })
            .optional()
            .describe(
              '`Promotion` only: a manual approval (CodePipeline) after the image is copied and before it deploys, announced on the notification topic. Default true.',
            ),
          repository: pattern(
            /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/,
            'must be "owner/repository" (GitLab: "group/subgroup/repository"). Fix: use e.g. "acme/web"',
          )
            .optional()
            .describe('Connection sources: the full repository id, "owner/repository".'),
          connectionArn: pattern(
            /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/,
            'is not a CodeConnections connection ARN. Fix: copy it from `aws codeconnections list-connections`',
          )
            .optional()
            .describe(
              'Connection sources: an existing, available connection. Without it the stack creates one, which stays PENDING until someone completes the handshake in the console.',
            ),
          filePaths: z
            .array(
              z
                .string({ error: 'must be a path glob such as "app/**"' })
                .max(255, { error: 'is longer than 255 characters. Fix: use a shorter glob' })
                .refine((glob) => glob.trim() !== '', {
                  error: 'is blank, which matches no path. Fix: use a glob such as "app/**" or remove it',
                }),
            )
            .max(8)
            .default([])
            .describe(
              'Connection sources: only pushes that change a matching path (glob) start the pipeline. Default: any push.',
            ),
        })
        .prefault({}),
      engine: z
        .enum(DEPLOYMENT_ENGINES, {
          error: `must be one of ${DEPLOYMENT_ENGINES.join(', ')}. Fix: use "codedeploy" (task sets) or "ecs" (ECS-native blue/green)`,
        })
        .default('codedeploy')
        .describe(
          'What deploys the service: `codedeploy` (CodeDeploy blue/green with task sets, appspec.yaml and taskdef.json) or `ecs` (ECS-native blue/green, canary or linear with service revisions and listener rules). See "Deployment engines".',
        ),
      deployTimeoutMinutes: intBetween(1, ECS_DEPLOY_TIMEOUT_MAX_MINUTES, ' minutes')
        .optional()
        .describe(
          `\`ecs\` engine only: how long the pipeline's ECS deploy action waits for the deployment (health checks, hooks, operator approval, traffic shift, bake). Default ${ECS_DEPLOY_TIMEOUT_MAX_MINUTES}, the action's maximum; the config is refused when the deployment's waiting time cannot fit.`,
        ),
      trafficShift: z
        .enum(TRAFFIC_SHIFTS, {
          error: `is not a predefined ECS deployment configuration. Fix: use one of ${TRAFFIC_SHIFTS.join(', ')}`,
        })
        .default('AllAtOnce')
        .describe(
          "How production traffic moves: all at once, a canary (N% then the rest after M minutes) or linear steps, named like CodeDeploy's predefined ECS configurations. The `ecs` engine maps them to its BLUE_GREEN, CANARY and LINEAR strategies.",
        ),
      waitForRerouteMinutes: intBetween(0, 2880, ' minutes')
        .default(0)
        .describe(
          '0: move production traffic as soon as the new version passed its tests. N: wait up to N minutes for an operator (CodeDeploy: reroute; `ecs`: the approval signal), then stop and roll back.',
        ),
      terminationWaitMinutes: intBetween(0, 2880, ' minutes')
        .default(5)
        .describe(
          'Minutes the old version keeps running after production traffic moved, for a fast rollback (CodeDeploy: termination wait; `ecs`: bake time).',
        ),
      buildTimeoutMinutes: intBetween(5, 480, ' minutes').default(20).describe('CodeBuild timeout.'),
      artifactRetentionDays: intBetween(1, 3650, ' days')
        .default(30)
        .describe('Days pipeline artifacts and replaced versions of the deployment files are kept.'),
      notificationEmail: z
        .email({ error: 'is not an email address. Fix: use e.g. "team@example.com" or remove the field' })
        .optional()
        .describe(
          'Subscribed to the topic of failed pipeline runs, failed or stopped deployments and alarms (confirm the email).',
        ),
      alarms: z
        .strictObject({
          target5xxPerMinute: intBetween(1, 100000)
            .default(5)
            .describe('Target 5xx responses per minute, on either target group, that stop a deployment.'),
          loadBalancer5xxPerMinute: intBetween(1, 100000)
            .default(10)
            .describe('Load balancer 5xx responses per minute that stop a deployment.'),
          evaluationMinutes: intBetween(1, 60, ' minutes')
            .default(2)
            .describe('Consecutive minutes over a threshold before its alarm fires.'),
        })
        .prefault({}),
    })
    .prefault({}),
  hooks: z
    .strictObject({
      timeoutSeconds: intBetween(30, 900, ' seconds')
        .default(120)
        .describe(
          `Lambda timeout of each lifecycle hook; checks stop and report ${REPORT_MARGIN_MS / 1000} s before it.`,
        ),
      callBackDelaySeconds: intBetween(10, 300, ' seconds')
        .optional()
        .describe(
          `\`ecs\` engine only: seconds ECS waits before asking a waiting hook again (the operator approval). Default ${ECS_DEFAULT_CALLBACK_SECONDS}.`,
        ),
      smokeTest: z
        .strictObject({
          paths: z
            .array(
              pattern(
                /^\/[\x21-\x7e]{0,1023}$/,
                'must start with "/" and contain no spaces. Fix: use a path such as "/health"',
              ),
            )
            .min(1, { error: 'needs at least one path. Fix: use ["/"]' })
            .default(['/'])
            .describe(
              'Paths the smoke tests request, after test traffic (QA listener) and after production traffic (PRD listener).',
            ),
          expectedStatus: intBetween(100, 599).default(200).describe('Status every response must have.'),
          bodyContains: z.string().min(1).optional().describe('Text every checked response must contain.'),
          requestTimeoutMs: intBetween(100, 60000, ' ms').default(3000).describe('Timeout of each request.'),
          retries: intBetween(0, 20).default(4).describe('Further attempts per path after a failed one.'),
          backoffMs: intBetween(0, 60000, ' ms')
            .default(1000)
            .describe('Wait before the first retry; doubles after each.'),
          latency: z
            .strictObject({
              samples: intBetween(0, 100)
                .default(5)
                .describe('Requests per path, after it passed, that must each answer within budgetMs.'),
              budgetMs: intBetween(1, 60000, ' ms').default(2000).describe('Latency budget of each sample.'),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  logRetentionDays: z
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      error: `is not a retention CloudWatch Logs accepts. Fix: use one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .describe('CloudWatch Logs retention of every log group (each is encrypted with the environment key).'),
  retired: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .describe(
      'Being removed: still synthesized so `npx cdktf destroy <env>` works, with a reminder at every synth. Destroy it, then delete the environment from the config.',
    ),
  allowDestroyWithData: z
    .boolean({ error: 'must be true or false' })
    .describe('Lets `cdktf destroy` delete a non-empty ECR repository and artifact bucket.'),
  tags: z
    .record(z.string(), z.string({ error: 'must be a string. Fix: quote the value' }))
    .default({})
    .superRefine((tags, ctx) => validateTags(tags, (path, message) => ctx.addIssue({ code: 'custom', path, message })))
    .describe('Extra tags on every resource, besides `Application`, `Environment` and `ManagedBy`.'),
  state: z
    .strictObject({
      bucket: pattern(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'is not a valid S3 bucket name. Fix: use the name of an existing bucket for Terraform state',
      ).describe('An existing bucket for Terraform state.'),
      region: regionCode.optional().describe("The bucket's region; default the environment's."),
      keyPrefix: pattern(
        /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
        'must be a non-empty S3 key prefix without leading, trailing or double slashes. Fix: use e.g. "ecs-bluegreen"',
      )
        .default('ecs-bluegreen')
        .describe('State objects are `<keyPrefix>/<app>/<env>/terraform.tfstate`.'),
    })
    .optional()
    .describe(
      'Remote state in S3 with S3-native locking (`use_lockfile`). Without it, state is `terraform.<env>.tfstate` in the project root (fine to try things, not for teams).',
    ),
});

type Fields = z.output<typeof environmentFields>;
type IssueReporter = (path: (string | number)[], message: string) => void;

export const environmentSchema = environmentFields
  .superRefine((env, ctx) => {
    const issue: IssueReporter = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    validateNames(env, issue);
    validateTaskSize(env.container, issue);
    validateListeners(env, issue);
    validateTestListenerCidrs(env.loadBalancer.testListenerAllowedCidrs, issue);
    validateHookTiming(env.hooks, issue);
    validateNetwork(env.network, issue);
    validateEndpoints(env.network, issue);
    validateSource(env, issue);
    validateEngine(env, issue);
  })
  .transform((env) => {
    const vpc = parseCidr(env.network.vpcCidr)!; // validated above
    return {
      ...env,
      loadBalancer: { ...env.loadBalancer, ...listenerPorts(env.loadBalancer) },
      network: {
        ...env.network,
        publicSubnetCidrs:
          env.network.publicSubnetCidrs ?? defaultSubnets(vpc, 'publicSubnetCidrs', env.network.azCount),
        privateSubnetCidrs:
          env.network.privateSubnetCidrs ?? defaultSubnets(vpc, 'privateSubnetCidrs', env.network.azCount),
      },
    };
  });

/** Every derived AWS name must fit its limit. */
function validateNames(env: Fields, issue: IssueReporter): void {
  const names = resourceNames(env.app, env.name, env.accountId, env.region);
  if (names.loadBalancer.startsWith(RESERVED_LOAD_BALANCER_PREFIX)) {
    issue(
      ['app'],
      `makes the load balancer "${names.loadBalancer}", but ALB names may not begin with "${RESERVED_LOAD_BALANCER_PREFIX}". Fix: choose another app name`,
    );
  }
  for (const problem of namesOverLimit(names)) {
    issue(
      ['app'],
      `${problem}. Fix: shorten app or the environment name so "<app>-<env>" has at most ${MAX_PREFIX_LENGTH} characters`,
    );
  }
}

/** cpu and memory must be a pair Fargate offers. */
function validateTaskSize(container: Fields['container'], issue: IssueReporter): void {
  const memory = FARGATE_MEMORY_BY_CPU[container.cpu];
  if (!memory) {
    issue(
      ['container', 'cpu'],
      `${container.cpu} is not a Fargate CPU size. Fix: use one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`,
    );
  } else if (!memory.includes(container.memory)) {
    issue(
      ['container', 'memory'],
      `${container.memory} MiB is not valid with cpu ${container.cpu}. Fix: use one of ${memory.join(', ')}`,
    );
  }
}

/** Distinct listener ports, none on 80 in HTTPS mode, a certificate where the ALB is, sane health checks. */
function validateListeners(env: Fields, issue: IssueReporter): void {
  const lb = env.loadBalancer;
  const { productionPort, testPort } = listenerPorts(lb);
  if (productionPort === testPort) {
    const suggestion = [8080, 8443, 9090].find((p) => p !== productionPort);
    issue(
      ['loadBalancer', 'testPort'],
      `equals productionPort (${productionPort}): the two listeners need their own ports. Fix: use another port, such as ${suggestion}`,
    );
  }
  if (lb.https) {
    const ports = { productionPort, testPort };
    for (const field of ['productionPort', 'testPort'] as const) {
      if (ports[field] === 80) {
        issue(
          ['loadBalancer', field],
          'is 80, which redirects to HTTPS in https mode. Fix: use 443 / 8443 or remove it',
        );
      }
    }
    requireEnvironmentArn(env, issue, ['loadBalancer', 'https', 'certificateArn'], lb.https.certificateArn, {
      usedBy: 'the ALB',
      fix: "request or import the certificate in the environment's account and region",
    });
  }
  if (lb.healthCheck.timeoutSeconds >= lb.healthCheck.intervalSeconds) {
    issue(
      ['loadBalancer', 'healthCheck', 'timeoutSeconds'],
      `must be less than intervalSeconds (${lb.healthCheck.intervalSeconds}). Fix: lower the timeout or raise the interval`,
    );
  }
}

/**
 * The widest range the test listener may admit. A /8 is already 16.7 million addresses; anything wider
 * (0.0.0.0/0, or 0.0.0.0/1 with 128.0.0.0/1) is a large part of the internet, not an office or a VPN.
 */
export const WIDEST_TEST_LISTENER_PREFIX = 8;

/** Valid network CIDRs, none wider than a /8: never the internet, however it is split. */
function validateTestListenerCidrs(cidrs: readonly string[], issue: IssueReporter): void {
  cidrs.forEach((text, i) => {
    const path = ['loadBalancer', 'testListenerAllowedCidrs', i];
    const cidr = parseCidr(text);
    if (!cidr) issue(path, `"${text}" is not a valid IPv4 network CIDR. Fix: use e.g. "203.0.113.0/24"`);
    else if (cidr.prefix < WIDEST_TEST_LISTENER_PREFIX)
      issue(
        path,
        `"${text}" opens the test listener to ${cidr.prefix === 0 ? 'the whole internet' : `2^${32 - cidr.prefix} addresses`} ` +
          `(ranges wider than /${WIDEST_TEST_LISTENER_PREFIX} are refused). Fix: list your office or VPN ranges`,
      );
  });
}

/** Tag keys and values AWS accepts on every resource, and room for the stack's own tags. */
function validateTags(tags: Readonly<Record<string, string>>, issue: IssueReporter): void {
  const own = 3; // Application, Environment, ManagedBy
  if (Object.keys(tags).length > MAX_TAGS_PER_RESOURCE - own) {
    issue(
      [],
      `has ${Object.keys(tags).length} tags; AWS allows ${MAX_TAGS_PER_RESOURCE} per resource, ${own} of them the stack's own. Fix: remove some`,
    );
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase().startsWith('aws:'))
      issue([key], 'uses the "aws:" prefix, which AWS reserves for itself. Fix: rename the tag');
    else if (key.length < 1 || key.length > TAG_KEY_MAX || !TAG_CHARACTERS.test(key))
      issue(
        [key],
        `is not a valid tag key (1-${TAG_KEY_MAX} letters, digits, spaces and _ . : / = + - @). Fix: rename it`,
      );
    if (value.length > TAG_VALUE_MAX || !TAG_CHARACTERS.test(value))
      issue(
        [key],
        `has a value AWS refuses (at most ${TAG_VALUE_MAX} letters, digits, spaces and _ . : / = + - @). Fix: change the value`,
      );
  }
}

/** A request must fit in the hook's time with room to retry and report. */
function validateHookTiming(hooks: Fields['hooks'], issue: IssueReporter): void {
  if (hooks.smokeTest.requestTimeoutMs >= hooks.timeoutSeconds * 1000 - REPORT_MARGIN_MS) {
    issue(
      ['hooks', 'smokeTest', 'requestTimeoutMs'],
      `leaves no time to retry within hooks.timeoutSeconds (${hooks.timeoutSeconds}). Fix: lower it or raise hooks.timeoutSeconds`,
    );
  }
}

/** Image layers come from S3: the ECR endpoint alone would still send them through NAT. */
function validateEndpoints(network: Fields['network'], issue: IssueReporter): void {
  const endpoints = network.interfaceEndpoints;
  if (new Set(endpoints).size !== endpoints.length) {
    issue(['network', 'interfaceEndpoints'], 'lists an endpoint twice. Fix: name each endpoint once');
  }
  if (endpoints.includes('ecr.dkr') && !network.s3GatewayEndpoint) {
    issue(
      ['network', 'interfaceEndpoints'],
      'has ecr.dkr without the S3 gateway endpoint, so image layers would still leave through NAT. Fix: set network.s3GatewayEndpoint to true',
    );
  }
}

/** CodeCommit takes no connection fields; a connection source needs its repository; a promotion names its upstream. */
function validateSource(env: Fields, issue: IssueReporter): void {
  const source = env.pipeline.source;
  const path = ['pipeline', 'source'];
  if (source.provider === PROMOTION) {
    validatePromotionSource(env, issue);
    return;
  }
  for (const field of ['from', 'approval'] as const) {
    if (source[field] !== undefined) {
      issue([...path, field], 'applies to promotions only. Fix: remove it, or set provider to "Promotion"');
    }
  }
  if (source.provider === 'CodeCommit') {
    for (const field of ['repository', 'connectionArn'] as const) {
      if (source[field] !== undefined) {
        issue([...path, field], 'applies to connection sources only. Fix: remove it, or set provider to e.g. "GitHub"');
      }
    }
    if (source.filePaths.length > 0) {
      issue([...path, 'filePaths'], 'applies to connection sources only. Fix: remove it');
    }
    return;
  }
  if (!source.repository) {
    issue([...path, 'repository'], `is required for ${source.provider}. Fix: set it to "owner/repository"`);
  }
  if (source.provider === 'GitHubEnterpriseServer' && !source.connectionArn) {
    issue(
      [...path, 'connectionArn'],
      'is required for GitHubEnterpriseServer (its connection needs a host set up first). Fix: create the host and connection, then set the ARN',
    );
  }
  if (source.connectionArn) {
    requireEnvironmentArn(env, issue, [...path, 'connectionArn'], source.connectionArn, {
      usedBy: 'the pipeline',
      fix: "use a connection in the environment's account and region",
    });
  }
}

/** A promotion names another environment and takes no repository fields (the other environment's config is checked in load.ts). */
function validatePromotionSource(env: Fields, issue: IssueReporter): void {
  const source = env.pipeline.source;
  const path = ['pipeline', 'source'];
  if (source.from === undefined) {
    issue([...path, 'from'], 'is required for a promotion. Fix: name the environment to promote from, e.g. "dev"');
  } else if (source.from === env.name) {
    issue([...path, 'from'], `is this environment itself. Fix: name the environment whose images ${env.name} deploys`);
  }
  for (const field of ['repository', 'connectionArn'] as const) {
    if (source[field] !== undefined) {
      issue(
        [...path, field],
        `does not apply to a promotion: ${env.name} deploys what its upstream built. Fix: remove it`,
      );
    }
  }
  if (source.filePaths.length > 0) {
    issue([...path, 'filePaths'], 'does not apply to a promotion. Fix: remove it');
  }
}

/** Engine-specific fields only on their engine; an ECS deployment must fit its deploy action's timeout. */
function validateEngine(env: Fields, issue: IssueReporter): void {
  const { pipeline, hooks } = env;
  if (pipeline.engine !== 'ecs') {
    if (pipeline.deployTimeoutMinutes !== undefined) {
      issue(
        ['pipeline', 'deployTimeoutMinutes'],
        'applies to the "ecs" engine only (CodeDeploy deployments end by their own waits). Fix: remove it, or set pipeline.engine to "ecs"',
      );
    }
    if (hooks.callBackDelaySeconds !== undefined) {
      issue(
        ['hooks', 'callBackDelaySeconds'],
        'applies to the "ecs" engine only (CodeDeploy hooks report once). Fix: remove it, or set pipeline.engine to "ecs"',
      );
    }
    return;
  }
  const timeout = pipeline.deployTimeoutMinutes ?? ECS_DEPLOY_TIMEOUT_MAX_MINUTES;
  const { totalMinutes } = deploymentWaitingTime(env);
  if (totalMinutes > timeout) {
    issue(
      ['pipeline', 'deployTimeoutMinutes'],
      `is ${timeout} minutes, but a deployment can wait ${describeWaitingTime(env)}; the pipeline would give up while ECS is still deploying. Fix: lower pipeline.waitForRerouteMinutes, terminationWaitMinutes, the traffic shift or hooks.timeoutSeconds` +
        (timeout < ECS_DEPLOY_TIMEOUT_MAX_MINUTES
          ? `, or raise deployTimeoutMinutes (at most ${ECS_DEPLOY_TIMEOUT_MAX_MINUTES})`
          : ` (the ECS deploy action waits at most ${ECS_DEPLOY_TIMEOUT_MAX_MINUTES} minutes)`),
    );
  }
  const callBack = hooks.callBackDelaySeconds ?? ECS_DEFAULT_CALLBACK_SECONDS;
  if (pipeline.waitForRerouteMinutes > 0 && callBack >= pipeline.waitForRerouteMinutes * 60) {
    issue(
      ['hooks', 'callBackDelaySeconds'],
      `is ${callBack} s, as long as the whole operator wait (${pipeline.waitForRerouteMinutes} min): an approval would never be seen. Fix: lower it`,
    );
  }
}

/** A resource the stack only references must live in the environment's own account and region. */
function requireEnvironmentArn(
  env: Fields,
  issue: IssueReporter,
  path: (string | number)[],
  arn: string,
  message: { usedBy: string; fix: string },
): void {
  const [, , , region, account] = arn.split(':');
  if (region !== env.region || account !== env.accountId) {
    issue(
      path,
      `is in ${account}/${region}, but ${message.usedBy} is in ${env.accountId}/${env.region}. Fix: ${message.fix}`,
    );
  }
}

/** Listener ports with their defaults: 80/8080 for HTTP, 443/8443 for HTTPS. */
function listenerPorts(lb: { productionPort?: number; testPort?: number; https?: object }): {
  productionPort: number;
  testPort: number;
} {
  return {
    productionPort: lb.productionPort ?? (lb.https ? 443 : 80),
    testPort: lb.testPort ?? (lb.https ? 8443 : 8080),
  };
}

/** The fields the schema knows in the object at `path` (for "did you mean"); undefined for free-form records. */
export function fieldsAt(path: readonly PropertyKey[]): string[] | undefined {
  let schema: unknown = environmentFields;
  for (const part of [...path, undefined]) {
    // Through optional(), default(), prefault() to the object inside.
    for (let inner = def(schema).innerType; inner; inner = def(schema).innerType) schema = inner;
    if (part === undefined) break;
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (!shape || typeof part !== 'string') return undefined;
    schema = shape[part];
  }
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : undefined;
}

function def(schema: unknown): { innerType?: unknown } {
  return (schema as { _zod?: { def?: { innerType?: unknown } } })?._zod?.def ?? {};
}

/** ["network", "publicSubnetCidrs", 0] -> "network.publicSubnetCidrs[0]" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
}

type NetworkInput = { vpcCidr: string; azCount: number; publicSubnetCidrs?: string[]; privateSubnetCidrs?: string[] };

function validateNetwork(network: NetworkInput, issue: IssueReporter): void {
  const vpc = parseCidr(network.vpcCidr);
  if (!vpc) {
    issue(
      ['network', 'vpcCidr'],
      `"${network.vpcCidr}" is not a valid IPv4 network CIDR. Fix: use a network address such as "10.10.0.0/16"`,
    );
    return;
  }
  if (vpc.prefix < 16 || vpc.prefix > 22) {
    issue(
      ['network', 'vpcCidr'],
      `/${vpc.prefix} is outside what this stack supports. Fix: use a prefix from /16 to /22`,
    );
    return;
  }
  const subnets: { path: (string | number)[]; cidr: Cidr }[] = [];
  for (const kind of ['publicSubnetCidrs', 'privateSubnetCidrs'] as const) {
    const texts = network[kind] ?? defaultSubnets(vpc, kind, network.azCount);
    if (texts.length !== network.azCount) {
      issue(
        ['network', kind],
        `lists ${texts.length} CIDRs but azCount is ${network.azCount}. Fix: give exactly one CIDR per availability zone`,
      );
    }
    texts.forEach((text, i) => {
      const cidr = parseCidr(text);
      const path = ['network', kind, i];
      if (!cidr)
        issue(
          path,
          `"${text}" is not a valid IPv4 network CIDR. Fix: use a block inside ${network.vpcCidr}, such as "${formatCidr(cidrSubnet(vpc, 4, i))}"`,
        );
      else if (!cidrContains(vpc, cidr))
        issue(
          path,
          `"${text}" does not fit inside the VPC ${network.vpcCidr}. Fix: choose a block inside the VPC CIDR`,
        );
      else if (cidr.prefix > 27)
        issue(path, `"${text}" is smaller than /27, too small for an ALB and tasks. Fix: use /27 or larger`);
      else subnets.push({ path, cidr });
    });
  }
  for (let a = 0; a < subnets.length; a++) {
    for (let b = a + 1; b < subnets.length; b++) {
      if (cidrsOverlap(subnets[a].cidr, subnets[b].cidr)) {
        issue(
          subnets[b].path,
          `${formatCidr(subnets[b].cidr)} overlaps ${formatCidr(subnets[a].cidr)} (${formatPath(subnets[a].path)}). Fix: give every subnet its own block`,
        );
      }
    }
  }
}

/** Public subnets take /+4 blocks 0..n-1, private subnets blocks 8..8+n-1. */
export function defaultSubnets(vpc: Cidr, kind: 'publicSubnetCidrs' | 'privateSubnetCidrs', azCount: number): string[] {
  const first = kind === 'publicSubnetCidrs' ? 0 : 8;
  return Array.from({ length: azCount }, (_, i) => formatCidr(cidrSubnet(vpc, 4, first + i)));
}

/** What users write: defaults may be omitted. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** One environment on its own: validated, defaults applied. */
export type ValidatedEnvironment = z.output<typeof environmentSchema>;
/** What constructs receive: validated, defaults applied, and its promotions resolved against the other environments. */
export type EnvironmentConfig = ValidatedEnvironment & { readonly promotion: Promotions };
