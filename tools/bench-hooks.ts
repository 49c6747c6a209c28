/**
 * Benchmark: size of each lifecycle-hook bundle (zipped, as deployed) against the 50 KB
 * budget, and how long bundling takes. Not a test: it prints numbers.
 *   npm run bench:hooks
 */
import { ECS_LIFECYCLE_HOOKS, LIFECYCLE_HOOKS } from '../hooks/contract';
import { bundleHook } from '../stacks/validation/hook-bundle';

const BUDGET_BYTES = 50 * 1024;
let over = 0;
const started = process.hrtime.bigint();
const files = [...LIFECYCLE_HOOKS, ...ECS_LIFECYCLE_HOOKS].map(({ file }) => file);
console.log('hook bundle                      zipped    budget');
for (const file of files) {
  const { zipBytes } = bundleHook(file);
  if (zipBytes > BUDGET_BYTES) over++;
  console.log(
    `${file.padEnd(32)} ${(zipBytes / 1024).toFixed(1).padStart(6)} KB  ${zipBytes > BUDGET_BYTES ? 'OVER' : 'ok'}`,
  );
}
console.log(
  `bundled and zipped ${files.length} hooks in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`,
);
process.exitCode = over > 0 ? 1 : 0;
