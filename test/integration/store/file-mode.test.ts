import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { fileMode, makeTempDir, removeDir } from './helpers.js';

let dir: string;
let savedUmask: number;
beforeEach(() => {
  dir = makeTempDir();
  savedUmask = process.umask();
});
afterEach(() => {
  process.umask(savedUmask);
  removeDir(dir);
});

describe('file modes', () => {
  it('creates the db, -wal and -shm 0600 and missing parent dirs 0700, even with a permissive umask', () => {
    process.umask(0o000);
    const dbPath = path.join(dir, 'state', 'qms', 'qms.db');
    const store = openStore(dbPath);
    // A write so the WAL has content while the connection is open.
    store.runs.start({ kind: 'assess', org: 'acme' });
    expect(fileMode(dbPath)).toBe(0o600);
    expect(fs.existsSync(`${dbPath}-wal`)).toBe(true);
    expect(fs.existsSync(`${dbPath}-shm`)).toBe(true);
    expect(fileMode(`${dbPath}-wal`)).toBe(0o600);
    expect(fileMode(`${dbPath}-shm`)).toBe(0o600);
    expect(fileMode(path.join(dir, 'state'))).toBe(0o700);
    expect(fileMode(path.join(dir, 'state', 'qms'))).toBe(0o700);
    store.close();
  });

  it('leaves existing parent directories alone', () => {
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared, { mode: 0o755 });
    fs.chmodSync(shared, 0o755);
    openStore(path.join(shared, 'qms.db')).close();
    expect(fileMode(shared)).toBe(0o755);
  });

  it('warns about and fixes a database that others can read', () => {
    const dbPath = path.join(dir, 'qms.db');
    openStore(dbPath).close();
    fs.chmodSync(dbPath, 0o644);
    const warnings: string[] = [];
    const store = openStore(dbPath, { warn: (m) => warnings.push(m) });
    expect(fileMode(dbPath)).toBe(0o600);
    expect(warnings).toEqual([`${dbPath} was mode 0644 (readable by others); changed it to 0600`]);
    store.close();

    // Read-only opens fix it too (a report is often the first command after a chmod).
    fs.chmodSync(dbPath, 0o640);
    const again: string[] = [];
    openStore(dbPath, { readonly: true, warn: (m) => again.push(m) }).close();
    expect(fileMode(dbPath)).toBe(0o600);
    expect(again).toHaveLength(1);
  });

  it('says nothing when the mode is already right', () => {
    const dbPath = path.join(dir, 'qms.db');
    const warnings: string[] = [];
    openStore(dbPath, { warn: (m) => warnings.push(m) }).close();
    openStore(dbPath, { warn: (m) => warnings.push(m) }).close();
    expect(warnings).toEqual([]);
  });

  it('never stores credentials embedded in the API URL', () => {
    const dbPath = path.join(dir, 'qms.db');
    const store = openStore(dbPath);
    const secret = 'ghp_SECRETSECRETSECRET0123456789abcd';
    const run = store.runs.start({
      kind: 'assess',
      org: 'acme',
      apiUrl: `https://x-access-token:${secret}@ghe.example.com/api/v3/?access_token=${secret}#${secret}`,
    });
    expect(run.apiHost).toBe('https://ghe.example.com/api/v3');
    store.close();
    // Not in the file, not in a leftover WAL.
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f)).includes(secret)).toBe(false);
  });
});
