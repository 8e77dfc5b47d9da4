/**
 * Secrets and access (issue 6 §5), through the built binary:
 *
 * - A GitHub-looking token (`ghp_…`, accepted by a test copy of the simulator's users)
 *   and a sandbox token go through assess, classify, plan, apply, rollback, history,
 *   snapshots, audit export/verify, `--verbose` runs, failing runs (500s, 401) and a
 *   token pasted where a repository name belongs; then stdout, stderr, every byte of
 *   the SQLite store (main file, WAL, shared memory) and the export files are searched
 *   for the token and for its last 16 characters: zero hits.
 * - The store is 0600, its -wal and -shm too (checked while an apply holds them open).
 * - `http://` only on loopback: `http://[::1]` works, `http://localhost.evil.com`,
 *   `http://x.localhost` and IPv4-mapped addresses are refused before any request,
 *   credentials in the URL are refused without being echoed.
 * - The actor of every change set, run and audit event is the authenticated login —
 *   the lock's events included — for two different users.
 * - A token without admin rights (rita: read-only; max: maintain on the payments
 *   repositories) never yields "unprotected" and never a write in assess/plan/apply
 *   (the simulator's write counters stay 0); max's admin repository is the control.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimUser } from '@qms/github-sim';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import { captureLive } from '../e2e/apply-helpers.js';
import {
  describeRun,
  expectSoundStore,
  FAST,
  fixtureCopy,
  qmsOn,
  sqlRows,
  startRelSandbox,
  storeBytes,
  type RelSandbox,
} from './helpers.js';

/** Looks exactly like a classic personal access token (ghp_ + 36 alphanumerics). */
const GH_TOKEN = 'ghp_' + 'Q7mZ2kV9xR4tL8wN3pS6yB1cF5hJ0dG2aE9u'.slice(0, 36);
const BOT = 'ops-bot';
const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  expect(GH_TOKEN).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
});
afterAll(async () => {
  for (const sb of sandboxes) await sb.close();
  for (const d of dirsList) d.cleanup();
});

function tempDirs(): TempDirs {
  const d = makeTempDirs('qms-rel-secrets-');
  dirsList.push(d);
  return d;
}

/** The demo org plus an org owner who authenticates with a GitHub-looking token. */
function stateWithBot() {
  const state = fixtureCopy();
  const ada = state.users.find((u) => u.login === 'ada')!;
  const id = 990_001;
  const bot: SimUser = {
    ...ada,
    id,
    nodeId: `U_bot${id}`,
    login: BOT,
    name: 'Ops Bot',
    token: GH_TOKEN,
    persona: 'test: org owner with a ghp_ token',
    roles: [],
  };
  state.users.push(bot);
  state.orgs.find((o) => o.login === 'acme')!.members[BOT] = 'admin';
  return state;
}

function hits(haystack: string | Buffer, needle: string): number {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return text.split(needle).length - 1;
}

// Independent parts (each with its own simulator and stores) run concurrently.
describe.concurrent('secrets and access', () => {
  describe('the token never leaves the process', () => {
    let sb: RelSandbox;
    let dirs: TempDirs;
    const runs: Record<string, QmsRun> = {};
    let exportFiles: string[] = [];

    let failingDb = '';

    beforeAll(async () => {
      sb = await startRelSandbox({ state: stateWithBot() });
      sandboxes.push(sb);
      dirs = tempDirs();
      const asBot = (args: string[]) => qmsOn(sb, dirs)(args, { token: GH_TOKEN });
      const REPOS = ['--repo', 'identity-service', '--repo', 'research-notebooks'];
      const jsonOut = path.join(dirs.root, 'audit.json');
      const csvOut = path.join(dirs.root, 'audit.csv');
      exportFiles = [jsonOut, csvOut];
      // GitHub failing: 502 on every attempt for one repository (its own simulator and store,
      // so the fault cannot reach the other runs).
      const failing = await startRelSandbox({ state: stateWithBot() });
      sandboxes.push(failing);
      failing.sandbox.faults.add({ kind: 'status', status: 502, pathIncludes: '/repos/acme/research-notebooks/', times: 0 });
      const failingDirs = tempDirs();
      failingDb = failingDirs.db;
      // Reads, concurrently (no lock between them).
      const reads: Record<string, Promise<QmsRun>> = {
        auth: asBot(['--verbose', 'auth', 'status']),
        assess: asBot(['--verbose', '--json', 'assess', '--org', 'acme', ...REPOS]),
        assessTable: asBot(['--verbose', 'assess', '--org', 'acme', '--reader', 'rest', ...REPOS]),
        classify: asBot(['--verbose', 'classify', '--org', 'acme', ...REPOS]),
        plan: asBot(['--verbose', 'plan', '--org', 'acme', ...REPOS]),
        failing: qmsOn(failing, failingDirs)(['--verbose', '--json', 'assess', '--org', 'acme', '--reader', 'rest', ...REPOS], {
          token: GH_TOKEN,
        }),
        rejected: qmsOn(sb, dirs)(['--verbose', 'assess', '--org', 'acme'], { token: GH_TOKEN.replace(/.$/, 'X') }),
        // Pasted where a name belongs (a well-formed repository name: looked up, 404), and inside the API URL.
        pasted: asBot(['--verbose', 'assess', '--org', 'acme', '--repo', GH_TOKEN]),
        pastedOrg: asBot(['--verbose', 'assess', '--org', GH_TOKEN]),
        inUrl: runQms(['--api-url', sb.url.replace('http://', `http://${GH_TOKEN}@`), '--db', dirs.db, 'auth', 'status'], {
          env: { ...dirs.env, GITHUB_TOKEN: GH_TOKEN },
        }),
        // The sandbox's own kind of token (registered as a secret too).
        sandboxToken: qmsOn(sb, dirs)(['--verbose', 'assess', '--org', 'acme', '--repo', 'identity-service'], { login: 'ada' }),
      };
      for (const [k, p] of Object.entries(reads)) runs[k] = await p;
      // Writes, then what reads their record.
      runs['apply'] = await asBot(['--verbose', 'apply', '--org', 'acme', ...REPOS, '--yes']);
      [runs['history'], runs['snapshots']] = await Promise.all([
        asBot(['--verbose', 'history', '--all']),
        asBot(['--verbose', 'snapshots', 'show', '1']),
      ]);
      runs['rollback'] = await asBot(['--verbose', 'rollback', '--last', '--yes']);
      [runs['exportJson'], runs['exportCsv'], runs['exportStdout'], runs['verify']] = await Promise.all([
        asBot(['--verbose', 'audit', 'export', '--output', jsonOut]),
        asBot(['--verbose', '--format', 'csv', 'audit', 'export', '--output', csvOut]),
        asBot(['--format', 'ndjson', 'audit', 'export']),
        asBot(['--verbose', 'audit', 'verify']),
      ]);
    }, 180_000);

    it('the runs did what they should (so the search below means something)', () => {
      const expected: Record<string, number> = {
        auth: 0,
        assess: 1,
        assessTable: 1,
        classify: 0,
        plan: 0,
        apply: 0,
        history: 0,
        snapshots: 0,
        failing: 4,
        rejected: 3,
        rollback: 0,
        exportJson: 0,
        exportCsv: 0,
        exportStdout: 0,
        verify: 0,
        pasted: 3,
        pastedOrg: 2,
        inUrl: 2,
        sandboxToken: 1,
      };
      for (const [k, code] of Object.entries(expected)) expect(runs[k]!.code, `${k}\n${describeRun(runs[k]!)}`).toBe(code);
      // --verbose really logged requests (with their headers' worth of detail).
      expect(runs['apply']!.stderr).toMatch(/debug: PUT \/repos\/\{owner\}\/\{repo\}\/branches\/\{branch\}\/protection 200/);
      expect(runs['failing']!.stderr).toMatch(/502/);
      expect(runs['rejected']!.stderr).toMatch(/401 Bad credentials/);
      for (const f of exportFiles) expect(existsSync(f), f).toBe(true);
      expectSoundStore(dirs.db);
    });

    it('zero hits for the token (or its last 16 characters) in stdout, stderr, the database with its WAL, and the exports', () => {
      const tail = GH_TOKEN.slice(-16);
      const places: [string, string | Buffer][] = [
        ...Object.entries(runs).flatMap(
          ([k, r]) =>
            [
              [`${k} stdout`, r.stdout],
              [`${k} stderr`, r.stderr],
            ] as [string, string][],
        ),
        ['database', storeBytes(dirs.db)],
        ['database of the failing run', storeBytes(failingDb)],
        ...exportFiles.map((f) => [f, readFileSync(f)] as [string, Buffer]),
      ];
      for (const [where, data] of places) {
        expect(hits(data, GH_TOKEN), where).toBe(0);
        expect(hits(data, tail), where).toBe(0);
        expect(hits(data, 'qms_sandbox_ada'), where).toBe(0);
      }
      // The database is searched for real: it holds the runs and their audit trail.
      expect(hits(storeBytes(dirs.db), 'change.intent')).toBeGreaterThan(0);
    });

    it('the database is 0600 — its -wal and -shm too, while a run holds them open', async () => {
      expect(statSync(dirs.db).mode & 0o777).toBe(0o600);
      const held = tempDirs();
      const sb2 = await startRelSandbox();
      sandboxes.push(sb2);
      sb2.sandbox.faults.add({ kind: 'slow', method: 'PUT', route: '/repos/{owner}/{repo}/branches/{branch}/protection', delayMs: 3000 });
      const child = spawn(
        process.execPath,
        [
          BIN,
          '--api-url',
          sb2.url,
          '--db',
          held.db,
          ...FAST,
          '--request-timeout',
          '30',
          'apply',
          '--org',
          'acme',
          '--repo',
          'research-notebooks',
          '--yes',
        ],
        {
          cwd: ROOT,
          env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...held.env, GITHUB_TOKEN: 'qms_sandbox_ada' },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      const deadline = Date.now() + 30_000;
      while ((sb2.sandbox.stats.byRoute['PUT /repos/{owner}/{repo}/branches/{branch}/protection'] ?? 0) === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const modes = ['', '-wal', '-shm'].map((s) => [s, existsSync(held.db + s) ? statSync(held.db + s).mode & 0o777 : null] as const);
      expect(await exited).toBe(0);
      expect(modes).toEqual([
        ['', 0o600],
        ['-wal', 0o600],
        ['-shm', 0o600],
      ]);
    });
  });

  describe('http:// only on loopback', () => {
    let sb: RelSandbox;
    let proxy: net.Server | null = null;
    let proxyPort = 0;

    beforeAll(async () => {
      sb = await startRelSandbox();
      sandboxes.push(sb);
      // The simulator listens on 127.0.0.1; a forwarder on [::1] stands for a local
      // GitHub Enterprise proxy reached over IPv6 loopback.
      proxy = await new Promise<net.Server | null>((resolve) => {
        const server = net.createServer((client) => {
          const upstream = net.connect(sb.sandbox.port, '127.0.0.1');
          client.pipe(upstream).pipe(client);
          client.on('error', () => upstream.destroy());
          upstream.on('error', () => client.destroy());
        });
        server.once('error', () => resolve(null));
        server.listen(0, '::1', () => {
          proxyPort = (server.address() as net.AddressInfo).port;
          resolve(server);
        });
      });
    });
    afterAll(async () => {
      await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    });

    it.skipIf(process.env['QMS_NO_IPV6'] === '1')('http://[::1] is allowed (and works)', async () => {
      expect(proxy, 'no IPv6 loopback here (set QMS_NO_IPV6=1 to skip)').not.toBeNull();
      const dirs = tempDirs();
      const run = await runQms(['--api-url', `http://[::1]:${proxyPort}`, '--db', dirs.db, 'auth', 'status'], {
        env: { ...dirs.env, GITHUB_TOKEN: 'qms_sandbox_ada' },
      });
      expect(run.code, describeRun(run)).toBe(0);
      expect(run.stdout).toMatch(/ada/);
    });

    it('look-alikes, .localhost names, mapped addresses and URLs with credentials are refused before any request, credentials never echoed', async () => {
      const port = sb.sandbox.port;
      const secret = 'hunter2-s3cr3t-pass';
      const cases: [string, RegExp][] = [
        [`http://localhost.evil.com:${port}`, /http:\/\/ for localhost\.evil\.com/],
        [`http://qms.localhost:${port}`, /http:\/\/ for qms\.localhost/],
        [`http://127.0.0.1.nip.io:${port}`, /http:\/\/ for 127\.0\.0\.1\.nip\.io/],
        [`http://[::ffff:127.0.0.1]:${port}`, /http:\/\/ for \[::ffff:7f00:1\]/],
        [`http://evil.example:${port}@127.0.0.1:${port}`, /must not contain credentials/],
        [`http://localhost@evil.example:${port}`, /must not contain credentials/],
        [`https://ops:${secret}@ghe.example.com/api/v3`, /must not contain credentials/],
        [`http://${GH_TOKEN}@127.0.0.1:${port}`, /must not contain credentials/],
        [`file:///etc/passwd`, /must use https:\/\//],
      ];
      const before = sb.exchanges.length;
      await Promise.all(
        cases.map(async ([url, message]) => {
          const dirs = tempDirs();
          const run = await runQms(['--api-url', url, '--db', dirs.db, 'auth', 'status'], {
            env: { ...dirs.env, GITHUB_TOKEN: 'qms_sandbox_ada' },
          });
          expect(run.code, `${url}\n${describeRun(run)}`).toBe(2);
          expect(run.stderr, url).toMatch(message);
          expect(run.stderr + run.stdout, url).not.toContain(secret);
          expect(run.stderr + run.stdout, url).not.toContain(GH_TOKEN);
        }),
      );
      expect(sb.exchanges.length).toBe(before);
    });
  });

  describe('the actor is the authenticated login', () => {
    it('apply as ada, rollback as ops-bot: each change set, run and audit event — lock events included — names who did it', async () => {
      const sb = await startRelSandbox({ state: stateWithBot() });
      sandboxes.push(sb);
      const dirs = tempDirs();
      const qms = qmsOn(sb, dirs);
      const original = await captureLive(sb, 'acme', ['research-notebooks']);
      expect((await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'], { login: 'ada' })).code).toBe(0);
      const rb = await qms(['rollback', '--last', '--yes'], { token: GH_TOKEN });
      expect(rb.code, describeRun(rb)).toBe(0);
      expect(await captureLive(sb, 'acme', ['research-notebooks'])).toEqual(original);
      expect(sqlRows(dirs.db, 'SELECT kind, actor FROM change_sets ORDER BY id')).toEqual([
        { kind: 'apply', actor: 'ada' },
        { kind: 'rollback', actor: BOT },
      ]);
      expect(sqlRows(dirs.db, 'SELECT kind, actor FROM runs ORDER BY id')).toEqual([
        { kind: 'apply', actor: 'ada' },
        { kind: 'rollback', actor: BOT },
      ]);
      const events = sqlRows<{ seq: number; actor: string; action: string }>(
        dirs.db,
        'SELECT seq, actor, action FROM audit_events ORDER BY seq',
      );
      let current: string | null = null;
      const blocks: string[] = [];
      for (const e of events) {
        if (e.action === 'lock.acquired') {
          current = e.actor;
          blocks.push(e.actor);
        }
        expect(e.actor, `${e.seq} ${e.action}`).toBe(current);
        if (e.action === 'lock.released') current = null;
      }
      expect(blocks).toEqual(['ada', BOT]);
      expect(events.length).toBeGreaterThan(10);
    });
  });

  describe('a token without admin rights never sees "unprotected" and never writes', () => {
    it('rita (read-only) and max (maintain on the payments repositories): assess on both readers, plan and apply — zero writes; max’s admin repository is the control', async () => {
      const sb = await startRelSandbox();
      sandboxes.push(sb);
      const writes = () => sb.sandbox.stats.restWrite + sb.sandbox.stats.graphqlMutations;
      const PAYMENTS = ['--repo', 'payments-ledger', '--repo', 'payment-gateway', '--repo', 'core-payment-system'];
      const cases: { login: string; args: string[] }[] = [
        { login: 'rita', args: ['--json', 'assess', '--org', 'acme', '--fail-on', 'none'] },
        { login: 'rita', args: ['--json', 'assess', '--reader', 'rest', '--org', 'acme', '--fail-on', 'none'] },
        { login: 'max', args: ['--json', 'assess', '--org', 'acme', ...PAYMENTS, '--fail-on', 'none'] },
        { login: 'max', args: ['--json', 'assess', '--reader', 'rest', '--org', 'acme', ...PAYMENTS, '--fail-on', 'none'] },
        { login: 'rita', args: ['--json', 'plan', '--org', 'acme'] },
        { login: 'max', args: ['--json', 'plan', '--org', 'acme', ...PAYMENTS] },
        { login: 'rita', args: ['apply', '--org', 'acme', '--yes'] },
        { login: 'max', args: ['apply', '--org', 'acme', ...PAYMENTS, '--yes'] },
      ];
      const results = await Promise.all(cases.map(async (c) => ({ ...c, run: await qmsOn(sb, tempDirs())(c.args, { login: c.login }) })));
      expect(writes()).toBe(0);
      for (const { login, args, run } of results) {
        const label = `${login} ${args.join(' ')}\n${describeRun(run)}`;
        // Unknown is never compliant: assess, plan and apply are partial (4) where protection
        // could not be seen or the token cannot administer what is in scope.
        expect(run.code, label).toBe(4);
        if (args.includes('assess')) {
          const doc = JSON.parse(run.stdout) as {
            repos: { repo: string; status: string; level: string; access: string }[];
            findings: { repo: string; setting: string }[];
          };
          for (const r of doc.repos) {
            if (r.access === 'admin') continue;
            expect(r.level, `${label}: ${r.repo}`).not.toBe('none');
            expect(['unknown', 'skipped', 'not_applicable'], `${label}: ${r.repo}`).toContain(r.status);
            // Protection findings need admin to be known: only repo-config and merge ones remain.
            expect(
              doc.findings.filter((f) => f.repo === r.repo && !/^(repoConfig|merge\.)/.test(f.setting)),
              `${label}: ${r.repo}`,
            ).toEqual([]);
          }
          expect(doc.repos.filter((r) => r.access !== 'admin').length, label).toBeGreaterThanOrEqual(3);
        }
        if (args.includes('plan')) expect((JSON.parse(run.stdout) as { steps: unknown[] }).steps, label).toEqual([]);
      }
      // The control: where max is admin, the same apply does write.
      const control = await qmsOn(sb, tempDirs())(['apply', '--org', 'acme', '--repo', 'web-storefront', '--yes'], { login: 'max' });
      expect(control.code, describeRun(control)).toBe(0);
      expect(writes()).toBeGreaterThan(0);
    });
  });
});
