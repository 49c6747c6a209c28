/**
 * Benchmark: wall time and peak memory of synthesizing every environment, the way
 * `npm run synth` does it (a fresh Node process running main.ts). Not a test: it prints
 * numbers against the budget in DESIGN.md ("a few seconds").
 *   npm run bench:synth [-- runs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 3);
const root = join(__dirname, '..');
// The hooks' type check runs when hooks/ changed since the last passed check (stacks/validation/hook-check.ts).
// Run 1 pays for it (its record is removed first); the others reuse the record, as an unchanged synth does.
rmSync(join(root, '.work', 'hook-check'), { recursive: true, force: true });
const times: number[] = [];
const peaks: number[] = [];
const hasGnuTime = existsSync('/usr/bin/time');

for (let run = 0; run < runs; run++) {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const started = process.hrtime.bigint();
  // GNU time reports the peak RSS of the whole process tree's largest process; without it, wall time only.
  const command = [process.execPath, require.resolve('tsx/cli'), 'main.ts'];
  const [program, ...args] = hasGnuTime ? ['/usr/bin/time', '-f', '%M', ...command] : command;
  const result = spawnSync(program, args, {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(result.status ?? 1);
  }
  times.push(seconds);
  if (hasGnuTime) peaks.push(Number(result.stderr.trim().split('\n').pop()) / 1024);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`synth of all environments, ${runs} runs (fresh process each):`);
console.log(`  wall time: median ${median(times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s`);
console.log(`  run 1, type-checking the hooks (hooks/ changed): ${times[0].toFixed(2)} s`);
if (peaks.length)
  console.log(`  peak RSS:  median ${median(peaks).toFixed(0)} MiB, max ${Math.max(...peaks).toFixed(0)} MiB`);
