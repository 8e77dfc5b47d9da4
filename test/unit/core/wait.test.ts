/**
 * The one cancellable wait (src/core/wait.ts). No timing thresholds: the waits that
 * must be cancelled are an hour long, so a wait that was not cancelled makes the test
 * time out instead of passing late.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { InterruptedError, UsageError } from '../../../src/core/errors.js';
import { interruptionOf, sleep, throwIfInterrupted } from '../../../src/core/wait.js';

const HOUR = 3_600_000;

/** Timers alive in this process (a cancelled wait must not leave one behind). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sleep', () => {
  test('resolves after the wait when nothing cancels it', async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
    await expect(sleep(5, new AbortController().signal)).resolves.toBeUndefined();
  });

  test('an abort ends an hour-long wait at once with the signal’s InterruptedError, and clears its timer', async () => {
    const controller = new AbortController();
    const before = timers();
    const waiting = sleep(HOUR, controller.signal);
    expect(timers()).toBe(before + 1);
    const reason = new InterruptedError('interrupted by SIGINT');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(timers()).toBe(before);
  });

  test('an aborted signal refuses even a wait of zero: a stopped run does not go on', async () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError('interrupted by SIGTERM'));
    await expect(sleep(0, controller.signal)).rejects.toThrow('interrupted by SIGTERM');
    await expect(sleep(-5, controller.signal)).rejects.toBeInstanceOf(InterruptedError);
  });

  test('many waits on one signal all end on one abort, and none leaves a listener behind', async () => {
    const controller = new AbortController();
    const waits = Array.from({ length: 5 }, () => sleep(HOUR, controller.signal).catch((e: unknown) => e));
    controller.abort();
    for (const err of await Promise.all(waits)) expect(err).toBeInstanceOf(InterruptedError);

    const kept = new AbortController();
    await Promise.all([sleep(1, kept.signal), sleep(1, kept.signal)]);
    expect(getEventListeners(kept.signal, 'abort')).toHaveLength(0);
  });
});

describe('interruptionOf', () => {
  test('passes a qms error through; anything else (a bare abort, a DOMException) becomes an InterruptedError (exit 130)', () => {
    const usage = new UsageError('stop');
    const a = new AbortController();
    a.abort(usage);
    expect(interruptionOf(a.signal)).toBe(usage);

    const b = new AbortController();
    b.abort();
    const err = interruptionOf(b.signal, 'interrupted while waiting for GitHub');
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe('interrupted while waiting for GitHub');
  });

  test('throwIfInterrupted throws only once the signal is aborted', () => {
    const c = new AbortController();
    expect(() => throwIfInterrupted(c.signal)).not.toThrow();
    expect(() => throwIfInterrupted(undefined)).not.toThrow();
    c.abort(new InterruptedError('interrupted by SIGINT'));
    expect(() => throwIfInterrupted(c.signal)).toThrow('interrupted by SIGINT');
  });
});
