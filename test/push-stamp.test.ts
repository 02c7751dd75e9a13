/**
 * The push-stamp cell (src/dispatcher/push-stamp.ts): after each pushPayload
 * it holds the very receive stamps the event got, with a sequence that moves
 * once per stamped push, for both ring backends (a recording copies them
 * from there instead of stamping again).
 */
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../src/dispatcher/index.js';
import { PUSH_STAMP_SEQUENCE, pushStampWords } from '../src/dispatcher/push-stamp.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';
import { loadValidVectors } from './helpers/vectors.js';

const backends = nativeBinding ? (['native', 'js'] as const) : (['js'] as const);
const valid = loadValidVectors();
const word64 = (lo: number): bigint => (BigInt(pushStampWords[lo + 1]!) << 32n) | BigInt(pushStampWords[lo]!);

describe.each(backends)('push-stamp cell, %s ring backend', (backend) => {
  it('holds the stamps of the last push, self-stamped or given, and counts pushes', () => {
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, backend, logger: silentLogger });
    for (let i = 0; i < 5; i++) {
      const before = pushStampWords[PUSH_STAMP_SEQUENCE]!;
      d.pushPayload(valid[i]!.payload, { connectionEpoch: 3 });
      expect(pushStampWords[PUSH_STAMP_SEQUENCE]).toBe((before + 1) >>> 0);
      const [e] = d.poll(1);
      expect(word64(0)).toBe(e!.recvTs);
      expect(word64(2)).toBe(e!.recvMonoNs);
    }
    d.pushPayload(valid[0]!.payload, { recvTs: 123_456_789_012_345_678n, recvMonoNs: 987_654_321n, connectionEpoch: 1 });
    expect(word64(0)).toBe(123_456_789_012_345_678n);
    expect(word64(2)).toBe(987_654_321n);
  });
});
