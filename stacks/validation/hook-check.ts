import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as TypeScript from 'typescript';

/**
 * The hooks are type-checked before they are bundled: esbuild strips types without checking them, so
 * a hook with a type error would deploy, throw when Lambda loads it, never report, and hold the
 * deployment until CodeDeploy's hour runs out (or ECS rolls back). A passed check is remembered by the
 * hash of what it read (.work/hook-check/), so an unchanged hooks/ costs nothing on the next synth.
 */
export class HookCheckError extends Error {
  override readonly name = 'HookCheckError';
}

const ROOT = join(__dirname, '..', '..');

/** TypeScript's errors in the hooks program (hooks/tsconfig.json), one line each: file:line:column message. */
export function typeCheckHooks(hooksDir = join(ROOT, 'hooks')): string[] {
  // Loaded only here: the compiler is large, and nothing else at synth needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load of the compiler
  const ts: typeof TypeScript = require('typescript');
  const configPath = join(hooksDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    { noEmit: true },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!parsed) return [`${relative(ROOT, configPath)}: cannot be read`];
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (!diagnostic.file || diagnostic.start === undefined) return `error TS${diagnostic.code}: ${message}`;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const file = relative(process.cwd(), diagnostic.file.fileName);
    return `${file}:${line + 1}:${character + 1} error TS${diagnostic.code}: ${message}`;
  });
}

let checked = false;
const PASSED = join(ROOT, '.work', 'hook-check');

/** What the check reads: every file in hooks/, both tsconfigs and the compiler's version. */
function inputsHash(hooksDir = join(ROOT, 'hooks')): string {
  const hash = createHash('sha256');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  for (const file of [...files(hooksDir), join(ROOT, 'tsconfig.json')].sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version only, no compiler load
  hash.update(require('typescript/package.json').version);
  return hash.digest('hex');
}

/**
 * Refuses to bundle hooks that do not type-check, once per process. Jest skips it: `npm test` type-checks
 * hooks/ with tsc before any test runs, and each test file would otherwise pay for the compiler again.
 */
export function assertHooksTypeCheck(): void {
  if (checked || process.env.JEST_WORKER_ID) return;
  const passed = join(PASSED, inputsHash());
  if (existsSync(passed)) {
    checked = true;
    return;
  }
  const errors = typeCheckHooks();
  checked = true;
  if (errors.length === 0) {
    mkdirSync(PASSED, { recursive: true });
    writeFileSync(passed, '');
    return;
  }
  const shown = errors.slice(0, 10);
  throw new HookCheckError(
    `The lifecycle hooks do not type-check, nothing was synthesized:\n${shown.map((e) => `  - ${e}`).join('\n')}` +
      (errors.length > shown.length ? `\n  ... and ${errors.length - shown.length} more` : '') +
      '\nFix them in hooks/ (npm run typecheck shows the same), then synthesize again.',
  );
}
