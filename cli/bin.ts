import { run } from './main';

// The pinned SDK supports Node 20, which the project supports; its notice that later SDK releases
// will not would land in the middle of the live view. The SDK documents this switch for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Ctrl-C stops watching (exit 3, "stopped watching") and changes nothing in AWS: the commands only
// read, except promote and rollback, which make one call each before they return.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
);
