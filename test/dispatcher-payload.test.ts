/**
 * Dispatcher.pushPayload: decode straight into a slot (one native call with
 * the native ring), on the shared test vectors, against the codec's own
 * decode API; malformed payloads throw ParseError and leave the ring untouched.
 */
import { describe, expect, it } from 'vitest';
import { decodeBestBidAsk, decodeFullBidOffer, ParseError } from '../src/codec/index.js';
import { Dispatcher } from '../src/dispatcher/index.js';
import type { FullBidOffer } from '../src/events/types.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';
import { loadInvalidVectors, loadValidVectors } from './helpers/vectors.js';

const backends = nativeBinding ? (['native', 'js'] as const) : (['js'] as const);
const valid = loadValidVectors();
const invalid = loadInvalidVectors();

describe.each(backends)('pushPayload, %s ring backend', (backend) => {
  it.each(['bestBidAsk', 'fullBidOffer'] as const)('%s: every valid vector arrives as the codec decodes it', (kind) => {
    const d = new Dispatcher({ kind, maxSize: valid.length, backend, logger: silentLogger });
    valid.forEach((v, i) => {
      expect(d.pushPayload(v.payload, { recvTs: 10n + BigInt(i), recvMonoNs: 20n + BigInt(i), connectionEpoch: i % 5 })).toBe(true);
    });
    const got = d.poll(valid.length);
    const decode = kind === 'bestBidAsk' ? decodeBestBidAsk : decodeFullBidOffer;
    expect(got).toEqual(valid.map((v, i) => decode(v.payload, { recvTs: 10n + BigInt(i), recvMonoNs: 20n + BigInt(i), connectionEpoch: i % 5 })));
    expect(d.stats()).toMatchObject({ totalPushed: valid.length, totalPolled: valid.length, totalDropped: 0 });
  });

  it('stamps missing receive metadata with now (monotonic = process.hrtime.bigint clock)', () => {
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 4, backend, logger: silentLogger });
    const mono0 = process.hrtime.bigint();
    const wall0 = BigInt(Date.now()) * 1_000_000n;
    d.pushPayload(valid[0]!.payload);
    const mono1 = process.hrtime.bigint();
    const [e] = d.poll(1);
    expect(e!.recvMonoNs >= mono0 && e!.recvMonoNs <= mono1).toBe(true);
    expect(e!.recvTs >= wall0 - 50_000_000n && e!.recvTs <= wall0 + 5_000_000_000n).toBe(true);
    expect(e!.connectionEpoch).toBe(0);
  });

  it('a malformed payload throws ParseError and evicts, counts and writes nothing', () => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 2, backend, logger: silentLogger });
    d.pushPayload(valid[0]!.payload, { recvTs: 1n, recvMonoNs: 2n });
    d.pushPayload(valid[1]!.payload, { recvTs: 1n, recvMonoNs: 2n });
    const before = d.stats();
    for (const v of invalid) {
      let err: unknown;
      try {
        d.pushPayload(v.payload);
      } catch (e) {
        err = e;
      }
      expect(err, v.case).toBeInstanceOf(ParseError);
      expect(err as ParseError).toMatchObject({ code: 'ERR_PARSE', reason: expect.stringMatching(/^[A-Z_]+$/) });
    }
    expect(d.stats()).toEqual(before); // full ring, drop-oldest: still nothing evicted
    expect(d.poll(5)).toEqual([valid[0], valid[1]].map((v) => decodeBestBidAsk(v!.payload, { recvTs: 1n, recvMonoNs: 2n })));
    expect(() => d.pushPayload('nope' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
