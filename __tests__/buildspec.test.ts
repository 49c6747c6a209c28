import { buildspecScript } from '../tools/buildspec-script';
import { runBuildspecScript, type Run } from './support/buildspec-run';

// artifacts/buildspec.yml run as CodeBuild runs it, with stub `docker` and `aws` executables on PATH
// that record their arguments and fake ECR: which calls a build makes, what it hands to the deploy
// action, and where it stops when something is wrong.

const SCRIPT = buildspecScript();
const REGISTRY = '111111111111.dkr.ecr.eu-central-1.amazonaws.com';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const BUILDKIT_IMAGE = 'public.ecr.aws/vend/moby/buildkit:buildx-stable-1';

function runBuildspec(options: { dockerfile?: boolean; stubs?: Record<string, string>; imageFile?: string } = {}): Run {
  const imageFile = options.imageFile ?? 'imageDetail.json';
  return runBuildspecScript(SCRIPT, {
    files: options.dockerfile !== false ? { Dockerfile: 'FROM scratch\n' } : {},
    imageFile,
    env: {
      REPOSITORY_URI: `${REGISTRY}/web-dev`,
      REPOSITORY_NAME: 'web-dev',
      CACHE_REPOSITORY_URI: `${REGISTRY}/web-dev-build-cache`,
      CACHE_TAG: 'buildcache',
      BUILDKIT_IMAGE: BUILDKIT_IMAGE,
      COMMIT_ID: '0123abc',
      IMAGE_FILE: imageFile,
      CONTAINER_NAME: 'app',
      STUB_DIGEST: DIGEST,
      ...options.stubs,
    },
  });
}

const BUILD_WITH_CACHE =
  'docker buildx build --builder registry-cache --provenance=false ' +
  `--build-arg APP_VERSION=0123abc --tag ${REGISTRY}/web-dev:0123abc ` +
  `--cache-from type=registry,ref=${REGISTRY}/web-dev-build-cache:buildcache ` +
  `--cache-to type=registry,ref=${REGISTRY}/web-dev-build-cache:buildcache,mode=max,image-manifest=true,oci-mediatypes=true ` +
  '--push .';

describe('buildspec', () => {
  it('logs in, builds with the ECR registry cache, pushes, and pins the image by digest', () => {
    const run = runBuildspec();
    expect(run.status).toBe(0);
    // The login is one pipeline (aws | docker): its two sides run at once, so their order is not fixed.
    expect(run.calls.slice(0, 2).sort()).toEqual([
      'aws ecr get-login-password --region eu-central-1',
      `docker login --username AWS --password-stdin ${REGISTRY}`,
    ]);
    expect(run.calls.slice(2)).toEqual([
      'aws ecr describe-images --repository-name web-dev --image-ids imageTag=0123abc',
      'docker buildx version',
      // The builder runs the BuildKit image the project names (ECR Public), and is booted before the build.
      `docker buildx create --name registry-cache --driver docker-container --driver-opt image=${BUILDKIT_IMAGE}`,
      'docker buildx inspect --builder registry-cache --bootstrap',
      BUILD_WITH_CACHE,
      'aws ecr describe-images --repository-name web-dev --image-ids imageTag=0123abc --query imageDetails[0].imageDigest --output text',
    ]);
    // CodeDeployToECS's image file: {"ImageURI": <uri>} (CodePipeline action reference, imageDetail.json).
    expect(run.imageDetail).toEqual({ ImageURI: `${REGISTRY}/web-dev@${DIGEST}` });
    expect(run.artifact).toEqual(['imageDetail.json']);
  });

  it('writes imagedefinitions.json for the ECS action: the container by name, the image by digest', () => {
    const run = runBuildspec({ imageFile: 'imagedefinitions.json' });
    expect(run.status).toBe(0);
    // The ECS action's image file: a list of {"name": <container>, "imageUri": <uri>} (CodePipeline user guide).
    expect(run.imageDetail).toEqual([{ name: 'app', imageUri: `${REGISTRY}/web-dev@${DIGEST}` }]);
    expect(run.artifact).toEqual(['imagedefinitions.json']);
  });

  it('refuses an image file no deploy action reads', () => {
    const run = runBuildspec({ imageFile: 'image.json' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("IMAGE_FILE must be imageDetail.json or imagedefinitions.json, not 'image.json'");
    expect(run.artifact).toEqual([]);
  });

  it('reuses the image a retried run already pushed (tags are immutable)', () => {
    const run = runBuildspec({ stubs: { STUB_IMAGE_EXISTS: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('exists already; reusing it');
    expect(run.calls.filter((call) => call.startsWith('docker build') || call.includes('buildx build'))).toEqual([]);
    expect(run.imageDetail).toEqual({ ImageURI: `${REGISTRY}/web-dev@${DIGEST}` });
  });

  it('pushes exactly one image manifest per build, so the lifecycle rule keeps keepImages builds', () => {
    // The repository's rule expires by imageCountMoreThan over tagStatus "any": every manifest counts. An
    // index with an attestation manifest would make each build count three times (and could lose its children).
    expect(runBuildspec().registry).toEqual(['image 0123abc']);
    expect(runBuildspec({ stubs: { STUB_BUILDKIT_BOOT_FAILS: '1' } }).registry).toEqual(['image 0123abc']);
  });

  it("falls back to a plain docker build when BuildKit's builder cannot boot (Docker Hub's pull limit)", () => {
    const run = runBuildspec({ stubs: { STUB_BUILDKIT_BOOT_FAILS: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('BuildKit with the registry cache is not available');
    expect(run.calls).toContain(`docker build --build-arg APP_VERSION=0123abc --tag ${REGISTRY}/web-dev:0123abc .`);
    expect(run.calls).toContain(`docker push ${REGISTRY}/web-dev:0123abc`);
    expect(run.calls.some((call) => call.startsWith('docker buildx build'))).toBe(false);
    expect(run.imageDetail).toEqual({ ImageURI: `${REGISTRY}/web-dev@${DIGEST}` });
  });

  it('builds and pushes without the cache where buildx is missing', () => {
    const run = runBuildspec({ stubs: { STUB_NO_BUILDX: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('BuildKit with the registry cache is not available');
    expect(run.calls).toContain(`docker build --build-arg APP_VERSION=0123abc --tag ${REGISTRY}/web-dev:0123abc .`);
    expect(run.calls).toContain(`docker push ${REGISTRY}/web-dev:0123abc`);
    expect(run.imageDetail).toEqual({ ImageURI: `${REGISTRY}/web-dev@${DIGEST}` });
  });

  it('stops before logging in when the repository has no Dockerfile', () => {
    const run = runBuildspec({ dockerfile: false });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('needs a Dockerfile at its root');
    expect(run.calls).toEqual([]);
    expect(run.imageDetail).toBeUndefined();
  });

  it('fails, writing no imageDetail.json, when the push fails', () => {
    const run = runBuildspec({ stubs: { STUB_PUSH_FAILS: '1' } });
    expect(run.status).not.toBe(0);
    expect(run.calls.at(-1)).toBe(BUILD_WITH_CACHE);
    expect(run.imageDetail).toBeUndefined();
  });

  it('fails when ECR reports no digest for the tag', () => {
    const run = runBuildspec({ stubs: { STUB_DIGEST: 'None' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Could not read the digest of 0123abc');
    expect(run.imageDetail).toBeUndefined();
  });

  it('fails without a commit id to tag with', () => {
    const run = runBuildspec({ stubs: { COMMIT_ID: '' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('No commit id');
  });
});
