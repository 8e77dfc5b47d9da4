/**
 * Child process for the open-mode tests: opens the store as the user it runs as (the
 * tests run it as a user who cannot write the store) and prints one JSON line.
 *   read    openStore(db, { readonly: true }): what a reporting command sees
 *   write   openStore(db) and start a run: what a mutating command gets
 * Errors are printed, not thrown: the test compares class, exit code and message.
 */
import fs from 'node:fs';
import { openStore } from '../../../../src/store/index.js';

const [dbPath, action] = process.argv.slice(2) as [string, 'read' | 'write'];
const warnings: string[] = [];
const out = (value: unknown): void => {
  fs.writeSync(1, `${JSON.stringify(value)}\n`);
};

try {
  const store = openStore(dbPath, { readonly: action === 'read', warn: (m) => warnings.push(m) });
  try {
    if (action === 'read') {
      out({
        ok: true,
        readonly: store.readonly,
        schemaVersion: store.schemaVersion,
        storeId: store.storeId,
        runs: store.runs.list().map((r) => r.id),
        audit: store.audit.verify(),
        integrity: store.integrityCheck(),
        warnings,
      });
    } else {
      const run = store.runs.start({ kind: 'assess', org: 'acme', actor: 'auditor' });
      out({ ok: true, run: run.id, warnings });
    }
  } finally {
    store.close();
  }
} catch (err) {
  const e = err as Error & { exitCode?: number; hint?: string; code?: string };
  const { exitCode = null, code = null, hint = null } = e;
  out({ ok: false, name: e.constructor.name, exitCode, code, message: e.message, hint, warnings });
}
