import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { zipSync } from 'fflate';
import { assertHooksTypeCheck, HookCheckError } from './hook-check';

export const HOOKS_DIR = join(__dirname, '..', '..', 'hooks');

export interface HookBundle {
  /** A zip holding index.js, written content-addressed to a temporary folder. */
  readonly zipPath: string;
  readonly zipBytes: number;
  /** Hex SHA-256 of the zip: the asset hash. */
  readonly sha256Hex: string;
  /** Base64 SHA-256 of the zip: what Lambda reports as CodeSha256 (source_code_hash). */
  readonly sha256Base64: string;
}

// DOS timestamps in a zip are local time: build the date from local parts so every machine agrees.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const cache = new Map<string, HookBundle>();

/**
 * Bundles hooks/<file>.ts into one minified index.js for the Lambda Node.js 22 runtime (the AWS
 * SDK v3 comes from the runtime and is left out) and zips it deterministically: fixed timestamp,
 * fixed permissions, one entry. Same source, same bytes, same hash: no spurious function updates.
 * Each hook is bundled once per process, however many stacks use it.
 */
export function bundleHook(file: string): HookBundle {
  const cached = cache.get(file);
  if (cached) return cached;
  assertHooksTypeCheck();

  const result = bundle(file);
  const code = result.outputFiles[0].contents;
  const zip = zipSync(
    { 'index.js': [code, { mtime: FIXED_MTIME, os: 3, attrs: 0o100644 << 16 }] },
    { level: 9, mtime: FIXED_MTIME },
  );
  const digest = createHash('sha256').update(zip).digest();
  const sha256Hex = digest.toString('hex');
  const dir = join(tmpdir(), 'ecs-bluegreen-hook-bundles');
  mkdirSync(dir, { recursive: true });
  const zipPath = join(dir, `${file}-${sha256Hex.slice(0, 16)}.zip`);
  writeFileSync(zipPath, zip);

  const hookBundle = {
    zipPath,
    zipBytes: zip.byteLength,
    sha256Hex,
    sha256Base64: digest.toString('base64'),
  };
  cache.set(file, hookBundle);
  return hookBundle;
}

/** esbuild's bundle of one hook; its errors (a missing import, say) as a few lines, not a stack trace. */
function bundle(file: string) {
  try {
    return buildSync({
      entryPoints: [join(HOOKS_DIR, `${file}.ts`)],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: ['@aws-sdk/*'],
      write: false,
      logLevel: 'silent',
    });
  } catch (error) {
    const problems = (
      (error as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors ?? [
        { text: String(error) },
      ]
    ).map(({ text, location }) =>
      location ? `${location.file}:${location.line}:${location.column + 1} ${text}` : text,
    );
    throw new HookCheckError(
      `hooks/${file}.ts cannot be bundled, nothing was synthesized:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
