/**
 * Benchmark: how fast `bluegreen` starts (the budget is 0.5 s), measured as `bluegreen --help`
 * through the launcher that users run, after one run that builds the bundle if needed.
 * Not a test: it prints numbers.
 *   npm run bench:cli
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const BUDGET_MS = 500;
const RUNS = 10;
const launcher = join(__dirname, '..', 'cli', 'launcher.cjs');
const start = (): number => {
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, [launcher, '--help'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
};

const first = start();
const times = Array.from({ length: RUNS }, start).sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)];
const bundle = statSync(join(__dirname, '..', '.work', 'cli', 'bluegreen.cjs')).size;
console.log(`first run (builds the bundle if it is missing or stale): ${first.toFixed(0)} ms`);
console.log(
  `bluegreen --help over ${RUNS} runs: median ${median.toFixed(0)} ms, slowest ${times.at(-1)!.toFixed(0)} ms (budget ${BUDGET_MS} ms)`,
);
console.log(`bundle: ${(bundle / 1024).toFixed(0)} KB`);
process.exitCode = median > BUDGET_MS ? 1 : 0;
