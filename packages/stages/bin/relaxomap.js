#!/usr/bin/env node
// Committed shim so npm can link the `relaxomap` command at install time, before `npm run build`
// has produced dist/. Build first (npm run build) — the README's commands do.
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('relaxomap: error: not built yet — run `npm run build` in the repository root first\n');
    process.exit(1);
  }
  throw err;
});
