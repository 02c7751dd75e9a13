/**
 * CRC-32C: the check value, and the addon's variants (SSE4.2 where the CPU
 * has it, portable C++) equal to the JS one on every length and alignment,
 * including continuation; out-of-range arguments throw.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cJs, fillRecordCrcs, fillRecordCrcsJs, nativeCrc32c, verifiedRecordsEnd, verifiedRecordsEndJs } from '../src/record/crc32c.js';
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

  it('verifiedRecordsEnd is the native check exactly when the addon is loaded', () => {
    expect(verifiedRecordsEnd === undefined).toBe(backend !== 'native');
  });

  it('verifiedRecordsEnd stops at the first record that is cut, implausible or has a bad CRC, natively and in JS', () => {
    // 40 records with bodies of 24..(24 + 39 * 11) bytes, CRCs filled.
    const bodies = Array.from({ length: 40 }, (_, i) => 24 + i * 11);
    const starts: number[] = [];
    let total = 8;
    for (const b of bodies) {
      starts.push(total);
      total += 8 + b;
    }
    const framed = new Uint8Array(randomBytes(total));
    const view = new DataView(framed.buffer);
    for (const [i, b] of bodies.entries()) view.setUint32(starts[i]!, b, true);
    expect(fillRecordCrcs(framed, 8, total)).toBe(40);
    const min = 24;
    const max = 1000;
    for (const check of verifiedRecordsEnd === undefined ? [verifiedRecordsEndJs] : [verifiedRecordsEnd, verifiedRecordsEndJs]) {
      // Every record good: the run reaches the end, from any record boundary.
      for (const i of [0, 1, 2, 3, 17, 39]) expect(check(framed, starts[i]!, total, min, max)).toBe(total);
      expect(check(framed, 8, 8, min, max)).toBe(8);
      // A cut: the run ends before the record the range cuts (prefix or body).
      expect(check(framed, 8, starts[5]! + 3, min, max)).toBe(starts[5]);
      expect(check(framed, 8, starts[5]! + 9, min, max)).toBe(starts[5]);
      // A flipped byte in each position of three in a row (the native check sums three at a time).
      for (const bad of [0, 1, 2, 3, 4, 5, 20, 39]) {
        const copy = framed.slice();
        copy[starts[bad]! + 8 + (bad % bodies[bad]!)]! ^= 0x40;
        expect(check(copy, 8, total, min, max)).toBe(starts[bad]);
        if (bad < 39) expect(check(copy, starts[bad + 1]!, total, min, max)).toBe(total);
        // A bad CRC field, not body, is found the same way.
        const crcBad = framed.slice();
        crcBad[starts[bad]! + 4]! ^= 1;
        expect(check(crcBad, 8, total, min, max)).toBe(starts[bad]);
      }
      // Lengths outside [min, max] end the run before the CRC is looked at.
      expect(check(framed, 8, total, 25, max)).toBe(8);
      expect(check(framed, 8, total, min, bodies[9]! - 1)).toBe(starts[9]);
      expect(() => check(framed, 8, total + 1, min, max)).toThrow();
      expect(() => check(framed, -1, total, min, max)).toThrow();
    }
  });
});
