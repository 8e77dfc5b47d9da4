/**
 * `qms init [--force] [--dir D]`: write a commented starter qms.config.yml
 * (the built-in defaults) and a .qms/branch-protection.yml template.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

interface InitFlags {
  force?: boolean;
  dir?: string;
}

export function registerInit(program: Command, ctx: ProgramContext): void {
  program
    .command('init')
    .description('write a starter qms.config.yml (the built-in defaults, commented) and a .qms/branch-protection.yml template')
    .option('--force', 'overwrite existing files')
    .option('--dir <dir>', 'directory to write into (default: the current directory)')
    .addHelpText('after', '\nRefuses to overwrite existing files without --force (exit 2). Files are written whole or not at all.')
    .action(async (_opts: InitFlags, cmd: Command) => {
      await ctx.run<InitFlags>(cmd, async (flags: InitFlags, runtime: Runtime) => {
        const { initProject } = await import('../../services/init.js');
        const result = await initProject({ dir: flags.dir, force: flags.force === true, cwd: runtime.io.cwd });
        if (runtime.options.json) {
          const { toJson } = await import('../../output/formats.js');
          runtime.io.stdout.write(toJson({ files: result.files.map((f) => ({ path: f.label, action: f.action })) }));
        } else {
          for (const f of result.files) runtime.io.stdout.write(`${f.action} ${f.label}\n`);
          runtime.logger.info('next: edit roles in qms.config.yml, then run "qms config validate"');
        }
      });
    });
}
