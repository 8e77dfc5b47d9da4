import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import {
  csvChunks,
  jsonDocumentChunks,
  LateValue,
  mapIterable,
  ndjsonChunks,
  StreamedArray,
  writeChunks,
} from '../../../src/output/stream.js';

const text = (chunks: Iterable<string>) => [...chunks].join('');

describe('jsonDocumentChunks', () => {
  it('writes a document that parses to the same value, streamed members item by item', () => {
    let produced = 0;
    const items = mapIterable([1, 2, 3], (n) => {
      produced++;
      return { n, s: `x"${n}\n` };
    });
    const chunks = jsonDocumentChunks({
      a: 1,
      list: new StreamedArray(items),
      empty: new StreamedArray([]),
      nested: { b: [1, { c: null }] },
      count: new LateValue(() => produced),
    });
    const out = text(chunks);
    expect(JSON.parse(out)).toEqual({
      a: 1,
      list: [
        { n: 1, s: 'x"1\n' },
        { n: 2, s: 'x"2\n' },
        { n: 3, s: 'x"3\n' },
      ],
      empty: [],
      nested: { b: [1, { c: null }] },
      count: 3,
    });
    // One streamed item per line.
    expect(out.split('\n').filter((l) => l.includes('"n":'))).toHaveLength(3);
  });

  it('is lazy: nothing of a streamed member is produced before the writer reaches it', () => {
    let produced = 0;
    const gen = jsonDocumentChunks({ head: 'h', list: new StreamedArray(mapIterable([1, 2], (n) => (produced++, n))) });
    gen.next();
    gen.next();
    expect(produced).toBe(0);
  });
});

describe('ndjsonChunks / csvChunks', () => {
  it('ndjson: one document per line', () => {
    expect(text(ndjsonChunks([{ a: 1 }, 'b']))).toBe('{"a":1}\n"b"\n');
  });
  it('csv: header, CRLF rows and formula protection', () => {
    expect(text(csvChunks([{ key: 'v', header: 'v', value: (r: string) => r }], ['=1+1', 'ok']))).toBe("v\r\n'=1+1\r\nok\r\n");
  });
});

describe('writeChunks', () => {
  it('waits for drain when the sink is full and loses nothing', async () => {
    let received = '';
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk, _enc, cb) {
        received += chunk.toString();
        setImmediate(cb);
      },
    });
    slow.on('drain', () => drains++);
    const big = Array.from({ length: 200 }, (_, i) => `${'x'.repeat(1000)}${i}\n`);
    await writeChunks(slow, big);
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(received).toBe(big.join(''));
    expect(drains).toBeGreaterThan(0);
  });

  it('accepts async chunk sources', async () => {
    const sink = new PassThrough();
    let out = '';
    sink.on('data', (d: Buffer) => (out += d.toString()));
    async function* chunks() {
      yield 'a';
      yield 'b';
    }
    await writeChunks(sink, chunks());
    expect(out).toBe('ab');
  });
});
