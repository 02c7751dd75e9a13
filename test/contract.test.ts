/**
 * One check for every constant shared across the language boundary: the
 * addon's `contract` export (built from the C++ headers' constexprs, see
 * native/src/contract_binding.cc) against the TypeScript mirrors. A constant
 * changed on one side only fails here. Needs the addon: in the js project
 * (SETTRADE_FEED_BACKEND=js, nothing native loaded) it is skipped, visibly.
 */
import { describe, expect, it } from 'vitest';
import { DecodeStatus, ParseError, parseErrorReason } from '../src/codec/status.js';
import { INDEX_LIMIT, MAX_RING_CAPACITY, OVERFLOW_CODE, PUSH_ACCEPTED, PUSH_EVICTED, PUSH_WAKE, RING_MAGIC, RING_VERSION, RingHeader } from '../src/dispatcher/ring-layout.js';
import { SlotLayout } from '../src/events/slot-layout.js';
import { nativeBinding } from '../src/native.js';

const contract = nativeBinding?.contract;

describe.skipIf(contract === undefined)('cross-language contract: addon constants = TypeScript mirrors (needs the addon; skipped in the js project)', () => {
  it('slot layout: offsets and sizes of BestBidAsk and FullBidOffer slots', () => {
    expect({ ...contract!.slot }).toEqual({ ...SlotLayout });
  });

  it('ring header: offsets, magic, version, limits and overflow codes', () => {
    expect({ ...contract!.ring }).toEqual({
      ...RingHeader,
      magic: RING_MAGIC,
      version: RING_VERSION,
      maxCapacity: MAX_RING_CAPACITY,
      indexLimit: INDEX_LIMIT,
      overflowDropOldest: OVERFLOW_CODE['drop-oldest'],
      overflowRejectNewest: OVERFLOW_CODE['reject-newest'],
    });
  });

  it('push result bits', () => {
    expect({ ...contract!.push }).toEqual({ accepted: PUSH_ACCEPTED, evicted: PUSH_EVICTED, wake: PUSH_WAKE });
  });

  it('decode statuses: values and names, as ParseError reports them', () => {
    expect({ ...contract!.decodeStatus }).toEqual({ ...DecodeStatus });
    for (const [name, value] of Object.entries(contract!.decodeStatus)) {
      if (value === DecodeStatus.OK) continue;
      expect([value, parseErrorReason(value)]).toEqual([value, name]);
      expect(new ParseError(value)).toMatchObject({ code: 'ERR_PARSE', reason: name, status: value });
    }
  });
});
