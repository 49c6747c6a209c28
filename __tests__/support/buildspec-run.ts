import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './aws-fixtures';

/**
 * Runs a buildspec (as one bash script, tools/buildspec-script.ts) the way CodeBuild would, with stub
 * `docker` and `aws` executables on PATH (support/buildspec-stubs) that record their arguments and
 * answer as ECR, STS and CodePipeline do, from the fixtures folder.
 */
const STUBS = join(__dirname, 'buildspec-stubs');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
  /** The image file the build handed on (deploy/, the artifact's base directory), parsed. */
  imageDetail?: unknown;
  /** Every file in the artifact's base directory. */
  artifact: string[];
  /** What the pushes put in the repository, one entry per manifest ("image <tag>", "index <tag>", ...). */
  registry: string[];
  /** Files the stubs left in their state folder (start-variables, start-credentials, pushed). */
  state: (name: string) => string | undefined;
}

export function runBuildspecScript(
  script: string,
  options: { files?: Record<string, string>; imageFile?: string; env: Record<string, string> },
): Run {
  const dir = mkdtempSync(join(tmpdir(), 'buildspec-'));
  const calls = join(dir, 'calls.log');
  writeFileSync(calls, '');
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const result = spawnSync('bash', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${STUBS}:${process.env.PATH}`,
      HOME: dir,
      AWS_REGION: 'eu-central-1',
      STUB_CALLS: calls,
      STUB_STATE: dir,
      STUB_FIXTURES: join(FIXTURES, 'api'),
      ...options.env,
    },
  });
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const lines = (path: string) => (read(path) ?? '').split('\n').filter(Boolean);
  const detail = options.imageFile && read(join(dir, 'deploy', options.imageFile));
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls: lines(calls),
    imageDetail: detail ? JSON.parse(detail) : undefined,
    artifact: existsSync(join(dir, 'deploy')) ? readdirSync(join(dir, 'deploy')) : [],
    registry: lines(join(dir, 'registry.log')),
    state: (name) => read(join(dir, name))?.trim(),
  };
}
