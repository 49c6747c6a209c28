import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// hooks/ (Lambda code) and the synth-time code meet only in hooks/contract.ts.
const ROOT = join(__dirname, '..');
const CONTRACT = join(ROOT, 'hooks', 'contract.ts');

function typescriptFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full)
    .flatMap((entry) => (entry === 'node_modules' ? [] : typescriptFiles(join(path, entry))))
    .filter((f) => f.endsWith('.ts'));
}

/** Relative module specifiers a file imports, exports from or requires, resolved to absolute paths. */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"](\.[^'"]+)['"]/gm),
  ].map((m) => m[1]);
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}

const inside = (dir: string, path: string) => !relative(join(ROOT, dir), path).startsWith('..');
const withTs = (path: string) => (path.endsWith('.ts') ? path : `${path}.ts`);

describe('the hooks contract', () => {
  it('is the only module under hooks/ that synth-time code imports', () => {
    const synthTime = ['main.ts', 'stacks', 'tools', '.ci'].flatMap(typescriptFiles);
    const crossings = synthTime.flatMap((file) =>
      relativeImports(file)
        .filter((target) => inside('hooks', target) && withTs(target) !== CONTRACT)
        .map((target) => `${relative(ROOT, file)} imports ${relative(ROOT, target)}`),
    );
    expect(crossings).toEqual([]);
  });

  it('keeps hooks/ free of imports from outside hooks/, and the contract free of imports at all', () => {
    const crossings = typescriptFiles('hooks').flatMap((file) =>
      relativeImports(file)
        .filter((target) => !inside('hooks', target))
        .map((target) => `${relative(ROOT, file)} imports ${relative(ROOT, target)}`),
    );
    expect(crossings).toEqual([]);
    expect(relativeImports(CONTRACT)).toEqual([]);
  });
});
