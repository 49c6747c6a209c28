/**
 * Benchmark: wall time of `npm run cost` for every environment (fresh process, as a user runs it),
 * median of 3, against the 2 s budget. Not a test: it prints numbers.
 *   npm run bench:cost
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const BUDGET_MS = 2000;
const root = join(__dirname, '..');
const times = [1, 2, 3].map(() => {
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, [require.resolve('tsx/cli'), join('.ci', 'cost.ts')], { cwd: root, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
});
const median = [...times].sort((a, b) => a - b)[1];
console.log(
  `npm run cost, 3 runs (fresh process each): median ${median.toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`,
);
console.log(median <= BUDGET_MS ? `within the ${BUDGET_MS} ms budget` : `OVER the ${BUDGET_MS} ms budget`);
