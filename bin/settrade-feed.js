#!/usr/bin/env node
// Launcher for the compiled CLI (dist/ is built by `npm run build:ts`, and by `npm ci`'s prepare step).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('settrade-feed: dist/ is not built; run `npm run build:ts` (or `npm ci`) first\n');
    process.exit(1);
  }
  throw err;
}
await cli.main();
