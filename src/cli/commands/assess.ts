/**
 * `qms assess --org O [--repo R]... [--tier T] [--fail-on S] [--concurrency N]`:
 * parse flags -> load the policy -> read and evaluate the org -> store the run ->
 * render (table, --json, --format csv|markdown|ndjson).
 *
 * Order matters for exit codes: bad flags and a bad policy or tier fail with 2
 * before any request; a rejected token or a missing org fails with 3 before
 * anything is assessed.
 */
import type { Command } from 'commander';
import { createRequire } from 'node:module';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import { collectRepos, concurrencyOption, readerOption } from '../read-options.js';

interface AssessFlags {
  org?: string;
  repo?: string[];
  tier?: string;
  failOn?: string;
  concurrency?: string;
  reader?: string;
  maxRequests?: string;
  resume?: boolean;
  waitForRateLimit?: boolean;
}

export function registerAssess(program: Command, ctx: ProgramContext): void {
  program
    .command('assess')
    .description('gap analysis: every repository against its tier (table, --json, --format csv|markdown|ndjson); stored as a run')
    .option('--org <org>', 'organization to assess (required)')
    .option('--repo <name>', 'only this repository; repeat (or comma-separate) for several', collectRepos)
    .option('--tier <tier>', 'only repositories classified into this tier')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: critical, high, medium, low, none', 'high')
    .addOption(concurrencyOption())
    .addOption(readerOption())
    .option('--max-requests <n>', 'refuse when the run would take more requests; stop (checkpointed) when it reaches them')
    .option('--resume', 'continue the last interrupted assess of --org without reading again what it read')
    .option('--wait-for-rate-limit', 'when the token has not enough rate limit left, wait for the reset instead of refusing')
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing at or above --fail-on, 1 findings at or above it,\n' +
        '2 bad flags or config, 3 GitHub auth/API error before anything was assessed\n' +
        '(also: the run does not fit --max-requests or the rate limit left),\n' +
        '4 some repositories could not be read or fully seen, e.g. classic protection\n' +
        'without admin (unknown is never compliant; the others are assessed and stored;\n' +
        '4 outranks 1, and the stderr line then names both).',
    )
    .action(async (_opts: AssessFlags, cmd: Command) => {
      await ctx.run<AssessFlags>(cmd, runAssessCommand);
    });
}

/** Width for the table: the terminal's, else $COLUMNS, else 80. */
export function outputWidth(runtime: Runtime): number {
  const out = runtime.io.stdout;
  if (out.isTTY === true && typeof out.columns === 'number' && out.columns > 0) return out.columns;
  const env = Number(runtime.io.env['COLUMNS']);
  return Number.isInteger(env) && env > 0 ? env : 80;
}

export function toolVersion(): string | null {
  try {
    return (createRequire(import.meta.url)('../../../package.json') as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

async function runAssessCommand(flags: AssessFlags, runtime: Runtime): Promise<number> {
  const assess = await import('../../services/assess.js');
  const org = assess.parseOrgOption(flags.org);
  const repos = assess.parseRepoOptions(org, flags.repo);
  const failOn = assess.parseFailOn(flags.failOn);
  const concurrency = assess.parseConcurrencyOption(flags.concurrency);
  const budget = await import('../../services/budget.js');
  const { reader: readerKind, maxRequests } = budget.parseOrgReadFlags({ ...flags, repos });

  const [{ resolveTierOption }, { policyOriginOf, describePolicyWarnings }] = await Promise.all([
    import('../../services/evaluate.js'),
    import('../../services/policy.js'),
  ]);
  const loaded = await runtime.policy();
  for (const w of describePolicyWarnings(loaded)) runtime.logger.warn(w);
  const tier = flags.tier === undefined ? undefined : resolveTierOption(loaded.policy, flags.tier);

  const gateway = await runtime.gateway();
  const viewer = await runtime.viewer();
  const { startProgress } = await import('../../output/progress.js');
  const runtimeStore = await runtime.store();
  const { reader, store = runtimeStore } = await budget.prepareOrgRead(
    { gateway, apiUrl: runtime.apiUrl, store: runtimeStore, policy: loaded.policy, logger: runtime.logger, signal: runtime.signal },
    {
      org,
      repos,
      ...(tier !== undefined ? { tier } : {}),
      reader: readerKind,
      concurrency,
      ...(maxRequests !== undefined ? { maxRequests } : {}),
      resume: flags.resume === true,
      waitForRateLimit: flags.waitForRateLimit === true,
    },
  );

  const progress = await startProgress(`Assessing ${org}…`, { interactive: runtime.interactive, stream: runtime.io.stderr });
  let report;
  try {
    report = await assess.runAssess(
      {
        reader,
        policy: loaded.policy,
        policyOrigin: policyOriginOf(loaded),
        store,
        actor: viewer.login,
        apiUrl: runtime.apiHost,
        toolVersion: toolVersion(),
        logger: runtime.logger,
        signal: runtime.signal,
        onProgress: (done, total) => progress.update(`Assessing ${org}: ${done}/${total ?? '?'} repositories`),
      },
      { org, ...(repos.length > 0 ? { repos } : {}), ...(tier !== undefined ? { tier } : {}), failOn, concurrency },
    );
    progress.stop();
  } catch (err) {
    progress.fail();
    throw err;
  }

  const view = await import('../../output/assess-view.js');
  const out = runtime.io.stdout;
  const stream = await import('../../output/stream.js');
  switch (runtime.format) {
    case 'json':
      await stream.writeChunks(out, stream.jsonDocumentChunks(view.buildAssessDocument(report)));
      break;
    case 'ndjson': {
      const statusOf = view.repoStatusLookup(report);
      await stream.writeChunks(out, stream.ndjsonChunks(stream.mapIterable(report.findings, (f) => view.toFindingRecord(f, statusOf))));
      break;
    }
    case 'csv':
      await stream.writeChunks(out, stream.csvChunks(view.findingColumns(report), report.findings));
      break;
    case 'markdown':
      out.write(view.renderAssessMarkdown(report));
      break;
    case 'table': {
      const { createPalette } = await import('../../output/colour.js');
      out.write(view.renderAssessTable(report, { width: outputWidth(runtime), palette: createPalette(runtime.color) }));
      break;
    }
  }

  const s = report.summary;
  for (const repo of report.repos) {
    if (repo.assessment.status === 'error') runtime.logger.warn(`${repo.repo}: ${repo.assessment.reason}`);
  }
  const partial = assess.describePartialAssess(s, failOn);
  if (partial !== null) {
    // Always shown (--quiet too): it is why the run exits 4.
    runtime.logger.error(`qms: ${partial}`);
  } else if (s.failing > 0) {
    runtime.logger.info(`${s.failing} finding${s.failing === 1 ? '' : 's'} at or above --fail-on ${failOn}`);
  }
  runtime.logger.info(`stored as run ${report.runId} in ${runtime.dbPath}`);
  return report.exitCode;
}
