/**
 * Runs, their findings and per-repo results: what assess/classify/drift record and
 * what report/drift read back.
 */
import { StoreStateError } from './errors.js';
import { assertPositiveInt, fromJsonColumn, inList, sanitizeApiUrl, toJsonColumn, WhereBuilder } from './json-columns.js';
import { localActor } from './process-info.js';
import { PAGE_SIZE, type StoreContext } from './store-context.js';
import type {
  FindingFilter,
  FindingInput,
  FindingRecord,
  FinishedRunStatus,
  RepoResultInput,
  RepoResultRecord,
  RepoResultStatus,
  RunFilter,
  RunRecord,
  RunsRepo,
  RunStatus,
  StartRunInput,
  AuditLog,
} from './types.js';

interface RunRow {
  id: number;
  kind: string;
  org: string | null;
  args: string | null;
  actor: string | null;
  api_host: string | null;
  tool_version: string | null;
  pid: number | null;
  host: string | null;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  summary: string | null;
}

interface FindingRow {
  id: number;
  run_id: number;
  repo: string;
  branch: string | null;
  setting: string;
  expected: string | null;
  actual: string | null;
  severity: string;
  tier: string | null;
  status: string;
  message: string | null;
}

interface RepoResultRow {
  run_id: number;
  repo: string;
  status: RepoResultStatus;
  reason: string | null;
  tier: string | null;
  level: string | null;
  details: string | null;
  recorded_at: string;
}

const FINISHED: readonly FinishedRunStatus[] = ['succeeded', 'failed', 'partial', 'interrupted'];

function rowToRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    kind: r.kind,
    org: r.org,
    args: fromJsonColumn(r.args),
    actor: r.actor,
    apiHost: r.api_host,
    toolVersion: r.tool_version,
    pid: r.pid,
    host: r.host,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
    summary: fromJsonColumn(r.summary),
  };
}

function rowToFinding(r: FindingRow): FindingRecord {
  return {
    id: r.id,
    runId: r.run_id,
    repo: r.repo,
    branch: r.branch,
    setting: r.setting,
    expected: fromJsonColumn(r.expected),
    actual: fromJsonColumn(r.actual),
    severity: r.severity,
    tier: r.tier,
    status: r.status,
    message: r.message,
  };
}

function rowToRepoResult(r: RepoResultRow): RepoResultRecord {
  return {
    runId: r.run_id,
    repo: r.repo,
    status: r.status,
    reason: r.reason,
    tier: r.tier,
    level: r.level,
    details: fromJsonColumn(r.details),
    recordedAt: r.recorded_at,
  };
}

export class SqliteRunsRepo implements RunsRepo {
  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditLog,
  ) {}

  start(input: StartRunInput): RunRecord {
    if (!input.kind) throw new TypeError('a run needs a kind');
    const args = toJsonColumn(this.ctx.scrub(input.args));
    return this.ctx.write(() => {
      const info = this.ctx
        .stmt(
          `INSERT INTO runs (kind, org, args, actor, api_host, tool_version, pid, host, started_at, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`,
        )
        .run(
          input.kind,
          input.org ?? null,
          args,
          input.actor ?? null,
          sanitizeApiUrl(input.apiUrl),
          input.toolVersion ?? null,
          input.pid ?? process.pid,
          input.host ?? this.ctx.options.host,
          this.ctx.nowIso(),
        );
      const run = this.mustGet(Number(info.lastInsertRowid));
      this.audit.append({
        actor: run.actor ?? localActor(),
        action: 'run.started',
        target: `run:${run.id}`,
        runId: run.id,
        details: { kind: run.kind, org: run.org, apiHost: run.apiHost, args: run.args, toolVersion: run.toolVersion },
      });
      return run;
    });
  }

  finish(runId: number, status: FinishedRunStatus, summary?: unknown): RunRecord {
    if (!FINISHED.includes(status)) throw new TypeError(`not a final run status: ${status}`);
    const summaryText = toJsonColumn(this.ctx.scrub(summary));
    return this.ctx.write(() => {
      const changed = this.ctx
        .stmt(`UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE id = ? AND status = 'running'`)
        .run(status, this.ctx.nowIso(), summaryText, runId).changes;
      const run = this.get(runId);
      if (!run) throw new StoreStateError(`no run ${runId}`);
      if (changed === 0) throw new StoreStateError(`run ${runId} is already ${run.status}`);
      this.audit.append({
        actor: run.actor ?? localActor(),
        action: 'run.finished',
        target: `run:${run.id}`,
        runId: run.id,
        details: { kind: run.kind, org: run.org, status, summary: run.summary },
      });
      return run;
    });
  }

  get(runId: number): RunRecord | null {
    const row = this.ctx.stmt('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    return row ? rowToRun(row) : null;
  }

  private mustGet(runId: number): RunRecord {
    const run = this.get(runId);
    if (!run) throw new StoreStateError(`no run ${runId}`);
    return run;
  }

  list(filter: RunFilter = {}): RunRecord[] {
    const w = new WhereBuilder();
    if (filter.kind !== undefined) w.add('kind = ?', filter.kind);
    w.addIn('kind', filter.kinds === undefined ? undefined : [...filter.kinds]);
    if (filter.org !== undefined) w.add('org = ?', filter.org);
    w.addIn('status', inList(filter.status));
    if (filter.beforeId !== undefined) w.add('id < ?', filter.beforeId);
    const limit = filter.limit ?? 50;
    assertPositiveInt(limit, 'limit');
    const rows = this.ctx.stmt(`SELECT * FROM runs ${w.toString()} ORDER BY id DESC LIMIT ?`).all(...w.params, limit) as RunRow[];
    return rows.map(rowToRun);
  }

  latest(filter: Omit<RunFilter, 'limit' | 'beforeId'>): RunRecord | null {
    return this.list({ ...filter, limit: 1 })[0] ?? null;
  }

  markInterrupted(options: { host?: string; isAlive?: (pid: number) => boolean } = {}): number[] {
    const host = options.host ?? this.ctx.options.host;
    const isAlive = options.isAlive ?? this.ctx.options.isProcessAlive;
    return this.ctx.write(() => {
      const running = this.ctx
        .stmt(`SELECT * FROM runs WHERE status = 'running' AND host = ? AND pid IS NOT NULL ORDER BY id`)
        .all(host) as RunRow[];
      const marked: number[] = [];
      for (const r of running) {
        if (r.pid === process.pid && host === this.ctx.options.host) continue;
        if (isAlive(r.pid!)) continue;
        const now = this.ctx.nowIso();
        this.ctx.stmt(`UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'`).run(now, r.id);
        const sets = this.ctx
          .stmt(
            `UPDATE change_sets SET status = 'interrupted', finished_at = ? WHERE run_id = ? AND status IN ('planned', 'in_progress') RETURNING id`,
          )
          .all(now, r.id) as { id: number }[];
        this.audit.append({
          actor: r.actor ?? localActor(),
          action: 'run.interrupted',
          target: `run:${r.id}`,
          runId: r.id,
          details: { kind: r.kind, org: r.org, pid: r.pid, host: r.host, changeSets: sets.map((s) => s.id) },
        });
        marked.push(r.id);
      }
      return marked;
    });
  }

  addFindings(runId: number, findings: readonly FindingInput[]): void {
    if (findings.length === 0) return;
    const rows = findings.map((f) => [
      runId,
      f.repo,
      f.branch,
      f.setting,
      toJsonColumn(f.expected),
      toJsonColumn(f.actual),
      f.severity,
      f.tier,
      f.status,
      f.message ?? null,
    ]);
    this.ctx.write(() => {
      const insert = this.ctx.stmt(
        `INSERT INTO findings (run_id, repo, branch, setting, expected, actual, severity, tier, status, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) insert.run(...r);
    });
  }

  private findingWhere(runId: number, filter: FindingFilter): WhereBuilder {
    const w = new WhereBuilder().add('run_id = ?', runId);
    if (filter.repo !== undefined) w.add('repo = ?', filter.repo);
    if (filter.branch !== undefined) w.add('branch = ?', filter.branch);
    w.addIn('status', inList(filter.status));
    w.addIn('severity', inList(filter.severity));
    return w;
  }

  *iterateFindings(runId: number, filter: FindingFilter = {}): Generator<FindingRecord> {
    const w = this.findingWhere(runId, filter);
    const stmt = this.ctx.stmt(`SELECT * FROM findings ${w.toString()} AND id > ? ORDER BY id LIMIT ${PAGE_SIZE}`);
    let after = 0;
    for (;;) {
      const rows = stmt.all(...w.params, after) as FindingRow[];
      for (const r of rows) yield rowToFinding(r);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  countFindings(runId: number, filter: FindingFilter = {}): number {
    const w = this.findingWhere(runId, filter);
    return (this.ctx.stmt(`SELECT COUNT(*) AS n FROM findings ${w.toString()}`).get(...w.params) as { n: number }).n;
  }

  setRepoResult(runId: number, result: RepoResultInput): void {
    if (!result.repo) throw new TypeError('a repo result needs a repo');
    const details = toJsonColumn(result.details);
    this.ctx.write(() => {
      this.ctx
        .stmt(
          `INSERT INTO repo_results (run_id, repo, status, reason, tier, level, details, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, repo) DO UPDATE SET status = excluded.status, reason = excluded.reason, tier = excluded.tier,
             level = excluded.level, details = excluded.details, recorded_at = excluded.recorded_at`,
        )
        .run(
          runId,
          result.repo,
          result.status,
          result.reason ?? null,
          result.tier ?? null,
          result.level ?? null,
          details,
          this.ctx.nowIso(),
        );
    });
  }

  getRepoResult(runId: number, repo: string): RepoResultRecord | null {
    const row = this.ctx.stmt('SELECT * FROM repo_results WHERE run_id = ? AND repo = ?').get(runId, repo) as RepoResultRow | undefined;
    return row ? rowToRepoResult(row) : null;
  }

  *iterateRepoResults(runId: number, filter: { status?: RepoResultStatus | RepoResultStatus[] } = {}): Generator<RepoResultRecord> {
    const w = new WhereBuilder().add('run_id = ?', runId);
    w.addIn('status', inList(filter.status));
    const stmt = this.ctx.stmt(`SELECT * FROM repo_results ${w.toString()} AND repo > ? ORDER BY repo LIMIT ${PAGE_SIZE}`);
    let after = '';
    for (;;) {
      const rows = stmt.all(...w.params, after) as RepoResultRow[];
      for (const r of rows) yield rowToRepoResult(r);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.repo;
    }
  }
}
