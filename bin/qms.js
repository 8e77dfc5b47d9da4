#!/usr/bin/env node
// Thin launcher: everything lives in dist/cli/main.js (built on `npm install` by `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() handles its own errors; this is a last resort for bugs in the handler itself.
    process.stderr.write(`qms: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
