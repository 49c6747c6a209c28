#!/usr/bin/env node
// `bluegreen`: starts the operator CLI from its esbuild bundle (.work/cli/bluegreen.cjs), so a
// command loads one file instead of thousands of modules. The bundle is (re)built here when it
// is missing or older than any of its sources, which takes about a second once.
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bundle = join(root, '.work', 'cli', 'bluegreen.cjs');
const sources = ['cli', 'stacks/config', 'hooks/contract.ts', 'package-lock.json'].map((path) => join(root, path));

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

if (!existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...sources.map(newest))) {
  require('esbuild').buildSync({
    entryPoints: [join(root, 'cli', 'bin.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
  });
}
require(bundle);
