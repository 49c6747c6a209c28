import { readdirSync } from 'node:fs';
import { ADDRESSES_DIR, currentAddresses, readManifest } from '../.ci/addresses';

// Terraform destroys and recreates a resource whose address changes. The reviewed lists in
// .ci/addresses/ make every such change deliberate: see README, "Resource addresses".
describe('resource addresses', () => {
  const current = currentAddresses();

  it('has a reviewed list for every synthesized environment, and no list for one that is gone', () => {
    const listed = readdirSync(ADDRESSES_DIR).map((file) => file.replace(/\.txt$/, ''));
    expect(listed.sort()).toEqual([...current.keys()].sort());
  });

  it.each([...current.keys()])('%s: every address is in the reviewed list, and only those', (environment) => {
    const reviewed = new Set(readManifest(environment));
    const now = current.get(environment) ?? [];
    const added = now.filter((address) => !reviewed.has(address));
    const removed = [...reviewed].filter((address) => !now.includes(address));
    // On failure: if the change is deliberate, add `moved` blocks for deployed resources and run `npm run addresses`.
    expect({ added, removed }).toEqual({ added: [], removed: [] });
  });
});
