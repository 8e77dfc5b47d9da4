/**
 * `qms apply --org O [--tier T] [--repo R]... [--phase P] [--yes] [--dry-run] [--concurrency N]`:
 * take the store lock, evaluate, plan, show the plan, confirm, then write one step
 * at a time with the before-state committed to SQLite first (services/apply.ts).
 *
 * Without a terminal `--yes` is required (exit 2 before anything is read).
 * Exit codes: 0 done (findings do not matter here), 2 usage/config, 3 GitHub
 * auth/API error before any change, 4 some steps failed (the rest done and
 * recorded), 5 another mutating run holds the lock, 130 interrupted.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import { addPlanOptions, parsePlanFlags, planDeps, printPlan, type PlanFlags } from './plan.js';
import { toolVersion } from './assess.js';

interface ApplyFlags extends PlanFlags {
  yes?: boolean;
  dryRun?: boolean;
}

export function registerApply(program: Command, ctx: ProgramContext): void {
  addPlanOptions(program.command('apply').description('enforce the tiers: snapshot each target, write, verify; idempotent (see qms plan)'))
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'show the plan, write nothing (same as qms plan)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad flags or config (or no --yes without a terminal), 3 GitHub auth/API error before any change,\n' +
        '4 some steps failed (the rest done and recorded), 5 another mutating run holds the lock, 130 interrupted.\n' +
        'Undo with: qms rollback --last',
    )
    .action(async (_opts: ApplyFlags, cmd: Command) => {
      await ctx.run<ApplyFlags>(cmd, runApplyCommand);
    });
}

/** `qms apply --org acme --tier standard`: how the lock names this run (no secrets: flags only). */
export function describeCommand(name: string, parts: (string | undefined | false)[]): string {
  return [`qms ${name}`, ...parts.filter((p): p is string => typeof p === 'string' && p !== '')].join(' ');
}

async function runApplyCommand(flags: ApplyFlags, runtime: Runtime): Promise<number> {
  const { request, concurrency, reader } = await parsePlanFlags(flags);
  const yes = flags.yes === true;
  const dryRun = flags.dryRun === true;
  const { requireConfirmationPossible, askYesNo } = await import('../../services/confirm.js');
  // Cron without --yes: refuse before reading anything (exit 2, zero requests).
  requireConfirmationPossible({ yes, dryRun, stdinIsTTY: runtime.io.stdinIsTTY, command: 'qms apply' });
  // Ctrl-C finishes the write in flight, then stops between steps (exit 130).
  if (!dryRun) runtime.deferInterrupts();

  const [{ runApply }, applyView, { startProgress }] = await Promise.all([
    import('../../services/apply.js'),
    import('../../output/apply-view.js'),
    import('../../output/progress.js'),
  ]);
  const progress = await startProgress(`Reading ${request.org}…`, { interactive: runtime.interactive, stream: runtime.io.stderr });
  const deps = await planDeps(runtime, { concurrency, reader }, (done, total) =>
    progress.update(`Reading ${request.org}: ${done}/${total ?? '?'} repositories`),
  );
  const store = dryRun ? null : await runtime.store();
  const command = describeCommand('apply', [
    `--org ${request.org}`,
    request.tier !== undefined && `--tier ${request.tier}`,
    request.phase !== undefined && `--phase ${request.phase}`,
    ...(request.repos ?? []).map((r) => `--repo ${r}`),
  ]);
  const json = runtime.options.json;
  let result;
  try {
    result = await runApply(
      {
        ...deps,
        ...(store ? { store } : {}),
        viewer: async () => (await runtime.viewer()).login,
        command,
        apiHost: runtime.apiHost,
        toolVersion: toolVersion() ?? '0',
        showPlan: async (plan) => {
          progress.stop();
          // With --json the plan is part of the one document printed at the end.
          if (!json) await printPlan(runtime, plan);
        },
        confirm: async (plan) =>
          askYesNo(`Apply ${plan.plan.steps.length} change${plan.plan.steps.length === 1 ? '' : 's'} to ${plan.org}?`, {
            input: process.stdin,
            output: runtime.io.stderr,
            signal: runtime.signal,
          }),
        onStep: (r, i, total) => runtime.logger.info(applyView.formatApplyStep(r, i, total)),
      },
      { ...request, yes, dryRun },
    );
  } catch (err) {
    progress.fail();
    throw err;
  }
  if (dryRun) {
    if (json) await printPlan(runtime, result.plan, request.repos);
    return result.exitCode;
  }
  if (json) {
    const { toJson } = await import('../../output/formats.js');
    runtime.io.stdout.write(
      toJson(
        applyView.applyToDocument(result.plan.org, result.plan.plan, result.apply, {
          declined: result.declined,
          toolVersion: toolVersion(),
          ...(request.repos ? { repos: request.repos } : {}),
        }),
      ),
    );
  } else if (result.apply) {
    runtime.io.stdout.write(`\n${applyView.renderApplyResult(result.apply, { color: runtime.color })}`);
  } else if (result.declined) {
    runtime.io.stdout.write('Nothing changed (not confirmed).\n');
  }
  if (result.apply) runtime.logger.info(`recorded as change set ${result.apply.changeSetId} in ${runtime.dbPath}`);
  return result.exitCode;
}
