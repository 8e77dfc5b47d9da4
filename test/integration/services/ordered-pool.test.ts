/**
 * mapConcurrentOrdered: bounded concurrency, results in input order, errors and
 * aborts end the stream.
 */
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/core/errors.js';
import { mapConcurrentOrdered } from '../../../src/services/readers/ordered-pool.js';
import { collect } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapConcurrentOrdered', () => {
  it('yields in input order although items finish out of order, never more than `limit` at once', async () => {
    let running = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 15, 2, 8, 1];
    const out = await collect(
      mapConcurrentOrdered(delays, 3, async (ms, i) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(ms);
        running--;
        return i;
      }),
    );
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('keeps the other slots busy while the first item is slow (no head-of-line stall)', async () => {
    const started: number[] = [];
    const iter = mapConcurrentOrdered([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      await sleep(i === 0 ? 60 : 1);
      return i;
    });
    const first = iter.next();
    await sleep(30);
    // Item 0 is still running; items 1..4 have started and finished in the other slot.
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect((await first).value).toBe(0);
    expect(await collect({ [Symbol.asyncIterator]: () => iter })).toEqual([1, 2, 3, 4]);
  });

  it('an error ends the stream at its position; later items are not started', async () => {
    const started: number[] = [];
    const iter = mapConcurrentOrdered([0, 1, 2, 3, 4, 5], 1, async (i) => {
      started.push(i);
      if (i === 2) throw new Error('boom');
      return i;
    });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of iter) got.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual([0, 1]);
    expect(started).toEqual([0, 1, 2]);
  });

  it('an abort stops new items and ends the stream with the abort reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const iter = mapConcurrentOrdered(
      [0, 1, 2, 3],
      1,
      async (i) => {
        started.push(i);
        if (i === 1) controller.abort(new InterruptedError('stop'));
        return i;
      },
      { signal: controller.signal },
    );
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of iter) got.push(v);
      })(),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(got).toEqual([0, 1]);
    expect(started).toEqual([0, 1]);
  });

  it('handles empty input and a limit larger than the input', async () => {
    expect(await collect(mapConcurrentOrdered([], 4, async (x: number) => x))).toEqual([]);
    expect(await collect(mapConcurrentOrdered([1, 2], 50, async (x) => x * 2))).toEqual([2, 4]);
  });
});
