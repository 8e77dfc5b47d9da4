/**
 * `qms classify --org O [--repo R]... [--write-properties [--dry-run] [--yes]]`:
 * the tier of each repository with its evidence and reason; optionally set the
 * `qms_tier` custom property where weaker evidence decided the tier.
 *
 * Writing is a change to GitHub: without a TTY it needs --yes (exit 2 otherwise),
 * --dry-run shows the changes and writes nothing.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';
import { outputWidth, toolVersion } from './assess.js';
import { collectRepos, concurrencyOption, readerOption } from '../read-options.js';

interface ClassifyFlags {
  org?: string;
  repo?: string[];
  writeProperties?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  concurrency?: string;
  reader?: string;
  maxRequests?: string;
}

export function registerClassify(program: Command, ctx: ProgramContext): void {
  program
    .command('classify')
    .description('the tier of every repository, with the evidence and the reason; optionally set the qms_tier custom property')
    .option('--org <org>', 'organization to classify (required)')
    .option('--repo <name>', 'only this repository; repeat (or comma-separate) for several', collectRepos)
    .option('--write-properties', 'set qms_tier where a topic, policy rule or the default tier decided it and the property differs')
    .option('--dry-run', 'with --write-properties: show the changes, write nothing')
    .option('--yes', 'with --write-properties: do not ask for confirmation (required without a terminal)')
    .addOption(concurrencyOption())
    .addOption(readerOption())
    .option('--max-requests <n>', 'refuse when reading would take more requests; stop when it reaches them')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad flags or config (also --write-properties without\n' +
        '--yes and no terminal), 3 GitHub auth/API error before anything was read,\n' +
        '4 some repositories could not be read or written, 5 another mutating run\n' +
        'holds the lock.',
    )
    .action(async (_opts: ClassifyFlags, cmd: Command) => {
      await ctx.run<ClassifyFlags>(cmd, runClassifyCommand);
    });
}

/** Ask on the terminal; only called when stdin and stderr are TTYs. */
async function confirm(runtime: Runtime, question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: runtime.io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function runClassifyCommand(flags: ClassifyFlags, runtime: Runtime): Promise<number> {
  const assess = await import('../../services/assess.js');
  const org = assess.parseOrgOption(flags.org);
  const repos = assess.parseRepoOptions(org, flags.repo);
  const concurrency = assess.parseConcurrencyOption(flags.concurrency);
  const budget = await import('../../services/budget.js');
  const { reader: readerKind, maxRequests } = budget.parseOrgReadFlags({ ...flags, repos });
  if ((flags.dryRun || flags.yes) && !flags.writeProperties) {
    throw new UsageError(`${flags.dryRun ? '--dry-run' : '--yes'} only applies with --write-properties`);
  }

  const { policyOriginOf, describePolicyWarnings } = await import('../../services/policy.js');
  const loaded = await runtime.policy();
  for (const w of describePolicyWarnings(loaded)) runtime.logger.warn(w);

  // Property writes: Ctrl-C lets the write in flight finish, then stops.
  if (flags.writeProperties && !flags.dryRun) runtime.deferInterrupts();
  const gateway = await runtime.gateway();
  const viewer = await runtime.viewer();
  const [classify, { startProgress }] = await Promise.all([import('../../services/classify.js'), import('../../output/progress.js')]);
  // No policy handed to the reader: classification needs no branch protection.
  const { reader } = await budget.prepareOrgRead(
    { gateway, logger: runtime.logger, signal: runtime.signal },
    { org, repos, reader: readerKind, concurrency, ...(maxRequests !== undefined ? { maxRequests } : {}) },
  );
  const readAll = async () => {
    const progress = await startProgress(`Classifying ${org}…`, { interactive: runtime.interactive, stream: runtime.io.stderr });
    try {
      const out = await classify.classifyOrg(
        {
          reader,
          policy: loaded.policy,
          logger: runtime.logger,
          signal: runtime.signal,
          onProgress: (done, total) => progress.update(`Classifying ${org}: ${done}/${total ?? '?'} repositories`),
        },
        { org, ...(repos.length > 0 ? { repos } : {}) },
      );
      progress.stop();
      return out;
    } catch (err) {
      progress.fail();
      throw err;
    }
  };

  let mode: 'off' | 'dry-run' | 'write' = flags.writeProperties ? (flags.dryRun ? 'dry-run' : 'write') : 'off';
  let classified;
  let plan;
  let result = null;
  if (mode === 'write') {
    // A mutating run: recorded (and the store locked) before anything is read.
    const written = await classify.runPropertyWrites(
      {
        gateway,
        store: await runtime.store(),
        viewer: async () => viewer.login,
        command: `qms classify --org ${org} --write-properties`,
        apiHost: runtime.apiHost,
        toolVersion: toolVersion() ?? '0',
        logger: runtime.logger,
        signal: runtime.signal,
      },
      org,
      readAll,
      async (p) => {
        if (flags.yes) return true;
        const canAsk = runtime.io.stdinIsTTY && runtime.io.stderr.isTTY === true;
        if (!canAsk) {
          throw new UsageError(
            `--write-properties would set qms_tier on ${p.changes.length} repositories; pass --yes to confirm (no terminal to ask)`,
            {
              hint: 'run with --dry-run first to see the changes',
            },
          );
        }
        const yes = await confirm(runtime, `Set qms_tier on ${p.changes.length} repositories of ${org}?`);
        if (!yes) runtime.logger.info('nothing written');
        return yes;
      },
    );
    classified = written.repos;
    plan = written.plan;
    result = written.result;
    if (written.declined) mode = 'dry-run';
  } else {
    classified = await readAll();
    plan = classify.planPropertyWrites(classified);
  }
  const summary = classify.summarizeClassification(classified);

  const exitCode = classify.classifyExitCode(summary, result);
  const view = await import('../../output/classify-view.js');
  const report = {
    org,
    generatedAt: new Date().toISOString(),
    toolVersion: toolVersion(),
    policy: policyOriginOf(loaded),
    repos: classified,
    summary,
    properties: { mode, plan, result },
    exitCode,
  };
  const out = runtime.io.stdout;
  const formats = await import('../../output/formats.js');
  switch (runtime.format) {
    case 'json':
      out.write(formats.toJson(view.buildClassifyDocument(report)));
      break;
    case 'ndjson':
      out.write(formats.toNdjson(view.classifyNdjsonRecords(report)));
      break;
    case 'csv':
      out.write(formats.toCsv(view.CLASSIFY_COLUMNS, classified));
      break;
    case 'markdown':
      out.write(formats.toMarkdown(view.CLASSIFY_COLUMNS, classified));
      break;
    case 'table': {
      const { createPalette } = await import('../../output/colour.js');
      out.write(view.renderClassifyTable(report, { width: outputWidth(runtime), palette: createPalette(runtime.color) }));
      break;
    }
  }
  for (const r of classified) if (r.status === 'error') runtime.logger.warn(`${r.repo}: ${r.error ?? 'could not be read'}`);
  const partial = classify.describePartialClassify(classified);
  if (partial !== null) runtime.logger.error(`qms: ${partial}`);
  if (result)
    runtime.logger.info(`qms_tier writes recorded as change set ${result.changeSetId} (run ${result.runId}) in ${runtime.dbPath}`);
  return exitCode;
}
