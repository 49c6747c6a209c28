import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ARTIFACTS } from '../stacks/delivery/delivery-pipeline';
import { DEPLOYMENT_FILES_KEY } from '../stacks/delivery/deployment-files';
import {
  actionsOf,
  allowing,
  shipped,
  statementsOfRole,
  synthesize,
  type Json,
  type Synthesized,
  appRepository,
  prodFromRepository,
} from './support/synth';

const dev = synthesize(shipped('dev'));
// Shipped prod promotes dev's images (promotion.test.ts); built from its own repository instead (the
// README's way back), it is the pipeline every building environment with CodeDeploy has.
const prod = synthesize(prodFromRepository());

/** Configuration keys AWS documents for each action provider (CodePipeline action structure reference). */
const DOCUMENTED_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  CodeCommit: {
    required: ['RepositoryName', 'BranchName'],
    optional: ['PollForSourceChanges', 'OutputArtifactFormat'],
  },
  S3: { required: ['S3Bucket', 'S3ObjectKey'], optional: ['PollForSourceChanges', 'AllowOverrideForS3ObjectKey'] },
  CodeBuild: {
    required: ['ProjectName'],
    optional: ['PrimarySource', 'BatchEnabled', 'CombineArtifacts', 'EnvironmentVariables'],
  },
  CodeDeployToECS: {
    required: ['ApplicationName', 'DeploymentGroupName', 'TaskDefinitionTemplateArtifact', 'AppSpecTemplateArtifact'],
    optional: [
      'TaskDefinitionTemplatePath',
      'AppSpecTemplatePath',
      ...[1, 2, 3, 4].flatMap((n) => [`Image${n}ArtifactName`, `Image${n}ContainerName`]),
    ],
  },
};

function pipelineOf(stack: Synthesized) {
  return stack.resource('aws_codepipeline').config;
}
function action(stack: Synthesized, provider: string): Json {
  const actions = pipelineOf(stack).stage.flatMap((stage: Json) => stage.action);
  return actions.find((a: Json) => a.provider === provider);
}
/** The appspec as CodeDeploy parses it. */
function appspec(stack: Synthesized): Json {
  return parseYaml(stack.deploymentFile('appspec.yaml'));
}
/** taskdef.json as the deploy action registers it. */
function taskdef(stack: Synthesized): Json {
  return JSON.parse(stack.deploymentFile('taskdef.json'));
}

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s delivery pipeline', (_name, stack) => {
  const config = stack.config;
  const pipeline = pipelineOf(stack);
  const bucket = stack.resource('aws_s3_bucket');
  const key = stack.resource('aws_kms_key');
  const repository = stack.resource('aws_codecommit_repository');
  const project = stack.resource('aws_codebuild_project', (p) => p.name.endsWith('-image'));
  const application = stack.resource('aws_codedeploy_app');
  const group = stack.resource('aws_codedeploy_deployment_group');
  const listener = (port: number) => stack.resource('aws_lb_listener', (l) => l.port === port);
  const targetGroup = (suffix: string) => stack.resource('aws_lb_target_group', (tg) => tg.name.endsWith(suffix));
  const executionRole = stack.resource('aws_iam_role', (r) => r.name.endsWith('-ecs-execution'));
  const taskRole = stack.resource('aws_iam_role', (r) => r.name.endsWith('-ecs-task'));

  describe('CodePipeline', () => {
    it('is created after the deployment files object: its automatic first run reads it', () => {
      expect(pipeline.depends_on).toContain(`aws_s3_object.${stack.resource('aws_s3_object').name}`);
    });

    it('is a V2 pipeline with stages Source -> Build -> Deploy (-> Promote where others promote from it), storing artifacts encrypted with the environment key', () => {
      expect(pipeline.pipeline_type).toBe('V2');
      // Shipped prod promotes from dev, so dev's pipeline ends by starting prod's (promotion.test.ts).
      const promotes = config.name === 'dev' ? ['Promote'] : [];
      expect(pipeline.stage.map((s: Json) => s.name)).toEqual(['Source', 'Build', 'Deploy', ...promotes]);
      expect(pipeline.artifact_store).toEqual([
        { location: bucket.ref('bucket'), type: 'S3', encryption_key: { id: key.ref('arn'), type: 'KMS' } },
      ]);
    });

    it('passes artifacts forward only: every input was produced by an earlier stage', () => {
      const produced = new Set<string>();
      for (const stage of pipeline.stage) {
        for (const a of stage.action) for (const input of a.input_artifacts ?? []) expect(produced).toContain(input);
        for (const a of stage.action) for (const output of a.output_artifacts ?? []) produced.add(output);
      }
      expect(action(stack, 'CodeCommit').output_artifacts).toEqual([ARTIFACTS.source]);
      expect(action(stack, 'S3').output_artifacts).toEqual([ARTIFACTS.deploymentFiles]);
      expect(action(stack, 'CodeBuild').input_artifacts).toEqual([ARTIFACTS.source]);
      expect(action(stack, 'CodeBuild').output_artifacts).toEqual(['ImageDetail']);
      expect(action(stack, 'CodeDeployToECS').input_artifacts).toEqual([ARTIFACTS.deploymentFiles, 'ImageDetail']);
    });

    it.each(Object.keys(DOCUMENTED_KEYS))(
      '%s action uses only documented configuration keys, and all required ones',
      (provider) => {
        const keys = Object.keys(action(stack, provider).configuration);
        const documented = DOCUMENTED_KEYS[provider];
        for (const required of documented.required) expect(keys).toContain(required);
        for (const k of keys) expect([...documented.required, ...documented.optional]).toContain(k);
      },
    );

    it('never polls: both sources have PollForSourceChanges=false', () => {
      expect(action(stack, 'CodeCommit').configuration.PollForSourceChanges).toBe('false');
      expect(action(stack, 'S3').configuration.PollForSourceChanges).toBe('false');
    });

    it('reads the configured branch of this environment repository and the deployment-files object', () => {
      expect(action(stack, 'CodeCommit').configuration).toMatchObject({
        RepositoryName: repository.ref('repository_name'),
        BranchName: config.pipeline.branch,
      });
      expect(action(stack, 'S3').configuration).toMatchObject({
        S3Bucket: bucket.ref('bucket'),
        S3ObjectKey: DEPLOYMENT_FILES_KEY,
      });
      expect(stack.resource('aws_s3_object').config).toMatchObject({
        bucket: bucket.ref('bucket'),
        key: DEPLOYMENT_FILES_KEY,
      });
    });

    it('hands the commit id to the build, which tags the image with it', () => {
      const source = action(stack, 'CodeCommit');
      const variables = JSON.parse(action(stack, 'CodeBuild').configuration.EnvironmentVariables);
      expect(variables).toEqual([{ name: 'COMMIT_ID', value: `#{${source.namespace}.CommitId}`, type: 'PLAINTEXT' }]);
      expect(action(stack, 'CodeBuild').configuration.ProjectName).toBe(project.ref('name'));
    });

    it('deploys with CodeDeployToECS from the static files and the built image', () => {
      expect(action(stack, 'CodeDeployToECS').configuration).toEqual({
        ApplicationName: application.ref('name'),
        DeploymentGroupName: group.ref('deployment_group_name'),
        TaskDefinitionTemplateArtifact: ARTIFACTS.deploymentFiles,
        TaskDefinitionTemplatePath: 'taskdef.json',
        AppSpecTemplateArtifact: ARTIFACTS.deploymentFiles,
        AppSpecTemplatePath: 'appspec.yaml',
        Image1ArtifactName: 'ImageDetail',
        Image1ContainerName: 'IMAGE1_NAME',
      });
    });

    it('starts on pushes to the configured branch through EventBridge, with a role that may start only this pipeline', () => {
      const rule = stack.resource('aws_cloudwatch_event_rule', (r) => r.name.endsWith('-on-push'));
      expect(JSON.parse(rule.config.event_pattern)).toEqual({
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        resources: [repository.ref('arn')],
        detail: {
          event: ['referenceCreated', 'referenceUpdated'],
          referenceType: ['branch'],
          referenceName: [config.pipeline.branch],
        },
      });
      const pipelineResource = stack.resource('aws_codepipeline');
      const target = stack.resource('aws_cloudwatch_event_target', (t) => t.rule === rule.ref('name'));
      expect(target.config.arn).toBe(pipelineResource.ref('arn'));
      const triggerRole = stack.resource('aws_iam_role', (r) => r.name.endsWith('-pipeline-trigger'));
      expect(target.config.role_arn).toBe(triggerRole.ref('arn'));
      expect(statementsOfRole(stack, '-pipeline-trigger')).toEqual([
        { Effect: 'Allow', Action: 'codepipeline:StartPipelineExecution', Resource: pipelineResource.ref('arn') },
      ]);
    });
  });

  describe('deployment files', () => {
    it('keep the placeholders CodeDeploy fills: <TASK_DEFINITION> in appspec, <IMAGE1_NAME> as the image', () => {
      expect(appspec(stack).Resources[0].TargetService.Properties.TaskDefinition).toBe('<TASK_DEFINITION>');
      expect(taskdef(stack).containerDefinitions[0].image).toBe('<IMAGE1_NAME>');
      expect(action(stack, 'CodeDeployToECS').configuration.Image1ContainerName).toBe('IMAGE1_NAME');
    });

    it('name the same container and port in appspec, task definition, target groups and service', () => {
      const { LoadBalancerInfo } = appspec(stack).Resources[0].TargetService.Properties;
      const [container] = taskdef(stack).containerDefinitions;
      expect(LoadBalancerInfo).toEqual({
        ContainerName: container.name,
        ContainerPort: container.portMappings[0].containerPort,
      });
      expect(targetGroup('-primary').config.port).toBe(LoadBalancerInfo.ContainerPort);
      expect(targetGroup('-secondary').config.port).toBe(LoadBalancerInfo.ContainerPort);
      expect(stack.resource('aws_ecs_service').config.load_balancer[0]).toMatchObject({
        container_name: LoadBalancerInfo.ContainerName,
        container_port: LoadBalancerInfo.ContainerPort,
      });
    });

    it('give replacement task sets the private subnets and the service security group, without public IPs', () => {
      const privateSubnets = stack.subnetRefs('private');
      const serviceGroup = stack.resource('aws_security_group', (g) => g.name.endsWith('-service'));
      expect(appspec(stack).Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
        AwsvpcConfiguration: {
          Subnets: privateSubnets,
          SecurityGroups: [serviceGroup.ref('id')],
          AssignPublicIp: 'DISABLED',
        },
      });
    });

    it('register the same task definition Terraform created, with the execution and task roles', () => {
      const document = taskdef(stack);
      const created = stack.resource('aws_ecs_task_definition').config;
      expect(document).toMatchObject({
        family: created.family,
        cpu: created.cpu,
        memory: created.memory,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        executionRoleArn: executionRole.ref('arn'),
        taskRoleArn: taskRole.ref('arn'),
      });
      const [createdContainer] = JSON.parse(created.container_definitions);
      expect({ ...document.containerDefinitions[0], image: createdContainer.image }).toEqual(createdContainer);
    });

    it('are uploaded KMS-encrypted with a hash of the zip, so an edit always reaches S3', () => {
      const object = stack.resource('aws_s3_object').config;
      expect(object.source_hash).toMatch(/^\$\{data\.archive_file\.[^.]+\.output_base64sha256\}$/);
      expect(object).toMatchObject({ server_side_encryption: 'aws:kms', kms_key_id: key.ref('arn') });
      expect(object.metadata['rendered-sha256']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('are uploaded only after the bucket is versioned and encrypted (the S3 source needs a version id)', () => {
      const dependsOn = stack.resource('aws_s3_object').config.depends_on;
      expect(dependsOn).toContain(`aws_s3_bucket_versioning.${stack.resource('aws_s3_bucket_versioning').name}`);
      expect(dependsOn).toContain(
        `aws_s3_bucket_server_side_encryption_configuration.${stack.resource('aws_s3_bucket_server_side_encryption_configuration').name}`,
      );
    });

    it('are readable after synth as files', () => {
      // main.ts writes them; here the archive content is what gets zipped.
      expect(stack.deploymentFile('appspec.yaml')).toContain('version: 0.0');
    });
  });

  describe('CodeBuild', () => {
    it('runs the buildspec from artifacts/ with Docker (privileged), layer caching, logs with retention and the environment key', () => {
      const raw = fs.readFileSync(`${__dirname}/../artifacts/buildspec.yml`, 'utf8');
      const { buildspec } = project.config.source;
      expect(project.config.source.type).toBe('CODEPIPELINE');
      // Terraform would read an unescaped `${` or `%{` as its own template syntax (plan:offline checks the same with Terraform itself).
      expect(buildspec.match(/(?<![$%])[$%]\{/g)).toBeNull();
      // Terraform's documented escapes: `$${` is a literal `${`, `%%{` a literal `%{`.
      expect(buildspec.split('$${').join('${').split('%%{').join('%{')).toBe(raw);
      expect(project.config.environment).toMatchObject({ privileged_mode: true, type: 'LINUX_CONTAINER' });
      expect(project.config.environment.image).toMatch(/^aws\/codebuild\/amazonlinux-x86_64-standard:/);
      // LOCAL_SOURCE_CACHE caches git checkouts; a CODEPIPELINE source arrives as an artifact, so it would do nothing.
      expect(project.config.cache).toEqual({ type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] });
      expect(project.config.encryption_key).toBe(key.ref('arn'));
      const logs = stack.resource('aws_cloudwatch_log_group', (g) => g.name === `/codebuild/${project.config.name}`);
      expect(project.config.logs_config.cloudwatch_logs.group_name).toBe(logs.ref('name'));
      expect(logs.config.retention_in_days).toBe(config.logRetentionDays);
    });

    it('tells the build which repository to push to, where its layer cache lives and what CodeDeploy reads', () => {
      const ecr = appRepository(stack);
      const cache = stack.resource('aws_ecr_repository', (r) => r.name.endsWith('-build-cache'));
      expect(project.config.environment.environment_variable).toEqual([
        { name: 'REPOSITORY_URI', value: ecr.ref('repository_url'), type: 'PLAINTEXT' },
        { name: 'REPOSITORY_NAME', value: ecr.ref('name'), type: 'PLAINTEXT' },
        { name: 'CACHE_REPOSITORY_URI', value: cache.ref('repository_url'), type: 'PLAINTEXT' },
        { name: 'CACHE_TAG', value: 'buildcache', type: 'PLAINTEXT' },
        // The BuildKit builder from ECR Public, not Docker Hub (anonymous pulls from CodeBuild's shared
        // addresses exhaust Docker Hub's rate limit).
        {
          name: 'BUILDKIT_IMAGE',
          value: expect.stringMatching(/^public\.ecr\.aws\/[^/]+\/moby\/buildkit:/),
          type: 'PLAINTEXT',
        },
        // CodeDeployToECS reads imageDetail.json; the container name only matters to imagedefinitions.json.
        { name: 'IMAGE_FILE', value: 'imageDetail.json', type: 'PLAINTEXT' },
        { name: 'CONTAINER_NAME', value: config.container.name, type: 'PLAINTEXT' },
      ]);
    });

    it('keeps the BuildKit cache in its own mutable repository that expires replaced manifests', () => {
      const cache = stack.resource('aws_ecr_repository', (r) => r.name.endsWith('-build-cache'));
      expect(cache.config).toMatchObject({
        name: `${config.app}-${config.name}-build-cache`,
        image_tag_mutability: 'MUTABLE',
        force_delete: true,
        encryption_configuration: [{ encryption_type: 'KMS', kms_key: stack.resource('aws_kms_key').ref('arn') }],
      });
      const lifecycle = stack.resource('aws_ecr_lifecycle_policy', (p) => p.repository === cache.ref('name'));
      expect(JSON.parse(lifecycle.config.policy).rules).toEqual([
        expect.objectContaining({
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
          action: { type: 'expire' },
        }),
      ]);
      expect(appRepository(stack).config.image_tag_mutability).toBe('IMMUTABLE');
    });
  });

  describe('CodeDeploy', () => {
    it('runs blue/green with traffic control over PRD (production route) and QA (test route)', () => {
      expect(application.config.compute_platform).toBe('ECS');
      expect(group.config.deployment_style).toEqual({
        deployment_type: 'BLUE_GREEN',
        deployment_option: 'WITH_TRAFFIC_CONTROL',
      });
      expect(group.config.load_balancer_info.target_group_pair_info).toEqual({
        prod_traffic_route: { listener_arns: [listener(80).ref('arn')] },
        test_traffic_route: { listener_arns: [listener(8080).ref('arn')] },
        target_group: [{ name: targetGroup('-primary').ref('name') }, { name: targetGroup('-secondary').ref('name') }],
      });
      expect(group.config.ecs_service).toEqual({
        cluster_name: stack.resource('aws_ecs_cluster').ref('name'),
        service_name: stack.resource('aws_ecs_service').ref('name'),
      });
    });

    it('uses the environment traffic shift, reroute wait and termination wait', () => {
      expect(group.config.deployment_config_name).toBe(`CodeDeployDefault.ECS${config.pipeline.trafficShift}`);
      const { deployment_ready_option: ready, terminate_blue_instances_on_deployment_success: terminate } =
        group.config.blue_green_deployment_config;
      if (config.pipeline.waitForRerouteMinutes === 0) {
        expect(ready).toEqual({ action_on_timeout: 'CONTINUE_DEPLOYMENT' });
      } else {
        expect(ready).toEqual({
          action_on_timeout: 'STOP_DEPLOYMENT',
          wait_time_in_minutes: config.pipeline.waitForRerouteMinutes,
        });
      }
      expect(terminate).toEqual({
        action: 'TERMINATE',
        termination_wait_time_in_minutes: config.pipeline.terminationWaitMinutes,
      });
    });

    it('is created after its role may manage the service, listeners and hooks', () => {
      const policy = Object.entries(stack.resources('aws_iam_role_policy')).find(([, p]) => p.name === 'blue-green')!;
      expect(group.config.depends_on).toEqual([`aws_iam_role_policy.${policy[0]}`]);
    });

    it('rolls back on failure and on alarms', () => {
      expect(group.config.auto_rollback_configuration).toEqual({
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
    });

    it('watches 5xx and unhealthy hosts on both target groups (the live one changes every deployment) and ALB 5xx', () => {
      const alarms = Object.entries(stack.resources('aws_cloudwatch_metric_alarm'));
      const refs = alarms.map(([name]) => `\${aws_cloudwatch_metric_alarm.${name}.alarm_name}`);
      expect(group.config.alarm_configuration.enabled).toBe(true);
      expect([...group.config.alarm_configuration.alarms].sort()).toEqual([...refs].sort());
      const watched = alarms.map(([, a]) => `${a.metric_name}@${a.dimensions.TargetGroup ?? 'alb'}`);
      for (const tg of [targetGroup('-primary'), targetGroup('-secondary')]) {
        expect(watched).toContain(`HTTPCode_Target_5XX_Count@${tg.ref('arn_suffix')}`);
        expect(watched).toContain(`UnHealthyHostCount@${tg.ref('arn_suffix')}`);
      }
      expect(watched).toContain('HTTPCode_ELB_5XX_Count@alb');
      for (const [, a] of alarms) {
        expect(a.dimensions.LoadBalancer).toBe(stack.resource('aws_lb').ref('arn_suffix'));
        expect(a.treat_missing_data).toBe('notBreaching');
        expect(a.alarm_actions).toEqual([stack.resource('aws_sns_topic').ref('arn')]);
      }
    });
  });

  describe('least-privilege IAM', () => {
    const allStatements = () =>
      Object.values(stack.resources('aws_iam_role_policy')).flatMap((p: Json) => JSON.parse(p.policy).Statement);
    /** The only actions allowed on "*", each because the API has no resource-level permissions. */
    const STAR_RESOURCE_ACTIONS = [
      'ecr:GetAuthorizationToken',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTargetGroups',
      // Lambda's VPC networking: interfaces it creates do not exist beforehand.
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
    ];

    it('has no wildcard actions in any role policy', () => {
      for (const statement of allStatements()) for (const a of actionsOf(statement)) expect(a).not.toMatch(/\*/);
    });

    it('uses "*" resources only for APIs without resource-level permissions', () => {
      for (const statement of allStatements().filter((s) => [s.Resource].flat().includes('*'))) {
        for (const a of actionsOf(statement)) expect(STAR_RESOURCE_ACTIONS).toContain(a);
      }
    });

    it('lets the pipeline pass exactly the task and execution roles, and only to ECS tasks', () => {
      expect(allowing(statementsOfRole(stack, '-codepipeline'), 'iam:PassRole')).toEqual([
        expect.objectContaining({
          Resource: [executionRole.ref('arn'), taskRole.ref('arn')],
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ]);
    });

    it('lets the pipeline register task definitions and deploy only to this deployment group', () => {
      const statements = statementsOfRole(stack, '-codepipeline');
      // The family the deploy action registers is the one in the taskdef.json it reads.
      expect(allowing(statements, 'ecs:RegisterTaskDefinition')).toEqual([
        expect.objectContaining({
          Resource: `arn:aws:ecs:${config.region}:${config.accountId}:task-definition/${taskdef(stack).family}:*`,
        }),
      ]);
      expect(allowing(statements, 'codedeploy:CreateDeployment')).toEqual([
        expect.objectContaining({ Resource: group.ref('arn') }),
      ]);
      expect(allowing(statements, 'codedeploy:RegisterApplicationRevision')).toEqual([
        expect.objectContaining({ Resource: application.ref('arn') }),
      ]);
      expect(allowing(statements, 'codedeploy:GetDeploymentConfig')[0].Resource).toBe(
        `arn:aws:codedeploy:${config.region}:${config.accountId}:deploymentconfig:CodeDeployDefault.ECS${config.pipeline.trafficShift}`,
      );
      expect(allowing(statements, 'codecommit:GetBranch')).toEqual([
        expect.objectContaining({ Resource: repository.ref('arn') }),
      ]);
      const promote =
        config.name === 'dev' ? [stack.resource('aws_codebuild_project', (p) => p.name === 'web-dev-promote')] : [];
      expect(allowing(statements, 'codebuild:StartBuild')).toEqual(
        [project, ...promote].map((p) => expect.objectContaining({ Resource: p.ref('arn') })),
      );
    });

    it("gives the build CodeBuild's documented bucket-level S3 actions, and the pipeline no ACL access", () => {
      // setting-up-service-role.html: CodeBuild reads the artifact bucket's ACL and location.
      const bucketLevel = (suffix: string) =>
        statementsOfRole(stack, suffix).filter((s: Json) => s.Resource === bucket.ref('arn'));
      expect(bucketLevel('-codebuild')).toEqual([
        expect.objectContaining({ Action: expect.arrayContaining(['s3:GetBucketAcl', 's3:GetBucketLocation']) }),
      ]);
      expect(allowing(statementsOfRole(stack, '-codepipeline'), 's3:GetBucketAcl')).toEqual([]);
    });

    it('lets the hook functions do what AWSLambdaVPCAccessExecutionRole allows in EC2, and no more', () => {
      // The managed policy's EC2 actions (v3, January 2024), copied from its published document.
      const managedPolicyEc2 = [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ];
      const ec2 = statementsOfRole(stack, '-codedeploy-hooks')
        .flatMap(actionsOf)
        .filter((a: string) => a.startsWith('ec2:'));
      expect([...ec2].sort()).toEqual([...managedPolicyEc2].sort());
    });

    it('lets the build push only to this environment repository and its build cache', () => {
      const ecr = appRepository(stack);
      const cache = stack.resource('aws_ecr_repository', (r) => r.name.endsWith('-build-cache'));
      const statements = statementsOfRole(stack, '-codebuild');
      for (const a of ['ecr:PutImage', 'ecr:UploadLayerPart', 'ecr:InitiateLayerUpload', 'ecr:CompleteLayerUpload']) {
        expect(
          allowing(statements, a)
            .map((s: Json) => s.Resource)
            .sort(),
        ).toEqual([ecr.ref('arn'), cache.ref('arn')].sort());
      }
      expect(allowing(statements, 'codecommit:GetBranch')).toEqual([]);
    });

    it('lets CodeDeploy change only this service and these listeners, and pass only the task roles', () => {
      const statements = statementsOfRole(stack, '-codedeploy');
      const path = `${stack.resource('aws_ecs_cluster').ref('name')}/${stack.resource('aws_ecs_service').ref('name')}`;
      expect(allowing(statements, 'ecs:CreateTaskSet')[0].Resource).toEqual([
        `arn:aws:ecs:${config.region}:${config.accountId}:service/${path}`,
        `arn:aws:ecs:${config.region}:${config.accountId}:task-set/${path}/*`,
      ]);
      expect(allowing(statements, 'elasticloadbalancing:ModifyListener')[0].Resource).toEqual([
        listener(80).ref('arn'),
        listener(8080).ref('arn'),
      ]);
      expect(allowing(statements, 'iam:PassRole')[0]).toMatchObject({
        Resource: [executionRole.ref('arn'), taskRole.ref('arn')],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      });
    });

    it('lets each service role be assumed only by its service, for this account where the service says which', () => {
      const trust = (suffix: string) =>
        JSON.parse(stack.resource('aws_iam_role', (r) => r.name.endsWith(suffix)).config.assume_role_policy).Statement;
      const withSourceAccount: Record<string, string> = {
        '-codebuild': 'codebuild.amazonaws.com',
        '-pipeline-trigger': 'events.amazonaws.com',
      };
      for (const [suffix, service] of Object.entries(withSourceAccount)) {
        expect(trust(suffix)).toEqual([
          expect.objectContaining({
            Principal: { Service: service },
            Condition: { StringEquals: { 'aws:SourceAccount': config.accountId } },
          }),
        ]);
      }
      // Services that do not send aws:SourceAccount: a condition would lock them out. CodePipeline's
      // documented trust policy (pipelines-create-service-role-cli.html) has no condition.
      expect(trust('-codepipeline')).toEqual([
        { Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      expect(trust('-codedeploy')).toEqual([
        { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      expect(trust('-codedeploy-hooks')).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    });
  });

  describe('artifact bucket', () => {
    it('is versioned, KMS-encrypted with the pipeline key, private and TLS-only', () => {
      expect(stack.resource('aws_s3_bucket_versioning').config.versioning_configuration).toEqual({ status: 'Enabled' });
      expect(stack.resource('aws_s3_bucket_server_side_encryption_configuration').config.rule).toEqual([
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: key.ref('arn') },
          bucket_key_enabled: true,
        },
      ]);
      expect(stack.resource('aws_s3_bucket_public_access_block').config).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      const [deny] = JSON.parse(stack.resource('aws_s3_bucket_policy').config.policy).Statement;
      expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(key.config.enable_key_rotation).toBe(true);
    });

    it('expires pipeline artifacts and replaced versions, but never the current deployment files', () => {
      const rules = stack.resource('aws_s3_bucket_lifecycle_configuration').config.rule;
      const artifacts = rules.find((r: Json) => r.id === 'expire-pipeline-artifacts');
      expect(artifacts.filter).toEqual([{ prefix: `web-${config.name}/` }]);
      expect(artifacts.expiration).toEqual([{ days: config.pipeline.artifactRetentionDays }]);
      expect(DEPLOYMENT_FILES_KEY.startsWith(artifacts.filter[0].prefix)).toBe(false);
      const versions = rules.find((r: Json) => r.id === 'expire-replaced-versions');
      expect(versions.expiration).toBeUndefined();
      expect(versions.noncurrent_version_expiration).toEqual([
        { noncurrent_days: config.pipeline.artifactRetentionDays },
      ]);
    });

    it('can be destroyed with objects in it only when the environment allows it', () => {
      expect(bucket.config.force_destroy).toBe(config.allowDestroyWithData);
    });
  });

  describe('notifications', () => {
    it('sends failed pipeline runs and failed or stopped deployments to the encrypted topic', () => {
      const topic = stack.resource('aws_sns_topic');
      expect(topic.config.kms_master_key_id).toBe(key.ref('arn'));
      const failed = stack.resource('aws_cloudwatch_event_rule', (r) => r.name.endsWith('-pipeline-failed'));
      expect(JSON.parse(failed.config.event_pattern).detail).toEqual({
        pipeline: [`web-${config.name}`],
        state: ['FAILED'],
      });
      const deployment = stack.resource('aws_cloudwatch_event_rule', (r) => r.name.endsWith('-deployment-failed'));
      expect(JSON.parse(deployment.config.event_pattern).detail.state).toEqual(['FAILURE', 'STOP']);
      for (const rule of [failed, deployment]) {
        expect(stack.resource('aws_cloudwatch_event_target', (t) => t.rule === rule.ref('name')).config.arn).toBe(
          topic.ref('arn'),
        );
      }
      const statements = JSON.parse(stack.resource('aws_sns_topic_policy').config.policy).Statement;
      // A condition's values are a set: their order means nothing to IAM.
      expect([...statements[0].Condition.ArnEquals['aws:SourceArn']].sort()).toEqual(
        [failed.ref('arn'), deployment.ref('arn')].sort(),
      );
    });

    it('lets EventBridge use the key without source conditions, which it does not send to encrypted topics', () => {
      // SNS developer guide: aws:SourceAccount and aws:SourceArn are not supported for EventBridge
      // publishing to an encrypted topic; a condition on them drops every notification. The topic's
      // encryption context (aws:sns:topicArn, which SNS passes to KMS) is what scopes the statement.
      const keyPolicy = JSON.parse(key.config.policy).Statement;
      const forService = (service: string) =>
        keyPolicy.filter((s: Json) => [s.Principal?.Service].flat().includes(service));
      const topicArn = `arn:aws:sns:${config.region}:${config.accountId}:${stack.resource('aws_sns_topic').config.name}`;
      expect(forService('events.amazonaws.com')).toEqual([
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' }),
      ]);
      expect(forService('events.amazonaws.com')[0].Condition).toEqual({
        StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
      });
      // CloudWatch alarms do send aws:SourceAccount: keep the guard there.
      expect(forService('cloudwatch.amazonaws.com')).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: {
            StringEquals: { 'aws:SourceAccount': config.accountId, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
          },
        }),
      ]);
    });
  });

  it('outputs clone URLs, the pipeline and its console URL, and the CodeDeploy names', () => {
    expect(stack.outputs.clone_url_http.value).toBe(repository.ref('clone_url_http'));
    expect(stack.outputs.clone_url_grc.value).toBe(`codecommit::${config.region}://web-${config.name}`);
    expect(stack.outputs.pipeline_name.value).toBe(stack.resource('aws_codepipeline').ref('name'));
    expect(stack.outputs.pipeline_console_url.value).toContain(
      `/codesuite/codepipeline/pipelines/${stack.resource('aws_codepipeline').ref('name')}/view`,
    );
    expect(stack.outputs.codedeploy_application_name.value).toBe(application.ref('name'));
    expect(stack.outputs.codedeploy_deployment_group_name.value).toBe(group.ref('deployment_group_name'));
  });
});

describe('buildspec', () => {
  const buildspec = parseYaml(fs.readFileSync(`${__dirname}/../artifacts/buildspec.yml`, 'utf8'));
  const commands: string = Object.values(buildspec.phases as Record<string, { commands: string[] }>)
    .flatMap((p) => p.commands)
    .join('\n');

  it("writes the image file into deploy/, the output artifact's base directory", () => {
    expect(commands).toContain(
      `printf '{"ImageURI":"%s@%s"}\\n' "$REPOSITORY_URI" "$DIGEST" > deploy/imageDetail.json`,
    );
    expect(buildspec.artifacts).toEqual({ 'base-directory': 'deploy', files: ['*.json'] });
  });

  it('tags images with the commit id, never latest', () => {
    expect(commands).toContain('IMAGE_TAG="${COMMIT_ID:-$CODEBUILD_RESOLVED_SOURCE_VERSION}"');
    expect(commands).toContain('--tag "$REPOSITORY_URI:$IMAGE_TAG"');
    expect(commands).not.toMatch(/latest/);
  });

  it('reuses an existing image for a retried commit, because tags are immutable', () => {
    expect(commands).toMatch(
      /describe-images --repository-name "\$REPOSITORY_NAME" --image-ids imageTag="\$IMAGE_TAG"[\s\S]*reusing it/,
    );
  });
});

describe('environment differences in delivery', () => {
  it('dev deploys all at once without waiting; prod shifts by canary and waits for an operator', () => {
    const readiness = (s: Synthesized) =>
      s.resource('aws_codedeploy_deployment_group').config.blue_green_deployment_config.deployment_ready_option;
    expect(dev.resource('aws_codedeploy_deployment_group').config.deployment_config_name).toBe(
      'CodeDeployDefault.ECSAllAtOnce',
    );
    expect(readiness(dev).action_on_timeout).toBe('CONTINUE_DEPLOYMENT');
    expect(prod.resource('aws_codedeploy_deployment_group').config.deployment_config_name).toMatch(/Canary|Linear/);
    expect(readiness(prod).action_on_timeout).toBe('STOP_DEPLOYMENT');
  });
});

describe('template edits reach S3', () => {
  it('changes the uploaded object when artifacts/appspec.yaml changes', () => {
    const before = dev.resource('aws_s3_object').config.metadata['rendered-sha256'];
    let edited: Synthesized | undefined;
    jest.isolateModules(() => {
      // A fresh module registry whose fs sees an edited appspec.yaml template.
      const actual = jest.requireActual('node:fs');
      jest.doMock('node:fs', () => ({
        ...actual,
        readFileSync: (path: string, options?: unknown) => {
          const content = actual.readFileSync(path, options);
          return String(path).endsWith('appspec.yaml') ? `${content}# edited\n` : content;
        },
      }));
      // isolateModules needs a require inside its callback, so the mocked fs is the one synth sees.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const support: typeof import('./support/synth') = require('./support/synth');
      edited = support.synthesize(support.shipped('dev'));
    });
    expect(edited!.resource('aws_s3_object').config.metadata['rendered-sha256']).not.toBe(before);
    expect(edited!.deploymentFile('appspec.yaml')).toContain('# edited');
  });

  it('keeps the object unchanged when nothing changed (no spurious uploads)', () => {
    expect(synthesize(shipped('dev')).resource('aws_s3_object').config.metadata).toEqual(
      dev.resource('aws_s3_object').config.metadata,
    );
  });
});

describe('notification email', () => {
  it('subscribes the configured address', () => {
    const stack = synthesize({
      ...shipped('dev'),
      pipeline: { ...shipped('dev').pipeline, notificationEmail: 'team@example.com' },
    });
    expect(stack.resource('aws_sns_topic_subscription').config).toMatchObject({
      protocol: 'email',
      endpoint: 'team@example.com',
    });
  });
});
