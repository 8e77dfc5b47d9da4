/**
 * `qms audit export` / `qms audit verify`: the hash-chained audit trail.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import type { AuditFilter } from '../../store/types.js';

interface ExportFlags {
  output?: string;
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  target?: string;
  run?: string;
  changeSet?: string;
  force?: boolean;
}

interface VerifyFlags {
  expectHead?: string;
}

const EXPORT_HELP = `
Formats: --format json (the default; one document: store id, chain head,
filter, events), ndjson (one event per line), csv
(spreadsheet-safe: cells starting with = + - @ are prefixed with ').
Events stream from the store page by page: exports of millions of events use
constant memory. With --output the file appears whole (written to a temporary
file, then renamed) with mode 0600, or not at all.

Examples:
  $ qms audit export --format ndjson --since 2026-01-01 > audit-2026.ndjson
  $ qms audit export --format csv --action change. --output changes.csv
  $ qms audit verify --expect-head 1042:9f2c…   (a head you published earlier)`;

function parseDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} must be a date (YYYY-MM-DD) or an ISO timestamp; got "${value}"`);
  return d;
}

function parseId(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value)) throw new UsageError(`${flag} must be a positive whole number; got "${value}"`);
  return Number(value);
}

export function buildAuditFilter(flags: ExportFlags): AuditFilter {
  const filter: AuditFilter = {};
  const since = parseDate('--since', flags.since);
  const until = parseDate('--until', flags.until);
  if (since) filter.since = since;
  if (until) filter.until = until;
  if (since && until && since >= until) throw new UsageError('--since must be before --until');
  if (flags.actor) filter.actor = flags.actor;
  if (flags.action) filter.action = flags.action;
  if (flags.target) filter.target = flags.target;
  const run = parseId('--run', flags.run);
  const changeSet = parseId('--change-set', flags.changeSet);
  if (run !== undefined) filter.runId = run;
  if (changeSet !== undefined) filter.changeSetId = changeSet;
  return filter;
}

export function registerAudit(program: Command, ctx: ProgramContext): void {
  const audit = program.command('audit').description('export and verify the hash-chained audit trail');

  audit
    .command('export')
    .description('stream audit events as json, ndjson or csv (filters: time, actor, action, target, run, change set)')
    .option('--output <file>', 'write to this file (whole or not at all) instead of stdout')
    .option('--force', 'overwrite --output if it exists')
    .option('--since <date>', 'events at or after this date/time (UTC)')
    .option('--until <date>', 'events before this date/time (UTC)')
    .option('--actor <login>', 'only this actor')
    .option('--action <action>', 'an action, or a prefix ending in "." (e.g. change.)')
    .option('--target <target>', 'a target, or a prefix ending in "*" (e.g. acme/api:*)')
    .option('--run <id>', 'only events of this run')
    .option('--change-set <id>', 'only events of this change set')
    .addHelpText('after', EXPORT_HELP)
    .action(async (_opts: ExportFlags, cmd: Command) => {
      await ctx.run<ExportFlags>(cmd, async (flags, runtime: Runtime) => {
        const requested = runtime.options.format;
        if (requested === 'markdown' || requested === 'table') {
          throw new UsageError(`audit export writes json, ndjson or csv; ${requested} is not an export format`);
        }
        const format = requested ?? 'json';
        const filter = buildAuditFilter(flags);
        const store = await runtime.store({ readonly: true });
        const { exportAudit } = await import('../../services/audit.js');
        if (!flags.output) {
          const result = await exportAudit(store, runtime.io.stdout, { format, filter, generatedAt: new Date() });
          runtime.logger.info(`exported ${result.events} audit event${result.events === 1 ? '' : 's'}`);
          return;
        }
        const target = path.resolve(runtime.io.cwd, flags.output);
        if (fs.existsSync(target) && !flags.force) throw new UsageError(`${flags.output} exists; pass --force to overwrite it`);
        const tmp = `${target}.${process.pid}.tmp`;
        const sink = fs.createWriteStream(tmp, { mode: 0o600 });
        try {
          const result = await exportAudit(store, sink, { format, filter, generatedAt: new Date() });
          await new Promise<void>((resolve, reject) => {
            sink.once('error', reject);
            sink.end(() => resolve());
          });
          const fd = fs.openSync(tmp, 'r');
          fs.fsyncSync(fd);
          fs.closeSync(fd);
          fs.renameSync(tmp, target);
          runtime.logger.info(`exported ${result.events} audit event${result.events === 1 ? '' : 's'} to ${flags.output}`);
        } catch (err) {
          sink.destroy();
          fs.rmSync(tmp, { force: true });
          throw err;
        }
      });
    });

  audit
    .command('verify')
    .description('walk the whole hash chain and prove nothing was altered or removed (exit 1 if it was)')
    .option('--expect-head <seq:hash>', 'also prove the chain still contains a head published earlier (no truncation)')
    .action(async (_opts: VerifyFlags, cmd: Command) => {
      await ctx.run<VerifyFlags>(cmd, async (flags, runtime: Runtime) => {
        const { verifyAudit, parseChainHead } = await import('../../services/audit.js');
        let expect;
        if (flags.expectHead !== undefined) {
          expect = parseChainHead(flags.expectHead);
          if (!expect)
            throw new UsageError(
              `--expect-head must look like SEQ:SHA256HEX (from a previous "qms audit verify"); got "${flags.expectHead}"`,
            );
        }
        const store = await runtime.store({ readonly: true });
        const result = verifyAudit(store, expect ?? undefined);
        if (runtime.options.json) {
          runtime.io.stdout.write(`${JSON.stringify({ store: store.path, store_id: store.storeId, ...result }, null, 2)}\n`);
        } else if (result.ok) {
          const head = result.head ? `${result.head.seq}:${result.head.hash}` : '(empty)';
          runtime.io.stdout.write(`ok: ${result.count} audit events verified in ${store.path}\nhead ${head}\n`);
        } else {
          runtime.io.stdout.write(
            `BROKEN at event ${result.firstBadSeq ?? '?'}: ${result.reason ?? 'hash mismatch'} (${result.count} events checked)\n`,
          );
        }
        return result.ok ? ExitCode.Ok : ExitCode.Findings;
      });
    });
}
