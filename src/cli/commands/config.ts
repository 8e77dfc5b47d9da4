/**
 * `qms config validate [files...]`: schema and semantic checks of policy files
 * and repo configs.
 *
 * stdout carries the result: `ok FILE` per valid file and one line per problem
 * (`file:line:col: field: message`), or with --json one document
 * `{files: [{file, kind, valid, problems, warnings, notes}]}`. stderr carries
 * warnings, notes (what the check cannot know: a repo config's tier is a request
 * the org's evidence may outrank) and a summary. Exit 0 when every file is valid, 2 otherwise.
 */
import type { Command } from 'commander';
import { ExitCode, formatConfigProblem, UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

interface ValidateFlags {
  kind?: string;
}

export function registerConfig(program: Command, ctx: ProgramContext): void {
  const config = program.command('config').description('check the policy file and repo configs');
  config
    .command('validate')
    .description('check qms.config.yml and .qms/branch-protection.yml files; every problem with file, line, column and field')
    .argument('[files...]', 'files to check (default: the policy in use and .qms/branch-protection.yml if present)')
    .option('--kind <kind>', 'treat every file as "policy" or "repo" (default: from the file name, else its content)')
    .addHelpText(
      'after',
      '\n"ok FILE" means the file is valid, no more: a repo config\'s tier is a request that\n' +
        "applies only where the org's qms_tier property and policy rules name no higher tier,\n" +
        'which a file on its own cannot show (a note on stderr says so; qms classify shows the\n' +
        'tier that applies).\n\nExit codes: 0 every file valid, 2 a file has problems.',
    )
    .action(async (files: string[], _opts: ValidateFlags, cmd: Command) => {
      await ctx.run<ValidateFlags>(cmd, (flags, runtime) => runValidate(flags, runtime, files), files);
    });
}

async function runValidate(flags: ValidateFlags, runtime: Runtime, files: string[]): Promise<number> {
  if (flags.kind !== undefined && flags.kind !== 'policy' && flags.kind !== 'repo') {
    throw new UsageError(`--kind must be "policy" or "repo"; got "${flags.kind}"`);
  }
  const [{ validateConfigFiles }, { toJson }] = await Promise.all([
    import('../../services/config-validate.js'),
    import('../../output/formats.js'),
  ]);
  const result = await validateConfigFiles({
    files,
    cwd: runtime.io.cwd,
    ...(runtime.options.config !== undefined ? { configPath: runtime.options.config } : {}),
    ...(flags.kind !== undefined ? { kind: flags.kind as 'policy' | 'repo' } : {}),
  });
  for (const f of result.files) for (const w of f.warnings) runtime.logger.warn(formatConfigProblem(w));
  for (const f of result.files) for (const n of f.notes) runtime.logger.info(`note: ${n}`);

  const invalid = result.files.filter((f) => !f.valid);
  if (runtime.options.json) {
    const located = (p: { file: string; line?: number; column?: number; pointer?: string; message: string }) => ({
      file: p.file,
      line: p.line ?? null,
      column: p.column ?? null,
      pointer: p.pointer ?? null,
      message: p.message,
    });
    runtime.io.stdout.write(
      toJson({
        files: result.files.map((f) => ({
          file: f.file,
          kind: f.kind,
          valid: f.valid,
          problems: f.problems.map(located),
          warnings: f.warnings.map(located),
          notes: [...f.notes],
        })),
      }),
    );
  } else {
    for (const f of result.files) {
      if (f.valid) runtime.io.stdout.write(`ok ${f.file}\n`);
      else for (const p of f.problems) runtime.io.stdout.write(`${formatConfigProblem(p)}\n`);
    }
    if (invalid.length > 0) {
      const count = invalid.reduce((n, f) => n + f.problems.length, 0);
      runtime.logger.info(
        `${count} problem${count === 1 ? '' : 's'} in ${invalid.length} of ${result.files.length} file${result.files.length === 1 ? '' : 's'}`,
      );
    }
  }
  return invalid.length > 0 ? ExitCode.Usage : ExitCode.Ok;
}
