/**
 * Progress on stderr: an ora spinner on an interactive terminal, nothing in
 * cron (no TTY) — machine output on stdout stays clean either way.
 */
export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, succeed() {}, fail() {}, stop() {} };

export async function startProgress(text: string, options: { interactive: boolean; stream: NodeJS.WritableStream }): Promise<Progress> {
  if (!options.interactive) return SILENT;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: options.stream, discardStdin: false }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    succeed: (t) => {
      spinner.succeed(t);
    },
    fail: (t) => {
      spinner.fail(t);
    },
    stop: () => {
      spinner.stop();
    },
  };
}
