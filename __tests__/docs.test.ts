import { readFileSync } from 'node:fs';
import { README, readmeWithTable } from '../.ci/config-docs';
import { environmentSchema } from '../stacks/config/schema';

describe("README's configuration reference", () => {
  it('is the table generated from the schema (run `npm run docs` after changing a field)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(readmeWithTable(readme));
  });

  it('lists every top-level field of the schema', () => {
    const readme = readFileSync(README, 'utf8');
    const fields = Object.keys(environmentSchema.def.in.shape);
    expect(fields).toEqual(expect.arrayContaining(['name', 'network', 'loadBalancer', 'pipeline', 'hooks', 'state']));
    const missing = fields.filter((field) => !readme.includes(`| \`${field}`));
    expect(missing).toEqual([]);
  });
});
