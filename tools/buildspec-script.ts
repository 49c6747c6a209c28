/**
 * A buildspec (artifacts/buildspec.yml by default) as one bash script, the way CodeBuild runs it: `env.shell: bash`, the
 * pre_build then build commands in order in one shell (variables carry over), stopping at the first
 * command that fails. The buildspec tests run it with stub `docker` and `aws` on PATH; the scan
 * shellchecks it. Usage: tsx tools/buildspec-script.ts [artifacts/<name>buildspec.yml] > buildspec.sh
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';

export const BUILDSPEC = join(__dirname, '..', 'artifacts', 'buildspec.yml');

interface Buildspec {
  env?: { shell?: string };
  phases: Record<string, { commands: string[] }>;
}

export function buildspecScript(path = BUILDSPEC): string {
  const buildspec = parse(readFileSync(path, 'utf8')) as Buildspec;
  if (buildspec.env?.shell !== 'bash') throw new Error(`${path}: the simulation assumes env.shell: bash`);
  const commands = ['install', 'pre_build', 'build', 'post_build'].flatMap(
    (phase) => buildspec.phases[phase]?.commands ?? [],
  );
  return [
    '#!/usr/bin/env bash',
    `# Generated from artifacts/${basename(path)} by tools/buildspec-script.ts`,
    'set -e',
    ...commands,
    '',
  ].join('\n');
}

if (require.main === module) process.stdout.write(buildspecScript(process.argv[2] ?? BUILDSPEC));
