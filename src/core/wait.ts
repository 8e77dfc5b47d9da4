/**
 * The one way qms waits: every pause (retry backoff, a rate limit's retry-after or
 * reset, the write pacer, the budget's --wait-for-rate-limit, a rollback's wait for
 * writes in flight) goes through {@link sleep}, so Ctrl-C ends any of them at once
 * instead of after the wait, and a cancelled wait leaves no timer that keeps the
 * process alive.
 *
 * No I/O here: only a timer and the run's AbortSignal.
 */
import { InterruptedError, QmsError } from './errors.js';

/**
 * What a wait or request cancelled by `signal` fails with: the signal's reason when it
 * is a qms error (the CLI aborts with an InterruptedError naming the signal), else an
 * InterruptedError — never a DOMException AbortError, which would read as an internal error.
 */
export function interruptionOf(signal: AbortSignal, what = 'interrupted'): QmsError {
  const reason: unknown = signal.reason;
  return reason instanceof QmsError ? reason : new InterruptedError(what);
}

/** Throws the interruption when `signal` has been aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw interruptionOf(signal, what);
}

/**
 * Resolves after `ms` milliseconds, or rejects with {@link interruptionOf} as soon as
 * `signal` aborts (at once when it already has, even for `ms` ≤ 0: a run that was told
 * to stop does not go on after a wait of zero).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(interruptionOf(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(interruptionOf(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
