import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { makeTempDir, removeDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeDir(dir));

const PAT = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const FINE = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN';
const OPAQUE = 'opaque-installation-credential-7f3a9c';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Zx\n-----END RSA PRIVATE KEY-----';

describe('no secrets in the store', () => {
  it('redacts credentials in free-form inputs before they are committed', () => {
    const dbPath = path.join(dir, 'qms.db');
    const store = openStore(dbPath, { redact: (t) => t.split(OPAQUE).join('***') });
    const run = store.runs.start({
      kind: 'apply',
      org: 'acme',
      actor: 'octo',
      args: {
        org: 'acme',
        token: 'plain-looking-value',
        nested: { privateKey: PEM, note: `used ${PAT}` },
        list: [FINE],
        installation: OPAQUE,
      },
    });
    expect(run.args).toEqual({
      org: 'acme',
      token: '[REDACTED]',
      nested: { privateKey: '[REDACTED]', note: 'used [REDACTED]' },
      list: ['[REDACTED]'],
      installation: '***',
    });
    const set = store.changeSets.create({
      runId: run.id,
      kind: 'apply',
      org: 'acme',
      actor: 'octo',
      details: { header: `Authorization: Bearer ${OPAQUE}x` },
    });
    store.changeSets.start(set.id);
    const c = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'classic_protection',
      targetKey: 'main',
      beforeState: null,
      beforeModel: null,
      intendedModel: { x: 1 },
    });
    store.changeSets.recordResult(c.id, { status: 'failed', error: `request failed with authorization=token ${PAT}` });
    expect(store.changeSets.getChange(c.id)!.error).toBe('request failed with authorization=[REDACTED]');
    store.audit.append({ actor: 'octo', action: 'x', target: `t ${PAT}`, details: { client_secret: 's3cr3t-value', msg: FINE } });
    store.runs.finish(run.id, 'failed', { error: `bad ${PAT}` });
    expect(store.audit.verify().ok).toBe(true);
    store.close();

    for (const f of fs.readdirSync(dir)) {
      const bytes = fs.readFileSync(path.join(dir, f));
      for (const secret of [PAT, FINE, OPAQUE, 'plain-looking-value', 's3cr3t-value', 'MIIEowIBAAKCAQEA0Zx']) {
        expect(bytes.includes(secret), `${secret} found in ${f}`).toBe(false);
      }
    }
  });
});
