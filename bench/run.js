#!/usr/bin/env node
/**
 * qms benchmarks (issue 5): simulated organizations of 1,000 and 10,000
 * repositories, what each command costs in requests, wall time and memory.
 *
 *   npm run bench                       (build, then the defaults below)
 *   node bench/run.js --repos 1000,10000 --latency 50
 *   node bench/run.js --repos 200 --latency 0 --scenarios assess,baseline --no-readme
 *
 * Per organization size, with the simulator in its own process (bench/sim-server.js)
 * so the RSS measured is qms's alone:
 *   assess    qms assess --json (batched GraphQL reader)
 *   baseline  the seed's approach: list the repositories, then one REST
 *             GET …/branches/main/protection per repository (8 at a time)
 *   apply     qms apply (scoped, see --apply-repos), then again (must write nothing)
 *   rollback  qms rollback --last
 * Once:
 *   pacing    qms apply with the simulator's secondary-limit emulation on:
 *             writes per minute at the default pace, secondary-limit answers
 *   audit     qms audit export of a store with --audit-events events (made through the store API)
 *   help      qms --help, --help-runs spawns
 *
 * Requests come from the simulator's counters (/_sandbox/stats). Peak RSS from
 * GNU time (`/usr/bin/time -f %M`) when installed, else by polling the child's
 * VmHWM in /proc (Linux), else not measured; `rssMethod` says which.
 * Results: bench/results/latest.json and the table in bench/README.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The simulator package (a workspace) and what of it the snapshot needs. */
const SIM = 'packages/github-sim';
const SIM_ENTRIES = ['package.json', 'dist', 'fixtures'];
/** Where the measured build lives: a private copy of it (see snapshotBuild). */
let RUN_ROOT = ROOT;
let BIN = path.join(ROOT, 'bin/qms.js');

/**
 * Copy the build (bin, dist, schemas, fixtures, package.json, the simulator
 * package's build and the simulator script) to a temporary directory and run
 * everything from there, so a rebuild of dist/ while the benchmark runs (it
 * takes minutes) cannot change what is measured half-way.
 */
function snapshotBuild() {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qms-bench-build-'));
  for (const entry of ['bin', 'dist', 'schemas', 'fixtures', 'package.json', ...SIM_ENTRIES.map((e) => `${SIM}/${e}`)]) {
    if (existsSync(path.join(ROOT, entry))) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  mkdirSync(path.join(dir, 'bench'));
  cpSync(path.join(ROOT, 'bench/sim-server.js'), path.join(dir, 'bench/sim-server.js'));
  // node_modules: links to the installed packages, except the workspace link to the
  // simulator, which points at the copy above instead of the live packages/github-sim.
  mkdirSync(path.join(dir, 'node_modules/@qms'), { recursive: true });
  for (const name of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name !== '@qms') symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name), 'dir');
  }
  symlinkSync(path.join(dir, SIM), path.join(dir, 'node_modules/@qms/github-sim'), 'dir');
  RUN_ROOT = dir;
  BIN = path.join(dir, 'bin/qms.js');
  return () => rmSync(dir, { recursive: true, force: true });
}
const TOKEN = 'qms_sandbox_ada';
const ORG = 'bench';
const ALL_SCENARIOS = ['assess', 'baseline', 'apply', 'rollback', 'pacing', 'audit', 'help'];

export const TARGETS = {
  assessRequests10k: 300,
  assessWallMs10k: 60_000,
  assessRssMb10k: 300,
  baselineRatio: 30,
  secondApplyWrites: 0,
  auditRssMb: 150,
  helpMs: 250,
};

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      repos: { type: 'string', default: '1000,10000' },
      latency: { type: 'string', default: '50' },
      seed: { type: 'string', default: '42' },
      scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
      'apply-repos': { type: 'string', default: '25' },
      'pacing-repos': { type: 'string', default: '60' },
      'audit-events': { type: 'string', default: '1000000' },
      'help-runs': { type: 'string', default: '20' },
      'baseline-concurrency': { type: 'string', default: '8' },
      out: { type: 'string', default: path.join(ROOT, 'bench/results/latest.json') },
      readme: { type: 'string', default: path.join(ROOT, 'bench/README.md') },
      'no-readme': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const scenarios = values.scenarios
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scenarios)
    if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}" (known: ${ALL_SCENARIOS.join(', ')})`);
  return {
    repos: values.repos
      .split(',')
      .map((n) => Number(n.trim()))
      .filter((n) => n > 0),
    latencyMs: Number(values.latency),
    seed: Number(values.seed),
    scenarios,
    applyRepos: Number(values['apply-repos']),
    pacingRepos: Number(values['pacing-repos']),
    auditEvents: Number(values['audit-events']),
    helpRuns: Number(values['help-runs']),
    baselineConcurrency: Number(values['baseline-concurrency']),
    out: values.out,
    readme: values['no-readme'] ? null : values.readme,
    quiet: values.quiet,
  };
}

const log = (options, line) => {
  if (!options.quiet) process.stderr.write(`${line}\n`);
};

// ----------------------------------------------------------------- processes

const GNU_TIME = '/usr/bin/time';
function rssMethod() {
  if (existsSync(GNU_TIME)) {
    const probe = spawnSync(GNU_TIME, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
    if (probe.status === 0 && /^\d+\s*$/m.test(probe.stderr)) return 'gnu-time';
  }
  if (existsSync('/proc/self/status')) return 'proc-vmhwm';
  return 'none';
}

/** VmHWM (peak resident set) of a live process, in KB; null when gone. */
function readVmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Run `node bin/qms.js ...args`, measuring wall time and peak RSS. */
function runQms(args, { env, method, stdout = 'capture', timeoutMs = 3_600_000 }) {
  const marker = '__QMS_BENCH_RSS_KB__';
  const command = method === 'gnu-time' ? GNU_TIME : process.execPath;
  const argv = method === 'gnu-time' ? ['-f', `${marker}%M`, process.execPath, BIN, ...args] : [BIN, ...args];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
      cwd: RUN_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', ...env },
      stdio: ['ignore', stdout === 'capture' ? 'pipe' : 'ignore', 'pipe'],
    });
    let out = '';
    let err = '';
    let peakKb = null;
    child.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    // Without GNU time: poll the child's high-water mark until it exits.
    const poll = method === 'proc-vmhwm' ? setInterval(() => (peakKb = Math.max(peakKb ?? 0, readVmHwm(child.pid) ?? 0)), 25) : null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const wallMs = Math.round(performance.now() - started);
      if (method === 'gnu-time') {
        const m = new RegExp(`${marker}(\\d+)`).exec(err);
        if (m) peakKb = Number(m[1]);
        err = err.replace(new RegExp(`(Command exited with non-zero status \\d+\\n)?${marker}\\d+\\n?`), '');
      }
      resolve({ code, stdout: out, stderr: err, wallMs, peakRssMb: peakKb === null ? null : Math.round(peakKb / 1024) });
    });
  });
}

/** bench/sim-server.js in a child process; resolves once it listens. */
function startSimulator(options, { repos, latencyMs, secondaryLimits = false, countStatuses = false }) {
  const args = [
    path.join(RUN_ROOT, 'bench/sim-server.js'),
    '--org',
    ORG,
    '--repos',
    String(repos),
    '--seed',
    String(options.seed),
    '--latency',
    String(latencyMs),
  ];
  if (secondaryLimits) args.push('--secondary-limits');
  if (countStatuses) args.push('--count-statuses');
  const child = spawn(process.execPath, args, { cwd: RUN_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  const lines = [];
  const waiters = [];
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const nextLine = () => new Promise((resolve) => (lines.length > 0 ? resolve(lines.shift()) : waiters.push(resolve)));
  return nextLine().then((first) => {
    const info = JSON.parse(first);
    const control = async (method, route, body) => {
      const res = await fetch(`${info.url}/_sandbox/${route}`, {
        method,
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      return res.status === 204 ? null : res.json();
    };
    return {
      url: info.url,
      stats: () => control('GET', 'stats'),
      resetStats: () => control('POST', 'stats/reset'),
      configure: (change) => control('PUT', 'config', change),
      statuses: async () => {
        child.stdin.write('statuses\n');
        return JSON.parse(await nextLine());
      },
      stop: () =>
        new Promise((resolve) => {
          child.on('close', resolve);
          child.kill('SIGTERM');
        }),
    };
  });
}

/** The request counters of one scenario, by kind. */
function requestsOf(stats) {
  return {
    total: stats.total,
    restGet: stats.restGet,
    restWrite: stats.restWrite,
    graphqlQueries: stats.graphqlQueries,
    graphqlMutations: stats.graphqlMutations,
    graphqlPoints: stats.graphqlPoints,
    notModified: stats.notModified,
    writes: stats.restWrite + stats.graphqlMutations,
  };
}

function tempEnv() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'qms-bench-'));
  for (const d of ['home', 'state', 'config']) mkdirSync(path.join(root, d));
  return {
    root,
    db: path.join(root, 'qms.db'),
    env: {
      HOME: path.join(root, 'home'),
      XDG_STATE_HOME: path.join(root, 'state'),
      XDG_CONFIG_HOME: path.join(root, 'config'),
      GITHUB_TOKEN: TOKEN,
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

// ----------------------------------------------------------------- scenarios

async function scenarioAssess(sim, tmp, method) {
  await sim.resetStats();
  const run = await runQms(['--api-url', sim.url, '--db', tmp.db, '--json', 'assess', '--org', ORG, '--fail-on', 'none'], {
    env: tmp.env,
    method,
  });
  if (run.code !== 0) throw new Error(`qms assess exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const doc = JSON.parse(run.stdout);
  return {
    command: `qms --json assess --org ${ORG} --fail-on none`,
    requests: requestsOf(await sim.stats()),
    wallMs: run.wallMs,
    peakRssMb: run.peakRssMb,
    repos: doc.repos.length,
    findings: doc.findings.length,
  };
}

/** The seed's script, as a client would run it: list, then one protection GET per repository. */
async function scenarioBaseline(sim, concurrency) {
  await sim.resetStats();
  const started = performance.now();
  const headers = { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json' };
  const repos = [];
  // Pages as `gh api --paginate` follows them: the Link header's rel="next".
  let next = `${sim.url}/orgs/${ORG}/repos?per_page=100&type=all`;
  while (next) {
    const res = await fetch(next, { headers });
    const items = await res.json();
    repos.push(...items.map((r) => r.name));
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
  }
  const outcome = { protected: 0, notProtected: 0, other: 0 };
  let index = 0;
  const worker = async () => {
    while (index < repos.length) {
      const name = repos[index++];
      const res = await fetch(`${sim.url}/repos/${ORG}/${name}/branches/main/protection`, { headers });
      await res.arrayBuffer();
      if (res.status === 200) outcome.protected++;
      else if (res.status === 404) outcome.notProtected++;
      else outcome.other++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    command: `GET /orgs/${ORG}/repos (all pages), then GET /repos/${ORG}/{repo}/branches/main/protection per repository, ${concurrency} at a time`,
    requests: requestsOf(await sim.stats()),
    wallMs: Math.round(performance.now() - started),
    peakRssMb: null,
    repos: repos.length,
    outcome,
  };
}

/** The first `count` repositories (name order) that an apply can change: not archived, not empty. */
async function pickApplyRepos(sim, count) {
  const headers = { authorization: `token ${TOKEN}` };
  const names = [];
  for (let page = 1; names.length < count * 3; page++) {
    const res = await fetch(`${sim.url}/orgs/${ORG}/repos?per_page=100&page=${page}&type=all`, { headers });
    const items = await res.json();
    for (const r of items) if (!r.archived && !r.disabled && r.size > 0) names.push(r.name);
    if (items.length < 100) break;
  }
  return names.sort().slice(0, count);
}

async function scenarioApply(sim, tmp, method, repos, label) {
  await sim.resetStats();
  const args = ['--api-url', sim.url, '--db', tmp.db, '--json', 'apply', '--org', ORG, '--repo', repos.join(','), '--yes'];
  const run = await runQms(args, { env: tmp.env, method });
  if (run.code !== 0 && run.code !== 1) throw new Error(`qms apply (${label}) exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const requests = requestsOf(await sim.stats());
  return {
    command: `qms --json apply --org ${ORG} --repo <${repos.length} repositories> --yes`,
    requests,
    wallMs: run.wallMs,
    peakRssMb: run.peakRssMb,
    repos: repos.length,
    exitCode: run.code,
    writesPerMinute: requests.writes > 1 ? Math.round((requests.writes / run.wallMs) * 60_000) : null,
    changeSetId: JSON.parse(run.stdout).change_set?.id ?? null,
  };
}

/** Rolls back the change set of the first apply (the second, idempotent one made no change: `--last` refuses it). */
async function scenarioRollback(sim, tmp, method, changeSetId) {
  await sim.resetStats();
  const run = await runQms(['--api-url', sim.url, '--db', tmp.db, '--json', 'rollback', String(changeSetId), '--yes'], {
    env: tmp.env,
    method,
  });
  if (run.code !== 0) throw new Error(`qms rollback exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const requests = requestsOf(await sim.stats());
  return { command: 'qms --json rollback <first apply> --yes', requests, wallMs: run.wallMs, peakRssMb: run.peakRssMb };
}

/** qms apply against GitHub's secondary limits (emulated): none may be hit at the default pace. */
async function scenarioPacing(options, method) {
  const sim = await startSimulator(options, { repos: 1000, latencyMs: 0, secondaryLimits: true, countStatuses: true });
  const tmp = tempEnv();
  try {
    const repos = await pickApplyRepos(sim, options.pacingRepos);
    const first = await scenarioApply(sim, tmp, method, repos, 'pacing');
    const { statuses, secondaryLimited } = await sim.statuses();
    return {
      ...first,
      command: `${first.command} (simulator: secondary limits on, 0 ms latency)`,
      secondaryLimited,
      statuses,
      limits: 'emulated: 100 concurrent, 900 points/min per REST endpoint, 2,000/min GraphQL, 80 content-creating requests/min, 500/h',
    };
  } finally {
    tmp.cleanup();
    await sim.stop();
  }
}

/** A store with `events` audit events, made through the store API (hash chain and all). */
async function makeAuditStore(file, events) {
  const { openStore } = await import(pathToFileURL(path.join(RUN_ROOT, 'dist/store/index.js')).href);
  const store = openStore(file);
  try {
    const batch = 10_000;
    for (let done = 0; done < events; done += batch) {
      store.transaction(() => {
        for (let i = done; i < Math.min(events, done + batch); i++) {
          store.audit.append({
            actor: i % 7 === 0 ? 'quinn' : 'ada',
            action: i % 3 === 0 ? 'change.verified' : 'change.written',
            target: `${ORG}/repo-${String(i % 10_000).padStart(5, '0')}:classic_protection:main`,
            details: { step: i, before: { requiredApprovingReviewCount: 1 }, after: { requiredApprovingReviewCount: 2 } },
          });
        }
      });
    }
    return store.audit.count();
  } finally {
    store.close();
  }
}

async function scenarioAudit(options, method) {
  const tmp = tempEnv();
  try {
    const started = performance.now();
    const count = await makeAuditStore(tmp.db, options.auditEvents);
    const madeMs = Math.round(performance.now() - started);
    const out = path.join(tmp.root, 'audit.ndjson');
    const run = await runQms(['--db', tmp.db, '--format', 'ndjson', 'audit', 'export', '--output', out], { env: tmp.env, method });
    if (run.code !== 0) throw new Error(`qms audit export exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean).length;
    return {
      command: 'qms --format ndjson audit export --output <file>',
      events: count,
      exported: lines,
      storeBuildMs: madeMs,
      wallMs: run.wallMs,
      peakRssMb: run.peakRssMb,
    };
  } finally {
    tmp.cleanup();
  }
}

async function scenarioHelp(options, method) {
  const times = [];
  let peak = 0;
  for (let i = 0; i < options.helpRuns; i++) {
    const run = await runQms(['--help'], { env: {}, method });
    if (run.code !== 0) throw new Error(`qms --help exited ${run.code}`);
    times.push(run.wallMs);
    peak = Math.max(peak, run.peakRssMb ?? 0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    command: 'qms --help',
    runs: times.length,
    medianMs: at(0.5),
    p95Ms: at(0.95),
    maxMs: sorted[sorted.length - 1],
    peakRssMb: peak || null,
  };
}

// ----------------------------------------------------------------- reporting

const fmt = (n) => (n === null || n === undefined ? '–' : typeof n === 'number' ? n.toLocaleString('en-US') : String(n));
const secs = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const mb = (v) => (v === null || v === undefined ? '–' : `${v} MB`);

function requestCells(r) {
  if (!r) return ['–', '–', '–', '–', '–', '–'];
  return [
    fmt(r.total),
    fmt(r.restGet),
    fmt(r.restWrite),
    `${fmt(r.graphqlQueries)} / ${fmt(r.graphqlMutations)}`,
    fmt(r.graphqlPoints),
    fmt(r.notModified),
  ];
}

export function renderTable(results) {
  const rows = [];
  const head = '| scenario | repos | requests | REST GET | REST write | GraphQL q / mut | GraphQL points | 304 | wall | peak RSS | notes |';
  rows.push(head, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const size of results.sizes) {
    const s = size.scenarios;
    const add = (name, r, notes) =>
      r &&
      rows.push(
        `| ${name} | ${fmt(size.repos)} | ${requestCells(r.requests).join(' | ')} | ${secs(r.wallMs)} | ${mb(r.peakRssMb)} | ${notes} |`,
      );
    add(
      'assess',
      s.assess,
      s.assess
        ? `${fmt(s.assess.findings)} findings; ${s.baseline ? `${(s.baseline.requests.total / s.assess.requests.total).toFixed(1)}× fewer requests than the baseline` : ''}`
        : '',
    );
    add(
      'baseline (seed script)',
      s.baseline,
      s.baseline ? `one protection GET per repository, ${results.options.baselineConcurrency} at a time` : '',
    );
    add(
      'apply (first)',
      s.apply1,
      s.apply1
        ? `scoped: ${s.apply1.repos} repositories; ${fmt(s.apply1.requests.writes)} writes, ${fmt(s.apply1.writesPerMinute)}/min`
        : '',
    );
    add('apply (second)', s.apply2, s.apply2 ? `${fmt(s.apply2.requests.writes)} writes` : '');
    add('rollback --last', s.rollback, s.rollback ? `${fmt(s.rollback.requests.writes)} writes` : '');
  }
  if (results.pacing) {
    const p = results.pacing;
    rows.push(
      `| apply, secondary limits on | ${fmt(1000)} | ${requestCells(p.requests).join(' | ')} | ${secs(p.wallMs)} | ${mb(p.peakRssMb)} | ${p.repos} repositories; ${fmt(p.requests.writes)} writes at ${fmt(p.writesPerMinute)}/min; ${fmt(p.secondaryLimited)} secondary-limit answers |`,
    );
  }
  if (results.audit) {
    const a = results.audit;
    rows.push(
      `| audit export | – | – | – | – | – | – | – | ${secs(a.wallMs)} | ${mb(a.peakRssMb)} | ${fmt(a.exported)} of ${fmt(a.events)} events, ndjson to a file |`,
    );
  }
  if (results.help) {
    const h = results.help;
    rows.push(`| --help | – | – | – | – | – | – | – | ${h.medianMs} ms (p95 ${h.p95Ms} ms) | ${mb(h.peakRssMb)} | ${h.runs} spawns |`);
  }
  return rows.join('\n');
}

function checkTargets(results) {
  const out = [];
  for (const size of results.sizes) {
    const a = size.scenarios.assess;
    const b = size.scenarios.baseline;
    if (a && size.repos === 10_000) {
      out.push({
        target: `assess 10k: ≤ ${TARGETS.assessRequests10k} requests`,
        value: a.requests.total,
        pass: a.requests.total <= TARGETS.assessRequests10k,
      });
      out.push({
        target: `assess 10k: ≤ ${TARGETS.assessWallMs10k / 1000} s`,
        value: `${(a.wallMs / 1000).toFixed(1)} s`,
        pass: a.wallMs <= TARGETS.assessWallMs10k,
      });
      if (a.peakRssMb !== null)
        out.push({
          target: `assess 10k: ≤ ${TARGETS.assessRssMb10k} MB RSS`,
          value: `${a.peakRssMb} MB`,
          pass: a.peakRssMb <= TARGETS.assessRssMb10k,
        });
    }
    if (a && b && size.repos === 10_000) {
      const ratio = b.requests.total / a.requests.total;
      out.push({
        target: `assess 10k: ≥ ${TARGETS.baselineRatio}× fewer requests than the baseline`,
        value: `${ratio.toFixed(1)}×`,
        pass: ratio >= TARGETS.baselineRatio,
      });
    }
    const second = size.scenarios.apply2;
    if (second)
      out.push({
        target: `second apply (${size.repos}): ${TARGETS.secondApplyWrites} writes`,
        value: second.requests.writes,
        pass: second.requests.writes === TARGETS.secondApplyWrites,
      });
  }
  if (results.pacing)
    out.push({
      target: 'apply at the default pace: 0 secondary-limit answers',
      value: results.pacing.secondaryLimited,
      pass: results.pacing.secondaryLimited === 0,
    });
  if (results.audit?.peakRssMb != null)
    out.push({
      target: `audit export of ${fmt(results.audit.events)} events: ≤ ${TARGETS.auditRssMb} MB RSS`,
      value: `${results.audit.peakRssMb} MB`,
      pass: results.audit.peakRssMb <= TARGETS.auditRssMb,
    });
  if (results.help)
    out.push({
      target: `--help: ≤ ${TARGETS.helpMs} ms (median)`,
      value: `${results.help.medianMs} ms`,
      pass: results.help.medianMs <= TARGETS.helpMs,
    });
  return out;
}

function writeReadme(file, results, command) {
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const targets = results.targets.map((t) => `- ${t.pass ? '✅' : '❌'} ${t.target}: ${t.value}`).join('\n');
  const block = `${begin}
Measured ${results.generatedAt} on ${results.host.cpus}× ${results.host.cpuModel}, Node ${results.node}, peak RSS by ${results.rssMethod}; latency ${results.options.latencyMs} ms per simulated request, seed ${results.options.seed}.

\`\`\`
${command}
\`\`\`

${renderTable(results)}

${targets}
${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
  const next =
    current.includes(begin) && current.includes(end)
      ? current.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

// ----------------------------------------------------------------- main

export async function runBench(argv = process.argv.slice(2)) {
  const options = parseOptions(argv);
  const method = rssMethod();
  const command = `node bench/run.js ${argv.join(' ')}`.trim();
  const results = {
    generatedAt: new Date().toISOString(),
    command,
    node: process.versions.node,
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(os.totalmem() / 1048576) },
    rssMethod: method,
    options,
    sizes: [],
    pacing: null,
    audit: null,
    help: null,
    targets: [],
  };
  const want = (s) => options.scenarios.includes(s);
  // Written after every scenario, so a failure late in a long run keeps what was measured.
  const save = () => {
    results.targets = checkTargets(results);
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  };
  const cleanupBuild = snapshotBuild();
  try {
    for (const repos of options.repos) {
      log(options, `== ${repos} repositories, ${options.latencyMs} ms latency`);
      const sim = await startSimulator(options, { repos, latencyMs: options.latencyMs });
      const tmp = tempEnv();
      const size = { repos, scenarios: {} };
      try {
        if (want('assess')) {
          size.scenarios.assess = await scenarioAssess(sim, tmp, method);
          log(
            options,
            `assess: ${size.scenarios.assess.requests.total} requests, ${secs(size.scenarios.assess.wallMs)}, ${mb(size.scenarios.assess.peakRssMb)}`,
          );
        }
        if (want('baseline')) {
          size.scenarios.baseline = await scenarioBaseline(sim, options.baselineConcurrency);
          log(options, `baseline: ${size.scenarios.baseline.requests.total} requests, ${secs(size.scenarios.baseline.wallMs)}`);
        }
        if (want('apply') || want('rollback')) {
          const scope = await pickApplyRepos(sim, options.applyRepos);
          size.scenarios.apply1 = await scenarioApply(sim, tmp, method, scope, 'first');
          log(options, `apply (first): ${size.scenarios.apply1.requests.writes} writes, ${secs(size.scenarios.apply1.wallMs)}`);
          size.scenarios.apply2 = await scenarioApply(sim, tmp, method, scope, 'second');
          log(options, `apply (second): ${size.scenarios.apply2.requests.writes} writes, ${secs(size.scenarios.apply2.wallMs)}`);
          if (want('rollback')) {
            size.scenarios.rollback = await scenarioRollback(sim, tmp, method, size.scenarios.apply1.changeSetId);
            log(options, `rollback: ${size.scenarios.rollback.requests.writes} writes, ${secs(size.scenarios.rollback.wallMs)}`);
          }
        }
      } finally {
        tmp.cleanup();
        await sim.stop();
      }
      results.sizes.push(size);
      save();
    }
    if (want('pacing')) {
      log(options, '== pacing (secondary limits on)');
      results.pacing = await scenarioPacing(options, method);
      log(
        options,
        `pacing: ${results.pacing.requests.writes} writes at ${results.pacing.writesPerMinute}/min, ${results.pacing.secondaryLimited} secondary-limit answers`,
      );
      save();
    }
    if (want('audit')) {
      log(options, `== audit export of ${options.auditEvents} events`);
      results.audit = await scenarioAudit(options, method);
      log(options, `audit: ${secs(results.audit.wallMs)}, ${mb(results.audit.peakRssMb)}`);
      save();
    }
    if (want('help')) {
      results.help = await scenarioHelp(options, method);
      log(options, `--help: median ${results.help.medianMs} ms`);
    }
  } finally {
    cleanupBuild();
  }
  save();
  if (options.readme)
    writeReadme(
      options.readme,
      results,
      command === 'node bench/run.js' ? 'npm run bench   # = npm run build && node bench/run.js' : command,
    );
  log(options, `\n${renderTable(results)}\n`);
  for (const t of results.targets) log(options, `${t.pass ? 'PASS' : 'FAIL'} ${t.target}: ${t.value}`);
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runBench().catch((err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
