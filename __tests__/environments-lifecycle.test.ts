import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleStacks } from '../stacks/app';
import { environments } from '../stacks/config/environments';
import { loadEnvironments } from '../stacks/config/load';

// Removing an environment from the config: its stale synthesized stack goes, with a warning that says
// how to destroy it; with resources still in its local state, nothing goes and the message says so.

const configs = loadEnvironments(environments);
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stale-stacks-'));
  for (const name of ['dev', 'qa']) mkdirSync(join(root, 'cdktf.out', 'stacks', name), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('an environment deleted from the config', () => {
  it('loses its stale stack folder, with a warning that names the destroy path', () => {
    const { removed, refused } = removeStaleStacks(join(root, 'cdktf.out'), configs, root);
    expect(refused).toEqual([]);
    expect(removed).toEqual([expect.stringContaining('qa: no longer configured; removed its stale')]);
    expect(removed[0]).toContain('add it back with `retired: true`, run `npx cdktf destroy qa`');
    expect(existsSync(join(root, 'cdktf.out', 'stacks', 'qa'))).toBe(false);
    expect(existsSync(join(root, 'cdktf.out', 'stacks', 'dev'))).toBe(true);
  });

  it('is refused while its local state still holds resources, and nothing is removed', () => {
    // A Terraform state file (format version 4) with one resource in it.
    writeFileSync(
      join(root, 'terraform.qa.tfstate'),
      JSON.stringify({ version: 4, resources: [{ mode: 'managed', type: 'aws_vpc', name: 'vpc', instances: [] }] }),
    );
    const { removed, refused } = removeStaleStacks(join(root, 'cdktf.out'), configs, root);
    expect(removed).toEqual([]);
    expect(refused).toEqual([expect.stringContaining('terraform.qa.tfstate still holds 1 resources')]);
    expect(existsSync(join(root, 'cdktf.out', 'stacks', 'qa'))).toBe(true);
  });
});

describe('a retired environment', () => {
  it('still validates and synthesizes, so `cdktf destroy` keeps working', () => {
    const [dev] = environments.filter((env) => env.name === 'dev');
    const [retired] = loadEnvironments([{ ...structuredClone(dev), retired: true }]);
    expect(retired.retired).toBe(true);
    expect(loadEnvironments(environments).every((config) => config.retired === false)).toBe(true);
  });
});
