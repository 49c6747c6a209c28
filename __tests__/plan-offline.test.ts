import {
  checkBuildspec,
  checkDeploymentFiles,
  checkFirstDeploy,
  checkImageHandOff,
  checkPromotionGrants,
  checkPolicies,
} from '../tools/plan-offline/checks';
import { buildWorkCopy } from '../tools/plan-offline/work-copy';

// The tooling behind `npm run plan:offline`: a broken check would let a broken stack through.

/** A small stack in the shape cdktf synthesizes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped
function stack(): Record<string, any> {
  return {
    terraform: {
      backend: { s3: { bucket: 'state' } },
      required_providers: {
        aws: { source: 'aws', version: '6.25.0' },
        archive: { source: 'hashicorp/archive', version: '~> 2.7' },
      },
    },
    provider: { aws: [{ region: 'eu-west-1', allowed_account_ids: ['111111111111'] }], archive: [{}] },
    data: {
      aws_availability_zones: { zones: { filter: [] } },
      archive_file: {
        zip: {
          type: 'zip',
          output_path: 'files.zip',
          source: [{ filename: 'a.txt', content: 'id=${aws_vpc.main.id}' }],
        },
      },
    },
    resource: {
      aws_vpc: { main: { cidr_block: '10.0.0.0/16' } },
      aws_subnet: {
        one: {
          vpc_id: '${aws_vpc.main.id}',
          availability_zone: '${element(data.aws_availability_zones.zones.names, 0)}',
        },
      },
      aws_s3_object: {
        files: {
          source: '${data.archive_file.zip.output_path}',
          source_hash: '${data.archive_file.zip.output_base64sha256}',
        },
      },
      aws_iam_role: { role: { name: 'r', assume_role_policy: '{}' } },
      aws_lambda_function: { fn: { role: '${aws_iam_role.role.arn}' } },
    },
  };
}

const options = { providerVersion: '5.100.0', zoneNames: (region: string) => [`${region}a`, `${region}b`] };

describe('offline work copy', () => {
  const copy = buildWorkCopy(stack(), options);

  it('plans with placeholder credentials and skip flags, never for a real account', () => {
    expect(copy.json.provider.aws).toEqual([
      {
        region: 'eu-west-1',
        access_key: 'offline-plan-placeholder',
        secret_key: 'offline-plan-placeholder',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
      },
    ]);
    expect(copy.json.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    expect(copy.json.terraform.required_providers).toEqual({ aws: { source: 'hashicorp/aws', version: '5.100.0' } });
    expect(copy.differences).toContain('provider aws: planned with aws 5.100.0, stacks pin 6.25.0');
  });

  it('replaces the data sources that call AWS or need the archive provider, keeping the file contents evaluated', () => {
    expect(copy.json.data).toBeUndefined();
    expect(copy.json.locals.offline_zones_names).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(copy.json.resource.aws_subnet.one.availability_zone).toBe('${element(local.offline_zones_names, 0)}');
    expect(copy.json.locals.offline_zip_files).toEqual({ 'a.txt': 'id=${aws_vpc.main.id}' });
    expect(copy.json.resource.aws_s3_object.files).toEqual({
      source: 'files.zip',
      source_hash: '${base64sha256(jsonencode(local.offline_zip_files))}',
    });
    expect(copy.json.output.offline_zip_0).toEqual({ value: '${local.offline_zip_files["a.txt"]}' });
    expect(copy.declaredResources).toBe(5);
  });

  it('mocks ARNs that other resources read with values the provider accepts as ARNs', () => {
    expect(copy.mockApplyTest).toContain('mock_resource "aws_iam_role"');
    expect(copy.mockApplyTest).toMatch(/arn = "arn:aws:iam:eu-west-1:\d{12}:mock\/aws_iam_role"/);
    expect(copy.mockApplyTest).toContain('command = apply');
  });

  it('refuses data sources and attributes it has no offline replacement for', () => {
    const withOther = stack();
    withOther.data.aws_caller_identity = { me: {} };
    expect(() => buildWorkCopy(withOther, options)).toThrow(/aws_caller_identity/);
    const readsMore = stack();
    readsMore.resource.aws_vpc.main.tags = { zone: '${data.aws_availability_zones.zones.zone_ids}' };
    expect(() => buildWorkCopy(readsMore, options)).toThrow(/zone_ids has no offline replacement/);
  });

  it('strips attributes newer than the planning provider, and only then', () => {
    const newer = [{ type: 'aws_vpc', attribute: 'cidr_block', since: '6.4.0' }];
    expect(
      buildWorkCopy(stack(), { ...options, newerAttributes: newer }).json.resource.aws_vpc.main.cidr_block,
    ).toBeUndefined();
    expect(
      buildWorkCopy(stack(), { ...options, providerVersion: '6.25.0', newerAttributes: newer }).json.resource.aws_vpc
        .main.cidr_block,
    ).toBe('10.0.0.0/16');
  });

  it('strips nested blocks inside list blocks, leaving their siblings', () => {
    const withService = stack();
    withService.resource.aws_ecs_service = {
      web: {
        deployment_configuration: { strategy: 'CANARY' },
        load_balancer: [{ target_group_arn: 'arn:tg', advanced_configuration: { role_arn: 'arn:role' } }],
      },
    };
    const copy = buildWorkCopy(withService, options); // the listed attributes, planned with aws 5.100.0
    expect(copy.json.resource.aws_ecs_service.web).toEqual({ load_balancer: [{ target_group_arn: 'arn:tg' }] });
    expect(copy.differences).toContainEqual(
      expect.stringContaining('aws_ecs_service.web: load_balancer.advanced_configuration stripped (needs aws >= 6.4.0'),
    );
  });
});

describe('offline plan checks', () => {
  const resource = (type: string, values: object) => ({ address: `${type}.x`, type, values });
  const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const everythingConfigured = () => true;

  it('accepts valid policies and rejects invalid JSON or actions without a service prefix', () => {
    const good = resource('aws_iam_role_policy', {
      policy: policy({ Effect: 'Allow', Action: ['s3:GetObject', 'kms:*'], Resource: '*' }),
    });
    expect(checkPolicies([good], everythingConfigured)).toEqual({ checked: 1, problems: [] });
    const noPrefix = resource('aws_iam_role_policy', {
      policy: policy({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }),
    });
    expect(checkPolicies([noPrefix], everythingConfigured).problems[0]).toMatch(/"GetObject" has no service prefix/);
    const broken = resource('aws_kms_key', { policy: '{"Version": "2012-10-17", "Statement": [' });
    expect(checkPolicies([broken], everythingConfigured).problems[0]).toMatch(/not valid JSON/);
  });

  it('ignores computed policy attributes the stack did not set, and ECR lifecycle policies', () => {
    const computed = resource('aws_sns_topic', { policy: 'mock-random-string' });
    expect(checkPolicies([computed], () => false)).toEqual({ checked: 0, problems: [] });
    expect(
      checkPolicies([resource('aws_ecr_lifecycle_policy', { policy: '{"rules": []}' })], everythingConfigured).checked,
    ).toBe(0);
  });

  it('expects a first deploy: creates only, exactly the declared resources', () => {
    const plan = (...actions: string[][]) => ({
      resource_changes: actions.map((a, i) => ({ address: `r.${i}`, change: { actions: a } })),
    });
    expect(checkFirstDeploy(plan(['create'], ['create']), 2)).toEqual([]);
    expect(checkFirstDeploy(plan(['create'], ['delete', 'create']), 2)).toEqual([
      'r.1: planned "delete,create", a first deploy only creates',
    ]);
    expect(checkFirstDeploy(plan(['create']), 2)).toEqual([
      'the plan has 1 resource changes, the stack declares 2 resources',
    ]);
  });

  it('compares the buildspec byte for byte and points at the first difference', () => {
    const project = (buildspec: string) =>
      resource('aws_codebuild_project', { name: 'web-dev-image', source: [{ buildspec }] });
    const expected = { '-image': { file: 'buildspec.yml', content: 'a\nb ${X}\n' } };
    expect(checkBuildspec([project('a\nb ${X}\n')], expected, 'plan')).toEqual([]);
    expect(checkBuildspec([project('a\nb $${X}\n')], expected, 'plan')[0]).toMatch(
      /at line 2: got "\$\{X\}\\n", file has "\{X\}\\n"/,
    );
  });

  it('wants appspec.yaml to keep <TASK_DEFINITION> and taskdef.json to keep <IMAGE1_NAME>', () => {
    const appspec =
      'version: 0.0\nResources:\n  - TargetService:\n      Properties:\n        TaskDefinition: "<TASK_DEFINITION>"\n';
    const taskdef = '{"containerDefinitions": [{"image": "<IMAGE1_NAME>"}]}';
    expect(
      checkDeploymentFiles(
        new Map([
          ['appspec.yaml', appspec],
          ['taskdef.json', taskdef],
        ]),
      ),
    ).toEqual([]);
    const problems = checkDeploymentFiles(
      new Map([
        ['appspec.yaml', appspec.replace('<TASK_DEFINITION>', 'arn')],
        ['taskdef.json', '{'],
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(/TaskDefinition is not the literal/),
      expect.stringMatching(/taskdef.json: not valid JSON/),
    ]);
  });

  it("wants promotion.json, naming an ECR repository, in a promoted environment's files and nowhere else", () => {
    const record = (uri: string) => new Map([['promotion.json', JSON.stringify({ from: { repositoryUri: uri } })]]);
    expect(
      checkDeploymentFiles(record('111111111111.dkr.ecr.eu-central-1.amazonaws.com/web-dev'), false, true),
    ).toEqual([]);
    expect(checkDeploymentFiles(record('web-dev'), false, true)).toEqual([
      'promotion.json: from.repositoryUri "web-dev" is no ECR repository URI',
    ]);
    expect(checkDeploymentFiles(new Map(), false, true)).toEqual([
      'deployment files: no promotion.json, which the Import step reads',
    ]);
    expect(checkDeploymentFiles(record('111111111111.dkr.ecr.eu-central-1.amazonaws.com/web-dev'), false)).toEqual([
      'deployment files: promotion.json in an environment that builds',
    ]);
  });

  it('wants no deployment files where the deploy action reads none', () => {
    expect(checkDeploymentFiles(new Map(), false)).toEqual([]);
    expect(checkDeploymentFiles(new Map([['taskdef.json', '{}']]), false)).toEqual([
      'deployment files: rendered, but the deploy action reads none',
    ]);
  });

  describe('promotion grants against the config', () => {
    const dev = { app: 'web', name: 'dev', accountId: '111111111111', region: 'eu-central-1' };
    const prod = { app: 'web', name: 'prod', accountId: '222222222222', region: 'eu-central-1' };
    const pullBy = (
      role: string,
      actions = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    ) =>
      resource('aws_ecr_repository_policy', {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${role.split(':')[4]}:root` },
              Action: actions,
              Condition: { ArnEquals: { 'aws:PrincipalArn': role } },
            },
          ],
        }),
      });

    it("accepts the upstream's pull grant to exactly the downstream's Import role", () => {
      const planned = [pullBy('arn:aws:iam::222222222222:role/web-prod-import')];
      expect(checkPromotionGrants(planned, dev, { to: [prod] }).problems).toEqual([]);
    });

    it('refuses a grant to another account or role, or more than pulling', () => {
      expect(
        checkPromotionGrants([pullBy('arn:aws:iam::333333333333:role/web-prod-import')], dev, { to: [prod] }).problems,
      ).toEqual([
        expect.stringMatching(
          /^promotion: the repository policy grants .*333333333333.*, the config says .*222222222222/,
        ),
      ]);
      const push = pullBy('arn:aws:iam::222222222222:role/web-prod-import', ['ecr:BatchGetImage', 'ecr:PutImage']);
      expect(checkPromotionGrants([push], dev, { to: [prod] }).problems).toEqual([
        'promotion: the repository policy grants arn:aws:iam::222222222222:role/web-prod-import ecr:BatchGetImage,ecr:PutImage, more than pulling',
      ]);
    });

    it("refuses a downstream whose Import role may not pull from the upstream's repository", () => {
      const importPolicy = resource('aws_iam_role_policy', {
        role: 'web-prod-import',
        policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Action: 'ecr:BatchGetImage',
              Resource: 'arn:aws:ecr:eu-central-1:111111111111:repository/web-lab',
            },
          ],
        }),
      });
      expect(checkPromotionGrants([importPolicy], prod, { from: dev, to: [] }).problems).toEqual(
        expect.arrayContaining([
          'promotion: web-prod-import may not pull from arn:aws:ecr:eu-central-1:111111111111:repository/web-dev',
          'promotion: web-prod-import names resources of account 111111111111 besides arn:aws:ecr:eu-central-1:111111111111:repository/web-dev',
        ]),
      );
    });
  });

  describe('image hand-off from build to deploy', () => {
    const planned = (imageFile: string, deploy: object) => [
      resource('aws_codebuild_project', {
        name: 'web-dev-image',
        environment: [{ environment_variable: [{ name: 'IMAGE_FILE', value: imageFile }] }],
      }),
      resource('aws_codepipeline', {
        stage: [
          {
            action: [
              { category: 'Build', output_artifacts: ['Image'], configuration: { ProjectName: 'web-dev-image' } },
            ],
          },
          { action: [{ category: 'Deploy', input_artifacts: ['Files', 'Image'], ...deploy }] },
        ],
      }),
    ];

    it('accepts what each deploy action documents it reads', () => {
      expect(checkImageHandOff(planned('imageDetail.json', { provider: 'CodeDeployToECS' }))).toEqual([]);
      const ecs = { provider: 'ECS', configuration: { FileName: 'imagedefinitions.json' } };
      expect(checkImageHandOff(planned('imagedefinitions.json', ecs))).toEqual([]);
    });

    it("finds a build that writes the other engine's file", () => {
      expect(checkImageHandOff(planned('imagedefinitions.json', { provider: 'CodeDeployToECS' }))).toEqual([
        'image hand-off: the build writes imagedefinitions.json, CodeDeployToECS reads imageDetail.json',
      ]);
      const ecs = { provider: 'ECS', configuration: { FileName: 'imagedefinitions.json' } };
      expect(checkImageHandOff(planned('imageDetail.json', ecs))).toContainEqual(
        'image hand-off: the build writes imageDetail.json, ECS reads imagedefinitions.json',
      );
    });
  });
});
