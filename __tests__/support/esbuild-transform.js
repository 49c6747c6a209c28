// Jest transform: strips TypeScript with esbuild (already a project dependency). It does not
// type-check; `npm test` runs `tsc --noEmit` first for that.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcefile: filename,
      sourcemap: 'external',
    });
    return { code, map };
  },
};
