/**
 * Runs checkov on each synthesized stack (<stacks dir>/<env>, the first argument), applies the justified skips
 * in .ci/checkov-skips.yaml and prints passed / failed / skipped per environment. Exit 1 on any
 * failure that is not skipped, or on a skip that no longer matches anything (so the list stays true).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

interface Skip {
  check: string;
  /** Globs over the Terraform resource name (cdktf's logical id, e.g. "hooks_*-logs_*"). */
  resources: string[];
  /** Environments the skip applies to; all when absent. */
  environments?: string[];
  reason: string;
}

interface Finding {
  check_id: string;
  check_name: string;
  resource: string;
}

const root = join(__dirname, '..');
const stacksDir = process.argv[2] ?? join(root, 'cdktf.out', 'stacks');
const checkov = process.env.CHECKOV ?? join(root, '.venv', 'bin', 'checkov');
const skips = parseYaml(readFileSync(join(__dirname, 'checkov-skips.yaml'), 'utf8')) as Skip[];
for (const skip of skips) {
  if (!skip.check || !skip.resources?.length || !skip.reason?.trim()) {
    throw new Error(`.ci/checkov-skips.yaml: every skip needs check, resources and reason: ${JSON.stringify(skip)}`);
  }
}
const used = new Set<Skip>();

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
const resourceName = (resource: string) => resource.slice(resource.lastIndexOf('.') + 1);

function skipFor(environment: string, finding: Finding): Skip | undefined {
  return skips.find(
    (skip) =>
      skip.check === finding.check_id &&
      (!skip.environments || skip.environments.includes(environment)) &&
      skip.resources.some((pattern) => glob(pattern).test(resourceName(finding.resource))),
  );
}

/** checkov's JSON report; it exits 1 when checks fail, with the report still on stdout. */
function checkovReport(environment: string): string {
  const args = [
    '-d',
    join(stacksDir, environment),
    '--framework',
    'terraform_json',
    '-o',
    'json',
    '--quiet',
    '--skip-download',
    '--compact',
  ];
  try {
    return execFileSync(checkov, args, {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as { stdout?: string; status?: number };
    if (failure.status === 1 && failure.stdout) return failure.stdout;
    throw error;
  }
}

function scan(environment: string): { passed: number; failed: Finding[]; skipped: number } {
  const reports = [JSON.parse(checkovReport(environment))].flat();
  let passed = 0;
  let skipped = 0;
  const failed: Finding[] = [];
  for (const report of reports) {
    passed += report.summary.passed; // --quiet leaves passed checks out of results
    for (const finding of report.results.failed_checks as Finding[]) {
      const skip = skipFor(environment, finding);
      if (!skip) {
        failed.push(finding);
        continue;
      }
      used.add(skip);
      skipped++;
    }
  }
  return { passed, failed, skipped };
}

const environments = readdirSync(stacksDir).sort();
let problems = 0;
console.log(
  `checkov ${execFileSync(checkov, ['--version'], { encoding: 'utf8' }).trim()} on ${environments.join(', ')}`,
);
for (const environment of environments) {
  const { passed, failed, skipped } = scan(environment);
  console.log(`${environment}: ${passed} checks passed, ${failed.length} failed, ${skipped} skipped`);
  for (const finding of failed) console.log(`  FAILED ${finding.check_id} ${finding.resource}: ${finding.check_name}`);
  problems += failed.length;
}
for (const skip of skips.filter((s) => !used.has(s))) {
  console.log(`  UNUSED SKIP ${skip.check} ${skip.resources.join(', ')}: remove it from .ci/checkov-skips.yaml`);
  problems++;
}
process.exitCode = problems > 0 ? 1 : 0;
