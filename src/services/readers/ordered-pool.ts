/**
 * Bounded concurrency with results in input order: org runs read several
 * repositories at once but report them in name order (the LiveStateReader
 * contract), without letting one slow repository stall the others.
 */
import { InterruptedError } from '../../core/errors.js';

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface OrderedPoolOptions {
  /** Stop starting new items once aborted; the stream then ends with the abort reason. */
  signal?: AbortSignal;
  /**
   * How far finished items may run ahead of the oldest unfinished one (memory
   * bound while a slow item holds up the output). Default 4 × limit.
   */
  maxAhead?: number;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new InterruptedError();
}

/**
 * `fn` over `items` with at most `limit` running at once; yields results in
 * input order. A rejected item ends the stream with its error once the items
 * before it are yielded; nothing after it is started (items already running
 * finish in the background, their outcomes ignored).
 */
export async function* mapConcurrentOrdered<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  options: OrderedPoolOptions = {},
): AsyncGenerator<R> {
  const width = Math.max(1, Math.floor(limit));
  const maxAhead = Math.max(width, options.maxAhead ?? width * 4);
  const { signal } = options;
  const results = new Map<number, Settled<R>>();
  let next = 0;
  let active = 0;
  let emitted = 0;
  let stopped = false;
  let wake: (() => void) | null = null;

  const pump = (): void => {
    while (!stopped && active < width && next < items.length && next - emitted < maxAhead && !signal?.aborted) {
      const index = next++;
      active++;
      let started: Promise<R>;
      try {
        started = fn(items[index] as T, index);
      } catch (err) {
        started = Promise.reject(err);
      }
      started
        .then(
          (value) => results.set(index, { ok: true, value }),
          (error: unknown) => {
            // The stream will end at this item: start nothing after it.
            stopped = true;
            results.set(index, { ok: false, error });
          },
        )
        .finally(() => {
          active--;
          pump();
          const w = wake;
          wake = null;
          w?.();
        });
    }
  };

  try {
    pump();
    while (emitted < items.length) {
      const settled = results.get(emitted);
      if (!settled) {
        if (active === 0) {
          // Nothing running and the next result will never come: aborted.
          if (signal?.aborted) throw abortError(signal);
          pump();
          if (active === 0) throw new Error('mapConcurrentOrdered: no progress possible');
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      results.delete(emitted);
      emitted++;
      if (!settled.ok) throw settled.error;
      pump();
      yield settled.value;
    }
  } finally {
    stopped = true;
  }
}
