import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/core/errors.js';
import { askYesNo, requireConfirmationPossible } from '../../../src/services/confirm.js';

function io(answer: string | null) {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (d: Buffer) => (written += d.toString('utf8')));
  if (answer === null) input.end();
  else input.write(`${answer}\n`);
  return { input, output, written: () => written };
}

describe('askYesNo', () => {
  it.each([
    ['y', true],
    ['yes', true],
    [' YES ', true],
    ['n', false],
    ['', false],
    ['yep', false],
  ])('answer %j → %s', async (answer, expected) => {
    const t = io(answer);
    expect(await askYesNo('Apply 3 changes to acme?', t)).toBe(expected);
    expect(t.written()).toBe('Apply 3 changes to acme? [y/N] ');
  });

  it('end of input and an interrupt are no', async () => {
    expect(await askYesNo('Go?', io(null))).toBe(false);
    const abort = new AbortController();
    const t = io('');
    const pending = askYesNo('Go?', { input: new PassThrough(), output: t.output, signal: abort.signal });
    abort.abort();
    expect(await pending).toBe(false);
  });
});

describe('requireConfirmationPossible', () => {
  it('refuses without a terminal and without --yes (exit 2), allows --yes, --dry-run or a terminal', () => {
    const call = (o: Partial<Parameters<typeof requireConfirmationPossible>[0]>) =>
      requireConfirmationPossible({ yes: false, dryRun: false, stdinIsTTY: false, command: 'qms apply', ...o });
    expect(() => call({})).toThrow(UsageError);
    try {
      call({});
    } catch (err) {
      expect((err as UsageError).exitCode).toBe(ExitCode.Usage);
      expect((err as UsageError).message).toMatch(/pass --yes/);
    }
    expect(() => call({ yes: true })).not.toThrow();
    expect(() => call({ dryRun: true })).not.toThrow();
    expect(() => call({ stdinIsTTY: true })).not.toThrow();
  });
});
