/**
 * CRC-32C: the check value, and the addon's variants (SSE4.2 where the CPU
 * has it, portable C++) equal to the JS one on every length and alignment,
 * including continuation; out-of-range arguments throw.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cJs, fillRecordCrcs, fillRecordCrcsJs, nativeCrc32c } from '../src/record/crc32c.js';
import { decodeRecordBodyHeader, encodeRecord, encodeRecordFrame, RecordType, stampWordsOf } from '../src/record/format.js';
import { backend } from '../src/native.js';

const check = Uint8Array.from(Buffer.from('123456789', 'latin1'));

describe('crc32c', () => {
  it('has the CRC-32C check value 0xE3069283 for "123456789", in every implementation', () => {
    expect(crc32cJs(check)).toBe(0xe3069283);
    expect(crc32c(check)).toBe(0xe3069283);
    if (nativeCrc32c) {
      expect(nativeCrc32c.crc32c(check, 0, 9, 0)).toBe(0xe3069283);
      expect(nativeCrc32c.crc32cPortable(check, 0, 9, 0)).toBe(0xe3069283);
    }
  });

  it('the exported crc32c is the native one with the native backend, the JS one without', () => {
    if (backend === 'native') {
      expect(nativeCrc32c).toBeDefined();
      expect(crc32c).not.toBe(crc32cJs);
    } else {
      expect(crc32c).toBe(crc32cJs);
    }
  });

  it.runIf(backend === 'native')('native (both variants) equals JS on every length 0..600 at every offset 0..7, and continues like it', () => {
    const n = nativeCrc32c!;
    const buf = new Uint8Array(randomBytes(700));
    for (let start = 0; start < 8; start++) {
      for (let len = 0; len <= 600; len++) {
        const js = crc32cJs(buf, start, start + len);
        expect(n.crc32c(buf, start, start + len, 0)).toBe(js);
        expect(n.crc32cPortable(buf, start, start + len, 0)).toBe(js);
      }
    }
    const whole = crc32cJs(buf);
    const half = n.crc32c(buf, 0, 333, 0);
    expect(n.crc32c(buf, 333, buf.length, half)).toBe(whole);
    expect(n.crc32cPortable(buf, 333, buf.length, n.crc32cPortable(buf, 0, 333, 0))).toBe(whole);
    // A subarray's offset into its buffer is honoured.
    const sub = buf.subarray(13, 213);
    expect(n.crc32c(sub, 0, sub.length, 0)).toBe(crc32cJs(buf, 13, 213));
  });

  it('rejects a range outside the array (never reads out of bounds)', () => {
    const b = new Uint8Array(16);
    for (const [s, e] of [[-1, 4], [0, 17], [5, 4], [0.5, 4], [Number.NaN, 4]] as const) {
      expect(() => crc32c(b, s, e)).toThrow();
      if (nativeCrc32c) expect(() => nativeCrc32c!.crc32c(b, s, e, 0)).toThrow(/range/);
    }
    if (nativeCrc32c) expect(() => nativeCrc32c!.crc32c('x' as never, 0, 1, 0)).toThrow(/Uint8Array/);
  });

  it('fillRecordCrcs fills a batch exactly as encodeRecord would, natively and in JS; bad framing is -1, never out of range', () => {
    const payloads = Array.from({ length: 50 }, (_, i) => new Uint8Array(randomBytes(i * 7)));
    const expected = new Uint8Array(8 + payloads.reduce((n, p) => n + 32 + p.length, 0));
    const framed = new Uint8Array(expected.length);
    const ev = new DataView(expected.buffer);
    const fv = new DataView(framed.buffer);
    let a = 8;
    let b = 8;
    for (const [i, p] of payloads.entries()) {
      const head = { type: RecordType.MESSAGE, topicId: i + 1, epoch: 7 };
      a = encodeRecord(expected, a, head, BigInt(i), BigInt(-i), p, ev);
      b = encodeRecordFrame(framed, fv, b, head, stampWordsOf(BigInt(i), BigInt(-i)), p);
    }
    expect(decodeRecordBodyHeader(framed, 16)).toMatchObject({ type: RecordType.MESSAGE, topicId: 1, epoch: 7 });
    for (const fill of [fillRecordCrcs, fillRecordCrcsJs]) {
      const copy = framed.slice();
      expect(fill(copy, 8, copy.length)).toBe(50);
      expect(Buffer.compare(copy, expected)).toBe(0);
      // A range that cuts a record, or ends inside a prefix: -1.
      expect(fill(framed.slice(), 8, copy.length - 1)).toBe(-1);
      expect(fill(framed.slice(), 8, 8 + 5)).toBe(-1);
      expect(fill(framed.slice(), 8, 8)).toBe(0);
      expect(() => fill(framed.slice(), 8, framed.length + 1)).toThrow();
    }
  });
});
