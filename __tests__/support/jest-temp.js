// A test run leaves nothing behind: every temporary folder a test (or cdktf's Testing, or the hook
// bundler) makes goes into one folder of the project's, created before the run and removed after it.
// Set in jest's own process before it starts its workers, which inherit it (a test file's process.env
// is jest's copy, which os.tmpdir() does not read). The AWS SDK's notice that later releases need
// Node 22 is switched off there too, as bin.ts does for the CLI.
const { mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const TEMP = join(__dirname, '..', '..', '.work', 'jest-tmp');

module.exports = {
  globalSetup() {
    rmSync(TEMP, { recursive: true, force: true });
    mkdirSync(TEMP, { recursive: true });
    process.env.TMPDIR = TEMP;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  },
  globalTeardown() {
    rmSync(TEMP, { recursive: true, force: true });
  },
};
