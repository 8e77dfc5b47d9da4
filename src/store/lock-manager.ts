/**
 * One mutating run per store. The lock is a single row (id = 1) taken inside
 * BEGIN IMMEDIATE: SQLite serialises the check-and-insert, so two processes racing
 * cannot both win, and a crashed holder leaves a row with its pid and host that the
 * next run can judge.
 *
 * Stale locks: a holder on this host whose pid is gone is taken over automatically
 * (audited). A holder on another host cannot be checked from here: only `breakLock`
 * (the explicit `--force-unlock` path) removes it, and only once its heartbeat is older
 * than the caller's threshold plus the clock-skew tolerance.
 */
import { randomUUID } from 'node:crypto';
import { LockHeldError } from '../core/errors.js';
import { localActor } from './process-info.js';
import type { StoreContext } from './store-context.js';
import type { AcquireLockInput, AuditLog, LockHandle, LockInfo, LockManager, RunsRepo } from './types.js';

interface LockRow {
  token: string;
  pid: number;
  host: string;
  command: string;
  actor: string | null;
  started_at: string;
  heartbeat_at: string;
}

const DEFAULT_HEARTBEAT_MS = 30_000;

function rowToInfo(r: LockRow): LockInfo {
  return { pid: r.pid, host: r.host, command: r.command, actor: r.actor, startedAt: r.started_at, heartbeatAt: r.heartbeat_at };
}

/** `2026-11-25 12:01:05 UTC`: precise, and unambiguous across hosts in other time zones. */
export function formatLockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

/** `another qms (pid 1234 on build-7, `qms apply`, since 2026-11-25 12:01:05 UTC) holds the lock on /x/qms.db` */
export function describeLockHolder(info: LockInfo, dbPath: string): string {
  return `another qms (pid ${info.pid} on ${info.host}, \`${info.command}\`, since ${formatLockTime(info.startedAt)}) holds the lock on ${dbPath}`;
}

export class SqliteLockManager implements LockManager {
  private readonly handles = new Set<SqliteLockHandle>();

  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditLog,
    private readonly runs: RunsRepo,
  ) {}

  private read(): LockRow | undefined {
    return this.ctx.stmt('SELECT * FROM lock WHERE id = 1').get() as LockRow | undefined;
  }

  current(): LockInfo | null {
    const row = this.read();
    return row ? rowToInfo(row) : null;
  }

  acquire(input: AcquireLockInput): LockHandle {
    if (!input.command) throw new TypeError('acquire needs the command that takes the lock');
    const token = randomUUID();
    const pid = input.pid ?? process.pid;
    const host = input.host ?? this.ctx.options.host;
    const actor = input.actor ?? localActor();
    const info = this.ctx.write((): LockInfo => {
      const now = this.ctx.nowIso();
      const existing = this.read();
      if (existing) {
        const holder = rowToInfo(existing);
        const onThisHost = existing.host === this.ctx.options.host;
        if (!onThisHost || this.ctx.options.isProcessAlive(existing.pid)) throw this.heldError(holder);
        // The holder died without releasing (kill -9, power loss): take over, on the record.
        this.ctx.stmt('DELETE FROM lock WHERE id = 1 AND token = ?').run(existing.token);
        this.audit.append({
          actor,
          action: 'lock.recovered',
          target: 'lock',
          details: {
            previous: holder,
            reason: `pid ${existing.pid} on ${existing.host} is no longer running`,
            by: { pid, host, command: input.command },
          },
        });
      }
      const startedAt = (input.startedAt ?? this.ctx.options.now()).toISOString();
      this.ctx
        .stmt(`INSERT INTO lock (id, token, pid, host, command, actor, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)`)
        .run(token, pid, host, input.command, actor, startedAt, now);
      this.audit.append({ actor, action: 'lock.acquired', target: 'lock', details: { pid, host, command: input.command } });
      // Holding the lock, any run on this host whose process is gone is certainly not running.
      this.runs.markInterrupted();
      return { pid, host, command: input.command, actor, startedAt, heartbeatAt: now };
    });
    const handle = new SqliteLockHandle(this.ctx, this.audit, token, info, () => this.handles.delete(handle));
    this.handles.add(handle);
    handle.startHeartbeat(input.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    return handle;
  }

  breakLock(options: { actor: string; reason: string; olderThanMs: number }): LockInfo | null {
    if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) throw new TypeError('olderThanMs must be >= 0');
    if (!options.actor) throw new TypeError('breaking a lock needs an actor');
    return this.ctx.write(() => {
      const existing = this.read();
      if (!existing) return null;
      const holder = rowToInfo(existing);
      const onThisHost = existing.host === this.ctx.options.host;
      if (onThisHost && this.ctx.options.isProcessAlive(existing.pid)) {
        throw new LockHeldError(`${describeLockHolder(holder, this.ctx.options.dbPath)}; it is still running, refusing to break the lock`, {
          hint: `stop that process (pid ${existing.pid}) first`,
        });
      }
      if (!onThisHost) {
        // Its heartbeat comes from another clock: demand the skew tolerance on top.
        const silentFor = this.ctx.options.now().getTime() - Date.parse(existing.heartbeat_at);
        const required = options.olderThanMs + this.ctx.options.clockSkewToleranceMs;
        if (!(silentFor >= required)) {
          throw new LockHeldError(
            `${describeLockHolder(holder, this.ctx.options.dbPath)}; its last heartbeat was ${formatDuration(silentFor)} ago, refusing to break a lock younger than ${formatDuration(required)}`,
            {
              hint: `check that the run on ${existing.host} is really gone, then retry after ${formatLockTime(new Date(Date.parse(existing.heartbeat_at) + required).toISOString())}`,
            },
          );
        }
      }
      this.ctx.stmt('DELETE FROM lock WHERE id = 1 AND token = ?').run(existing.token);
      this.audit.append({
        actor: options.actor,
        action: 'lock.broken',
        target: 'lock',
        details: { previous: holder, reason: options.reason },
      });
      return holder;
    });
  }

  /** Called by Store.close(): a lock the caller forgot is released, not left for recovery. */
  releaseAll(): void {
    for (const h of [...this.handles]) {
      try {
        h.release();
      } catch {
        h.stopHeartbeat();
      }
    }
  }

  private heldError(holder: LockInfo): LockHeldError {
    const onThisHost = holder.host === this.ctx.options.host;
    const silentFor = this.ctx.options.now().getTime() - Date.parse(holder.heartbeatAt);
    const hint = onThisHost
      ? `wait for it to finish, or stop it (pid ${holder.pid}); a lock left by a dead process is recovered automatically`
      : `last heartbeat ${formatDuration(silentFor)} ago; if that run is gone, break the lock with --force-unlock`;
    return new LockHeldError(describeLockHolder(holder, this.ctx.options.dbPath), { hint });
  }
}

class SqliteLockHandle implements LockHandle {
  private isHeld = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditLog,
    private readonly token: string,
    readonly info: LockInfo,
    private readonly onDone: () => void,
  ) {}

  get held(): boolean {
    return this.isHeld;
  }

  startHeartbeat(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      try {
        this.heartbeat();
      } catch {
        // Busy or closed: the next beat (or assertHeld before a write) will tell.
      }
    }, intervalMs);
    this.timer.unref();
  }

  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  heartbeat(): boolean {
    if (!this.isHeld) return false;
    const changed = this.ctx.write(
      () => this.ctx.stmt('UPDATE lock SET heartbeat_at = ? WHERE id = 1 AND token = ?').run(this.ctx.nowIso(), this.token).changes,
    );
    if (changed === 0) this.lost();
    return this.isHeld;
  }

  assertHeld(): void {
    if (this.isHeld) {
      const row = this.ctx.stmt('SELECT token FROM lock WHERE id = 1').get() as { token: string } | undefined;
      if (row?.token === this.token) return;
      this.lost();
    }
    const holder = this.ctx.stmt('SELECT * FROM lock WHERE id = 1').get() as LockRow | undefined;
    const now = holder ? `; ${describeLockHolder(rowToInfo(holder), this.ctx.options.dbPath)}` : '';
    throw new LockHeldError(`this run no longer holds the lock on ${this.ctx.options.dbPath} (released or broken)${now}`, {
      hint: 'stopped before the next write; the change set is consistent and can be resumed or rolled back',
    });
  }

  release(): void {
    if (!this.isHeld) return;
    this.ctx.write(() => {
      const deleted = this.ctx.stmt('DELETE FROM lock WHERE id = 1 AND token = ?').run(this.token).changes;
      if (deleted > 0) {
        this.audit.append({
          actor: this.info.actor ?? localActor(),
          action: 'lock.released',
          target: 'lock',
          details: { pid: this.info.pid, host: this.info.host, command: this.info.command },
        });
      }
    });
    this.lost();
  }

  private lost(): void {
    this.isHeld = false;
    this.stopHeartbeat();
    this.onDone();
  }
}
