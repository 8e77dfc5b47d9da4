/**
 * `qms rollback [CHANGESET] | --last [--org O] [--repo R]... [--force] [--yes] [--dry-run]`:
 * restore the before-states a change set recorded (services/rollback.ts).
 *
 * Exit codes: 0 every change back at its before-state, 2 usage (no such change
 * set, no --yes without a terminal), 3 GitHub auth/API error before any change,
 * 4 partial (a restore failed, or a target drifted and was left alone without
 * --force), 5 another mutating run holds the lock, 130 interrupted.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import { toolVersion } from './assess.js';
import { describeCommand } from './apply.js';
import { collectRepos } from '../read-options.js';

interface RollbackFlags {
  last?: boolean;
  org?: string;
  repo?: string[];
  force?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  settleTime?: string;
}

export function registerRollback(program: Command, ctx: ProgramContext): void {
  program
    .command('rollback')
    .description(
      "restore a change set's before-states (PUT back, or DELETE where nothing existed); refuses to overwrite drift unless --force",
    )
    .argument('[changeset]', 'change set id (see qms history)')
    .option(
      '--last',
      'the change set of the last run that changed GitHub (apply, classify --write-properties…); refused when that run made no change',
    )
    .option('--org <org>', 'with --last: only runs of this organization')
    .option('--repo <name>', 'only changes of this repository; repeat (or comma-separate) for several', collectRepos)
    .option('--force', 'restore targets someone changed since qms applied them (overwrites their change)')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'show what would be restored, write nothing')
    .option(
      '--settle-time <seconds>',
      "how long a killed run's write may still be processed by GitHub before its target is decided (default 12: GitHub ends a request after 10 s)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 all restored, 2 bad arguments (or no --yes without a terminal), 3 GitHub auth/API error,\n' +
        '4 partial (a restore failed, or drifted targets were left alone), 5 another mutating run holds the lock, 130 interrupted.',
    )
    .action(async (changeset: string | undefined, _opts: RollbackFlags, cmd: Command) => {
      await ctx.run<RollbackFlags>(cmd, (flags, runtime) => runRollbackCommand(flags, runtime, changeset), changeset ? [changeset] : []);
    });
}

function parseId(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value.trim()))
    throw new UsageError(`${what} must be a change set id (a positive whole number); got ${JSON.stringify(value.slice(0, 40))}`);
  const n = Number(value.trim());
  if (n < 1) throw new UsageError(`${what} must be a positive whole number`);
  return n;
}

/** `--settle-time SECONDS` (decimal, 0–3600) as milliseconds. */
function parseSettleTime(value: string | undefined): { strayWriteWindowMs?: number } {
  if (value === undefined) return {};
  const seconds = /^\d{1,4}(?:\.\d{1,3})?$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(seconds >= 0 && seconds <= 3600)) {
    throw new UsageError(`--settle-time must be a number of seconds from 0 to 3600; got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return { strayWriteWindowMs: Math.round(seconds * 1000) };
}

async function runRollbackCommand(flags: RollbackFlags, runtime: Runtime, changeset: string | undefined): Promise<number> {
  if (changeset === undefined && !flags.last)
    throw new UsageError('which change set? give its id or --last', { hint: 'qms history lists the change sets' });
  if (changeset !== undefined && flags.last) throw new UsageError('give a change set id or --last, not both');
  const changeSetId = changeset === undefined ? undefined : parseId(changeset, 'CHANGESET');
  const assess = await import('../../services/assess.js');
  const org = flags.org === undefined ? undefined : assess.parseOrgOption(flags.org);
  if (org !== undefined && !flags.last)
    throw new UsageError('--org only selects with --last (a change set id names its organization already)');
  const yes = flags.yes === true;
  const dryRun = flags.dryRun === true;
  const force = flags.force === true;
  const { requireConfirmationPossible, askYesNo } = await import('../../services/confirm.js');
  requireConfirmationPossible({ yes, dryRun, stdinIsTTY: runtime.io.stdinIsTTY, command: 'qms rollback' });
  // Ctrl-C finishes the write in flight, then stops between steps (exit 130).
  if (!dryRun) runtime.deferInterrupts();

  const [{ runRollback }, view] = await Promise.all([import('../../services/rollback.js'), import('../../output/apply-view.js')]);
  // A dry run records nothing: read-only, so it works beside a running apply.
  const store = await runtime.store(dryRun ? { readonly: true } : {});
  const gateway = await runtime.gateway();
  const json = runtime.options.json;
  const command = describeCommand('rollback', [
    changeSetId !== undefined ? String(changeSetId) : '--last',
    org !== undefined && `--org ${org}`,
    ...(flags.repo ?? []).map((r) => `--repo ${r}`),
    force && '--force',
  ]);
  const result = await runRollback(
    {
      ...parseSettleTime(flags.settleTime),
      gateway,
      store,
      logger: runtime.logger,
      signal: runtime.signal,
      viewer: async () => (await runtime.viewer()).login,
      command,
      apiHost: runtime.apiHost,
      announce: (target) => {
        const run = target.run;
        const what = run
          ? `run ${run.id}${target.command ? ` \`${target.command}\`` : ` (${run.kind})`}, started ${run.startedAt} by ${run.actor ?? 'unknown'}, ${run.status}`
          : 'its run is not recorded';
        runtime.logger.info(
          `Rolling back change set ${target.changeSet.id} (${target.changeSet.kind}, ${target.changeSet.status}) of ${what}`,
        );
      },
      toolVersion: toolVersion() ?? '0',
      showPlan: (preview) => {
        if (!json) runtime.io.stdout.write(view.renderRollbackPreview(preview, { color: runtime.color }));
      },
      confirm: (preview) =>
        askYesNo(
          `Restore ${preview.counts.restore} target${preview.counts.restore === 1 ? '' : 's'} of change set ${preview.changeSet.id}?`,
          {
            input: process.stdin,
            output: runtime.io.stderr,
            signal: runtime.signal,
          },
        ),
      onStep: (r, i, total) => runtime.logger.info(view.formatRollbackStep(r, i, total)),
    },
    {
      ...(changeSetId !== undefined ? { changeSetId } : { last: true }),
      ...(org !== undefined ? { org } : {}),
      ...(flags.repo && flags.repo.length > 0 ? { repos: flags.repo } : {}),
      force,
      yes,
      dryRun,
    },
  );
  if (json) {
    const { toJson } = await import('../../output/formats.js');
    runtime.io.stdout.write(
      toJson(view.rollbackToDocument(result.preview, dryRun ? null : result, { dryRun, toolVersion: toolVersion() })),
    );
  } else if (!dryRun) {
    const text = view.renderRollbackResult(result, { color: runtime.color });
    if (text) runtime.io.stdout.write(`\n${text}`);
    else if (result.changeSetId === null) runtime.io.stdout.write('\nNothing to roll back.\n');
  }
  if (result.changeSetId !== null) runtime.logger.info(`recorded as change set ${result.changeSetId} in ${runtime.dbPath}`);
  return result.exitCode;
}
