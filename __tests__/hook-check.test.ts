import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { typeCheckHooks } from '../stacks/validation/hook-check';

// Synth type-checks hooks/ before bundling it: a hook with a type error must never reach Lambda.
// A copy of hooks/ inside the project (so it resolves the same node_modules), removed afterwards.

const ROOT = join(__dirname, '..');
const COPY = join(ROOT, '.work', `hook-check-test-${process.pid}`);

beforeAll(() => {
  mkdirSync(COPY, { recursive: true });
  cpSync(join(ROOT, 'hooks'), join(COPY, 'hooks'), { recursive: true });
  cpSync(join(ROOT, 'tsconfig.json'), join(COPY, 'tsconfig.json'));
});
afterAll(() => rmSync(COPY, { recursive: true, force: true }));

describe('the hooks type check', () => {
  it('passes the hooks as they are', () => {
    expect(typeCheckHooks(join(COPY, 'hooks'))).toEqual([]);
  }, 30_000);

  it('names the file, line and message of a type error, in one line each', () => {
    const file = join(COPY, 'hooks', 'after-install.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nexport const broken: number = 'not a number';\n`);
    const errors = typeCheckHooks(join(COPY, 'hooks'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /hooks\/after-install\.ts:\d+:14 error TS2322: Type 'string' is not assignable to type 'number'\.$/,
    );
  }, 30_000);
});
