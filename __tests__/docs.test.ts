import { readFileSync } from 'node:fs';
import { CONFIGURATION_DOC, generatedDocs } from '../tools/config-docs';
import { environmentSchema } from '../stacks/config/schema';

describe('the generated documentation', () => {
  it.each(generatedDocs().map(({ file, render }) => [file.replace(/.*\/(docs\/)?/, '$1'), file, render] as const))(
    '%s is what `npm run docs` generates (run it after changing a field, a price or an environment)',
    (_name, file, render) => {
      const text = readFileSync(file, 'utf8');
      expect(text).toBe(render(text));
    },
  );

  it('lists every top-level field of the schema', () => {
    const reference = readFileSync(CONFIGURATION_DOC, 'utf8');
    const fields = Object.keys(environmentSchema.def.in.shape);
    expect(fields).toEqual(expect.arrayContaining(['name', 'network', 'loadBalancer', 'pipeline', 'hooks', 'state']));
    const missing = fields.filter((field) => !reference.includes(`| \`${field}`));
    expect(missing).toEqual([]);
  });
});
