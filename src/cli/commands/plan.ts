/**
 * `qms plan --org O [--tier T] [--repo R]... [--phase P] [--concurrency N]`: the
 * exact writes an apply would make, as a diff (or `--json`). Reads only — zero
 * write requests — and records nothing.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import type { PlanPhase } from '../../core/plan.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import type { PlanDeps, PlanRequest, PlanResult } from '../../services/plan.js';
import type { LiveStateReaderKind } from '../../services/readers/graphql-reader.js';
import { collectRepos, concurrencyOption, readerOption } from '../read-options.js';

export interface PlanFlags {
  org?: string;
  tier?: string;
  repo?: string[];
  phase?: string;
  concurrency?: string;
  reader?: string;
}

/** The flags plan and apply share. */
export function addPlanOptions(command: Command): Command {
  return command
    .option('--org <org>', 'organization (required)')
    .option('--tier <tier>', 'only repositories classified into this tier')
    .option('--repo <name>', 'only this repository; repeat (or comma-separate) for several', collectRepos)
    .option(
      '--phase <phase>',
      'rollout phase (seed §3): pilot, standard, business_critical, mission_critical — cumulative, see docs/apply-and-rollback.md',
    )
    .addOption(concurrencyOption('writes are always one at a time'))
    .addOption(readerOption());
}

export function registerPlan(program: Command, ctx: ProgramContext): void {
  addPlanOptions(
    program.command('plan').description('the exact writes an apply would make, as a diff per repository and branch (reads only)'),
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 plan shown (with or without changes), 2 bad flags or config, 3 GitHub auth/API error,\n' +
        '4 the plan is partial: some repositories could not be read or seen (not admin), so nothing is planned for them.',
    )
    .action(async (_opts: PlanFlags, cmd: Command) => {
      await ctx.run<PlanFlags>(cmd, runPlanCommand);
    });
}

/** Parse the shared flags into a request; UsageError (exit 2) before any request. */
export async function parsePlanFlags(
  flags: PlanFlags,
): Promise<{ request: PlanRequest; concurrency: number; reader: LiveStateReaderKind }> {
  const [assess, { parsePhase }, { parseReaderOption }] = await Promise.all([
    import('../../services/assess.js'),
    import('../../services/plan.js'),
    import('../../services/budget.js'),
  ]);
  const org = assess.parseOrgOption(flags.org);
  const repos = assess.parseRepoOptions(org, flags.repo);
  const concurrency = assess.parseConcurrencyOption(flags.concurrency);
  const phase: PlanPhase | undefined = parsePhase(flags.phase);
  return {
    request: {
      org,
      ...(flags.tier !== undefined ? { tier: flags.tier } : {}),
      ...(phase ? { phase } : {}),
      ...(repos.length > 0 ? { repos } : {}),
    },
    concurrency,
    reader: parseReaderOption(flags.reader),
  };
}

/** Everything a plan needs from the runtime (policy loaded and its warnings shown). */
export async function planDeps(
  runtime: Runtime,
  read: { concurrency: number; reader: LiveStateReaderKind },
  onProgress?: PlanDeps['onProgress'],
): Promise<PlanDeps> {
  const { describePolicyWarnings } = await import('../../services/policy.js');
  const loaded = await runtime.policy();
  for (const w of describePolicyWarnings(loaded)) runtime.logger.warn(w);
  const gateway = await runtime.gateway();
  return {
    gateway,
    policy: loaded.policy,
    logger: runtime.logger,
    signal: runtime.signal,
    concurrency: read.concurrency,
    reader: read.reader,
    ...(onProgress ? { onProgress } : {}),
  };
}

/** Print a plan: the JSON document with --json, else the diff. */
export async function printPlan(runtime: Runtime, result: PlanResult, repos?: string[]): Promise<void> {
  const view = await import('../../output/plan-view.js');
  if (runtime.options.json) {
    const [{ toJson }, { toolVersion }] = await Promise.all([import('../../output/formats.js'), import('./assess.js')]);
    runtime.io.stdout.write(
      toJson(view.planToDocument(result.org, result.plan, { toolVersion: toolVersion(), ...(repos ? { repos } : {}) })),
    );
  } else {
    runtime.io.stdout.write(view.renderPlanText(result.org, result.plan, { color: runtime.color }));
  }
}

async function runPlanCommand(flags: PlanFlags, runtime: Runtime): Promise<number> {
  const { request, concurrency, reader } = await parsePlanFlags(flags);
  const { startProgress } = await import('../../output/progress.js');
  const progress = await startProgress(`Reading ${request.org}…`, { interactive: runtime.interactive, stream: runtime.io.stderr });
  const deps = await planDeps(runtime, { concurrency, reader }, (done, total) =>
    progress.update(`Reading ${request.org}: ${done}/${total ?? '?'} repositories`),
  );
  const { createPlan } = await import('../../services/plan.js');
  let result: PlanResult;
  try {
    result = await createPlan(deps, request);
    progress.stop();
  } catch (err) {
    progress.fail();
    throw err;
  }
  await printPlan(runtime, result, request.repos);
  // Unknown is never compliant: a repository the plan could not cover makes it partial.
  const { unenforcedRepos, warnUnenforced } = await import('../../services/plan.js');
  const unenforced = unenforcedRepos(result);
  warnUnenforced(runtime.logger, unenforced);
  return unenforced.length > 0 ? ExitCode.Partial : ExitCode.Ok;
}
