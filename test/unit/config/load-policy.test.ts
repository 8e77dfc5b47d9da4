import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { ConfigError } from '../../../src/core/errors.js';
import { loadPolicy, validatePolicyFile } from '../../../src/config/load-policy.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'qms-load-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadPolicy', () => {
  it('no --config and no ./qms.config.yml: the built-in defaults', async () => {
    const loaded = await loadPolicy(undefined, { cwd: dir });
    expect(loaded).toEqual({ policy: defaultPolicy(), warnings: [], source: { kind: 'builtin' } });
  });

  it('finds ./qms.config.yml in the working directory', async () => {
    writeFileSync(path.join(dir, 'qms.config.yml'), 'version: 1\ndefault_tier: experimental\n');
    const loaded = await loadPolicy(undefined, { cwd: dir });
    expect(loaded.source).toEqual({ kind: 'file', path: path.join(dir, 'qms.config.yml'), label: 'qms.config.yml' });
    expect(loaded.policy.defaultTier).toBe('experimental');
  });

  it('an explicit path is relative to cwd and labelled as given', async () => {
    writeFileSync(path.join(dir, 'policy.yml'), 'version: 1\ntiers:\n  standard:\n    rank: 25\n');
    const loaded = await loadPolicy('policy.yml', { cwd: dir });
    expect(loaded.source).toMatchObject({ kind: 'file', label: 'policy.yml' });
    expect(loaded.policy.tiers['standard']!.rank).toBe(25);
  });

  it('a missing explicit file is a config error (exit 2), not the defaults', async () => {
    const err = await loadPolicy('nope.yml', { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).message).toBe('nope.yml: file not found');
  });

  it('an invalid file throws every problem, and no policy escapes', async () => {
    writeFileSync(path.join(dir, 'qms.config.yml'), 'version: 1\ndefault_tier: gold\ntiers:\n  standard:\n    rank: x\n');
    const err = (await loadPolicy(undefined, { cwd: dir }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    // Schema problems stop before semantic checks: one problem (rank), not two.
    expect(err.problems.map((p) => `${p.file}:${p.line}:${p.column}`)).toEqual(['qms.config.yml:5:11']);
    expect(err.message).toBe('qms.config.yml:5:11: tiers.standard.rank: must be a whole number; got "x"');
    expect(err.hint).toBe('run "qms config validate qms.config.yml" to see every problem');
  });

  it('refuses a file over 1 MB without reading it', async () => {
    const file = path.join(dir, 'big.yml');
    const text = `version: 1\n#${'x'.repeat(1024 * 1024)}\n`;
    writeFileSync(file, text);
    const r = await validatePolicyFile('big.yml', { cwd: dir });
    expect(r.policy).toBeUndefined();
    expect(r.errors).toEqual([
      { file: 'big.yml', message: `the file is ${text.length} bytes; qms reads config files of at most 1 MB (1048576 bytes)` },
    ]);
  });

  it('a directory is not a policy file', async () => {
    const r = await validatePolicyFile('.', { cwd: dir });
    expect(r.errors).toEqual([{ file: '.', message: 'is not a regular file' }]);
  });
});
