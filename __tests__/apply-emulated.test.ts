import { allowDestroy, emulatedCopy, expectedToExist } from '../tools/apply-emulated/emulated-copy';
import { driftOf, EMULATOR_GAPS, explain, withoutIgnore } from '../tools/apply-emulated/replan';
import { buildWorkCopy } from '../tools/plan-offline/work-copy';
import { VARIANTS } from '../.ci/variants';
import { shipped, synthesize, type Json } from './support/synth';

// The tooling behind `npm run apply:emulated`: a re-plan check that lets a diff through, or an emulated
// copy that leaves the wrong things out, would let a broken stack through.

const dev = synthesize(shipped('dev')).json;
const prod = synthesize(shipped('prod')).json;
const staging = synthesize(shipped('staging')).json;
const https = synthesize(VARIANTS.find((variant) => variant.name === 'devhttps')!).json;

/** A resource change as `terraform show -json` writes it (Terraform's JSON output format, "resource_changes"). */
const change = (address: string, actions: string[], before: Json, after: Json) => ({
  address,
  type: address.split('.')[0],
  change: { actions, before, after, after_unknown: {} },
});

describe('the re-plan check', () => {
  const plan = {
    resource_changes: [
      change('aws_vpc.network', ['no-op'], { id: 'vpc-1' }, { id: 'vpc-1' }),
      change(
        'aws_lb_listener.production',
        ['update'],
        { port: 80, default_action: [{ target_group_arn: 'arn:tg/secondary' }] },
        { port: 80, default_action: [{ target_group_arn: 'arn:tg/primary' }] },
      ),
      change(
        'aws_lambda_function.hook',
        ['update'],
        { logging_config: [] },
        { logging_config: [{ log_format: 'Text' }] },
      ),
      change('aws_s3_object.files', ['delete', 'create'], { key: 'a' }, { key: 'a' }),
    ],
  };
  const drifts = driftOf(plan);

  it('fails on a listener that the next deploy would send back to the old target group, and says why', () => {
    const [listener] = drifts.filter((d) => d.address === 'aws_lb_listener.production');
    expect(listener).toMatchObject({ attribute: 'default_action', gap: undefined });
    expect(explain(listener)).toBe(
      'aws_lb_listener.production: default_action would change on the next `cdktf deploy` ' +
        '([{"target_group_arn":"arn:tg/secondary"}] -> [{"target_group_arn":"arn:tg/primary"}]). Something outside ' +
        'Terraform set it (a deployment, an operator or autoscaling, simulated above) and Terraform would undo it: add it ' +
        "to the resource's lifecycle.ignore_changes, or fix the stack if AWS would show this diff too.",
    );
  });

  it('passes only the reviewed emulator gaps, and a replacement never', () => {
    expect(drifts.filter((d) => d.gap).map((d) => `${d.address}.${d.attribute}`)).toEqual([
      'aws_lambda_function.hook.logging_config',
    ]);
    expect(drifts.filter((d) => !d.attribute)).toEqual([
      expect.objectContaining({ address: 'aws_s3_object.files', action: 'delete/create' }),
    ]);
    expect(drifts).toHaveLength(3); // the unchanged port and the no-op VPC are not drifts
  });

  it('lists each gap with its reason and the moto code', () => {
    for (const gap of EMULATOR_GAPS) {
      expect(gap.type).toMatch(/^aws_/);
      expect(gap.reason.length).toBeGreaterThan(30);
      expect(gap.link).toMatch(/^https:\/\/github\.com\/getmoto\/moto\/blob\/5\.2\.1\/moto\//);
    }
  });

  it('builds the self-test: the same stack without one ignore rule', () => {
    const broken = withoutIgnore(dev, 'aws_lb_listener', 'default_action');
    for (const listener of Object.values<Json>(broken.resource.aws_lb_listener)) {
      expect(listener.lifecycle.ignore_changes).not.toContain('default_action');
    }
    expect(Object.values<Json>(dev.resource.aws_lb_listener)[0].lifecycle.ignore_changes).toContain('default_action');
  });
});

describe('the emulated copy', () => {
  const work = (json: Json) =>
    buildWorkCopy(json, {
      providerVersion: '5.100.0',
      zoneNames: (region) => [`${region}a`, `${region}b`, `${region}c`],
    }).json;
  const copy = emulatedCopy(work(staging));

  it('leaves out the CodeConnections connection (no emulator API) and everything that refers to it', () => {
    const [connection] = Object.keys(staging.resource.aws_codestarconnections_connection);
    const [pipeline] = Object.keys(staging.resource.aws_codepipeline);
    expect(copy.excluded).toEqual(
      expect.arrayContaining([`aws_codestarconnections_connection.${connection}`, `aws_codepipeline.${pipeline}`]),
    );
    const text = JSON.stringify(copy.json);
    for (const address of copy.excluded) expect(text).not.toContain(`${address}.`);
    expect(copy.json.resource.aws_ecs_service).toBeDefined();
  });

  it('asks the emulator who it is, retries little and addresses S3 by path', () => {
    expect(copy.json.provider.aws[0]).toMatchObject({ max_retries: 2, s3_use_path_style: true });
    expect(copy.json.provider.aws[0].skip_requesting_account_id).toBeUndefined();
  });

  it('uploads the evaluated deployment files where the stack uploads their zip', () => {
    const [object] = Object.values<Json>(emulatedCopy(work(dev)).json.resource.aws_s3_object);
    expect(object.source).toBeUndefined();
    expect(object.content).toMatch(/^\$\{jsonencode\(local\.offline_.+_files\)\}$/);
  });

  it("applies prod's README steps before destroy: data may go, the load balancer is unprotected; dev needs none", () => {
    expect(allowDestroy(prod).changes.map((c) => c.replace(/\.[^.:]+:/, ':'))).toEqual(
      expect.arrayContaining([
        'aws_s3_bucket: force_destroy = true',
        'aws_ecr_repository: force_delete = true',
        'aws_lb: enable_deletion_protection = false',
      ]),
    );
    expect(allowDestroy(dev).changes).toEqual([]);
  });

  it('finds what an HTTPS stack expects to exist: the configured certificate and zone', () => {
    expect(expectedToExist(https)).toEqual({
      certificateArn: 'arn:aws:acm:eu-central-1:111111111111:certificate/00000000-0000-4000-8000-000000000000',
      hostedZoneId: 'Z0123456789EXAMPLE',
      domain: 'app.example.com',
    });
  });
});
