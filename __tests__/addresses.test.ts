import { existsSync, readdirSync } from 'node:fs';
import { ADDRESSES_DIR, currentAddresses, manifestPath, readManifest } from '../tools/addresses';

// Terraform destroys and recreates a resource whose address changes. The reviewed lists in
// tools/addresses/ make every such change deliberate: see README, "Resource addresses".
describe('resource addresses', () => {
  const current = currentAddresses();

  it('has a reviewed list for every synthesized environment, and no list for one that is gone', () => {
    const listed = readdirSync(ADDRESSES_DIR).map((file) => file.replace(/\.txt$/, ''));
    const unlisted = [...current.keys()].filter((environment) => !listed.includes(environment));
    const gone = listed.filter((environment) => !current.has(environment));
    if (unlisted.length > 0 || gone.length > 0) {
      throw new Error(
        [
          ...unlisted.map(
            (e) =>
              `environment "${e}" has no reviewed address list: a new environment? Run \`npm run addresses\`, review and commit tools/addresses/${e}.txt`,
          ),
          ...gone.map(
            (e) =>
              `tools/addresses/${e}.txt lists an environment that is no longer configured: delete it (README, "Add or remove an environment")`,
          ),
        ].join('\n'),
      );
    }
  });

  it.each([...current.keys()])('%s: every address is in the reviewed list, and only those', (environment) => {
    if (!existsSync(manifestPath(environment))) return; // reported by the test above, with what to do
    const reviewed = new Set(readManifest(environment));
    const now = current.get(environment) ?? [];
    const added = now.filter((address) => !reviewed.has(address));
    const removed = [...reviewed].filter((address) => !now.includes(address));
    // On failure: if the change is deliberate, add `moved` blocks for deployed resources and run `npm run addresses`.
    expect({ added, removed }).toEqual({ added: [], removed: [] });
  });
});
