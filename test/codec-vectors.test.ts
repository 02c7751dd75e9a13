import { describe, expect, it } from 'vitest';
import {
  DecodeStatus,
  ParseError,
  decodeBestBidAsk,
  decodeFullBidOffer,
  decodeIntoSlot,
  jsDecodeIntoSlot,
  parseErrorReason,
  wallClockNs,
  monoNs,
  monoNsNumber,
  type DecodeIntoSlot,
} from '../src/codec/index.js';
import type { BoundDecoders } from '../src/codec/native-binding.js';
import { spawnSync } from 'node:child_process';
import { tsxLoader } from './helpers/cli.js';
import { SlotLayout, readBestBidAsk, readFullBidOffer, slotMemory } from '../src/events/index.js';
import { backend, nativeBinding } from '../src/native.js';
import { decodeWithProtobufjs } from './helpers/proto.js';
import { loadAddonDirectly, loadInvalidVectors, loadValidVectors, toHex, type ExpectedBook } from './helpers/vectors.js';

const valid = loadValidVectors();
const invalid = loadInvalidVectors();
const addon = nativeBinding ?? loadAddonDirectly();
// The addon's argument errors (NativeError once src/native.ts registered it; a coded TypeError/RangeError
// when the test loaded the addon itself under the JS backend): matched by code either way.
const nativeArgType = expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' });
const nativeArgValue = expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' });

const backends: [string, DecodeIntoSlot][] = [['js', jsDecodeIntoSlot]];
if (addon) {
  backends.push([
    'native',
    (kind, payload, mem, off) =>
      kind === 'bestBidAsk' ? addon.decodeBestBidAsk(payload, mem.u8, off) : addon.decodeFullBidOffer(payload, mem.u8, off),
  ]);
  // The bound form (what the public API calls): one bindSlots per slot buffer.
  const bound = new WeakMap<Uint8Array, BoundDecoders>();
  backends.push([
    'native (bound)',
    (kind, payload, mem, off) => {
      let b = bound.get(mem.u8);
      if (!b) bound.set(mem.u8, (b = addon.bindSlots(mem.u8)));
      return kind === 'bestBidAsk' ? b.decodeBestBidAsk(payload, off) : b.decodeFullBidOffer(payload, off);
    },
  ]);
}

function expectBitEqual(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

function expectBook(actual: ExpectedBook, e: ExpectedBook, what: string): void {
  expect(actual.symbol, what).toBe(e.symbol);
  expectBitEqual(actual.bidPrices, e.bidPrices, `${what} bidPrices`);
  expectBitEqual(actual.askPrices, e.askPrices, `${what} askPrices`);
  expect(actual.bidVolumes, what).toEqual(e.bidVolumes);
  expect(actual.askVolumes, what).toEqual(e.askVolumes);
  expect([actual.bidFlag, actual.askFlag], what).toEqual([e.bidFlag, e.askFlag]);
}

describe('codec on the shared vectors', () => {
  it('has vectors and the backend this project requires', () => {
    expect(valid.length).toBeGreaterThan(100);
    expect(invalid.length).toBeGreaterThan(10);
    if (process.env.SETTRADE_FEED_BACKEND === 'native') {
      expect(backend).toBe('native');
      expect(decodeIntoSlot).not.toBe(jsDecodeIntoSlot);
    } else {
      expect(backend).toBe('js');
      expect(decodeIntoSlot).toBe(jsDecodeIntoSlot);
    }
  });

  it.skipIf(!addon)('native: runs the C++ decoder variant SETTRADE_FEED_NATIVE_DECODER asks for', () => {
    if (process.env.SETTRADE_FEED_NATIVE_DECODER === 'portable') expect(addon!.decoderVariant).toBe('portable');
    else expect(['bmi2', 'portable']).toContain(addon!.decoderVariant);
  });

  it('monoNsNumber reads the clock of monoNs(), as a number', () => {
    for (let i = 0; i < 100; i++) {
      const before = monoNs();
      const t = monoNsNumber();
      const after = monoNs();
      expect(typeof t).toBe('number');
      // A double holds these values to within its rounding (< 1 ns below 2^53).
      expect(t).toBeGreaterThanOrEqual(Number(before) - 1);
      expect(t).toBeLessThanOrEqual(Number(after) + 1);
    }
  });

  it.skipIf(!addon)('native: bindMonoClock writes the monotonic clock into its cell and refuses anything but a Float64Array', () => {
    expect(() => addon!.bindMonoClock(new Float32Array(1) as unknown as Float64Array)).toThrow(nativeArgType);
    expect(() => addon!.bindMonoClock(new Float64Array(0))).toThrow(nativeArgType);
    const cell = new Float64Array(2);
    const read = addon!.bindMonoClock(cell);
    const before = Number(monoNs());
    expect(read()).toBeUndefined();
    const after = Number(monoNs());
    expect(cell[0]).toBeGreaterThanOrEqual(before - 1);
    expect(cell[0]).toBeLessThanOrEqual(after + 1);
    expect(cell[1]).toBe(0);
  });

  it('an unknown SETTRADE_FEED_NATIVE_DECODER is refused with a message naming it', () => {
    const r = spawnSync(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', "await import('./src/native.ts')"], {
      env: { ...process.env, SETTRADE_FEED_BACKEND: 'auto', SETTRADE_FEED_NATIVE_DECODER: 'avx9000' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("SETTRADE_FEED_NATIVE_DECODER must be 'auto', 'portable' or 'bmi2', got 'avx9000'");
  });

  it.skipIf(!addon)('native (bound): rejects wrong arguments and slots outside the bound buffer', () => {
    expect(() => addon!.bindSlots(new Int32Array(8) as unknown as Uint8Array)).toThrow(nativeArgType);
    const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize));
    const b = addon!.bindSlots(mem.u8);
    const payload = valid[1]!.payload;
    expect(() => b.decodeFullBidOffer(payload, 8)).toThrow(nativeArgValue); // slot would end past the buffer
    expect(() => b.decodeFullBidOffer(payload, 4)).toThrow(nativeArgValue); // not a multiple of 8
    expect(() => b.decodeFullBidOffer('x' as unknown as Uint8Array, 0)).toThrow(nativeArgType);
    expect(b.decodeBestBidAsk(payload, SlotLayout.fullBidOfferSlotSize - SlotLayout.bestBidAskSlotSize)).toBe(DecodeStatus.OK);
    expect(b.decodeFullBidOffer(payload, 0)).toBe(DecodeStatus.OK);
    expect(readFullBidOffer(mem, 0).symbol).toBe(valid[1]!.expect.symbol);
    // Offset omitted: slot 0; a buffer smaller than a slot is refused.
    expect(b.decodeFullBidOffer(valid[2]!.payload)).toBe(DecodeStatus.OK);
    expect(readFullBidOffer(mem, 0).symbol).toBe(valid[2]!.expect.symbol);
    const tiny = addon!.bindSlots(new Uint8Array(64));
    expect(() => tiny.decodeBestBidAsk(payload)).toThrow(nativeArgValue);
  });

  for (const [name, decode] of backends) {
    it(`${name}: decodes every valid vector exactly, both kinds`, () => {
      const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize * 2));
      for (const [i, v] of valid.entries()) {
        const what = `${name} valid #${i} ${v.hex}`;
        expect(decode('fullBidOffer', v.payload, mem, 0), what).toBe(DecodeStatus.OK);
        expectBook(readFullBidOffer(mem, 0), v.expect, what);
        expect(decode('bestBidAsk', v.payload, mem, SlotLayout.fullBidOfferSlotSize), what).toBe(DecodeStatus.OK);
        const b = readBestBidAsk(mem, SlotLayout.fullBidOfferSlotSize);
        expect(b.symbol, what).toBe(v.expect.symbol);
        expect(Object.is(b.bid, v.expect.bidPrices[0]) && Object.is(b.ask, v.expect.askPrices[0]), what).toBe(true);
        expect([b.bidVol, b.askVol, b.bidFlag, b.askFlag], what).toEqual([
          v.expect.bidVolumes[0],
          v.expect.askVolumes[0],
          v.expect.bidFlag,
          v.expect.askFlag,
        ]);
      }
    });

    it(`${name}: rejects every invalid vector, both kinds, leaving the slot untouched`, () => {
      const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize));
      for (const [i, v] of invalid.entries()) {
        mem.u8.fill(0x5a);
        const a = decode('fullBidOffer', v.payload, mem, 0);
        const b = decode('bestBidAsk', v.payload, mem, 0);
        expect(a, `${name} invalid #${i} ${v.case} ${v.hex}`).not.toBe(DecodeStatus.OK);
        expect(b, `${name} invalid #${i} ${v.case}`).toBe(a);
        expect(mem.u8.every((x) => x === 0x5a), `${name} invalid #${i}: slot written`).toBe(true);
      }
    });
  }

  it('public API: decodeFullBidOffer/decodeBestBidAsk return frozen events with the expected values', () => {
    for (const v of valid) {
      const f = decodeFullBidOffer(v.payload, { recvTs: 5n, recvMonoNs: 6n, connectionEpoch: 7 });
      expectBook(f, v.expect, v.hex);
      expect([f.recvTs, f.recvMonoNs, f.connectionEpoch]).toEqual([5n, 6n, 7]);
      expect(Object.isFrozen(f) && Object.isFrozen(f.bidPrices) && Object.isFrozen(f.askVolumes)).toBe(true);
      const b = decodeBestBidAsk(v.payload);
      expect(Object.isFrozen(b)).toBe(true);
      expect(Object.is(b.bid, v.expect.bidPrices[0]) && b.askVol === v.expect.askVolumes[0]).toBe(true);
    }
  });

  it('public API: missing metadata defaults to now (wall and monotonic ns) and epoch 0', () => {
    const wall0 = BigInt(Date.now()) * 1_000_000n;
    const mono0 = process.hrtime.bigint();
    const e = decodeBestBidAsk(valid[1]!.payload, { connectionEpoch: 3 });
    const mono1 = process.hrtime.bigint();
    expect(e.connectionEpoch).toBe(3);
    expect(e.recvMonoNs >= mono0 && e.recvMonoNs <= mono1).toBe(true);
    // The anchored wall clock is within a few ms of Date.now() and never behind the first read.
    expect(e.recvTs > wall0 - 5_000_000n && e.recvTs < wall0 + 1_000_000_000n).toBe(true);
    expect(wallClockNs() >= e.recvTs).toBe(true);
    expect(decodeFullBidOffer(valid[1]!.payload).connectionEpoch).toBe(0);
  });

  it('public API: throws ParseError with code ERR_PARSE, reason and status for every invalid vector, both kinds', () => {
    for (const v of invalid) {
      for (const decode of [decodeBestBidAsk, decodeFullBidOffer]) {
        let err: unknown;
        try {
          decode(v.payload);
        } catch (e) {
          err = e;
        }
        expect(err, `${v.case} ${v.hex}`).toBeInstanceOf(ParseError);
        const pe = err as ParseError;
        expect(pe.code).toBe('ERR_PARSE');
        expect(pe.reason).toBe(parseErrorReason(pe.status));
        expect(pe.reason).not.toBe('UNKNOWN');
        expect(pe.message).toContain(pe.reason);
      }
    }
    const codes = new Set(invalid.map((v) => { try { decodeFullBidOffer(v.payload); } catch (e) { return (e as ParseError).reason; } return 'accepted'; }));
    expect([...codes].sort()).toEqual(['LENGTH_OVERFLOW', 'TRUNCATED', 'BAD_WIRE_TYPE', 'VARINT_TOO_LONG'].sort());
  });

  it('public API: rejects a payload that is not a Uint8Array with ERR_INVALID_ARG_TYPE', () => {
    expect(() => decodeBestBidAsk('0a01' as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'InvalidArgTypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => decodeFullBidOffer(null as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'InvalidArgTypeError', code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('protobufjs decodes the valid vectors to the same values (the .proto is right)', () => {
    for (const v of valid) expectBook(decodeWithProtobufjs(v.payload), v.expect, `protobufjs ${v.hex}`);
  });

  it.skipIf(!addon)('native binding: validates arguments with ERR_INVALID_ARG_TYPE/ERR_INVALID_ARG_VALUE', () => {
    if (!addon) return; // narrows the type
    const mem = slotMemory(new ArrayBuffer(512));
    const p = valid[1]!.payload;
    expect(() => addon.decodeFullBidOffer('x' as unknown as Uint8Array, mem.u8, 0)).toThrow(nativeArgType);
    expect(() => addon.decodeFullBidOffer(p, {} as unknown as Uint8Array, 0)).toThrow(nativeArgType);
    expect(() => addon.decodeFullBidOffer(p, mem.u8, 'a' as unknown as number)).toThrow(nativeArgType);
    expect(() => addon.decodeFullBidOffer(p, mem.u8, 4)).toThrow(nativeArgValue);
    expect(() => addon.decodeFullBidOffer(p, mem.u8, 136)).toThrow(nativeArgValue);
    expect(addon.decodeFullBidOffer(p, mem.u8, 128)).toBe(0);
    expect(addon.decodeBestBidAsk(p, mem.u8.buffer, 384)).toBe(0);
    expect(() => addon.decodeBestBidAsk(p, mem.u8, 392)).toThrow(nativeArgValue);
    expect(toHex(p)).toBe(valid[1]!.hex);
  });

  it.skipIf(!addon)('native binding: decodeBatch decodes many payloads in one call, with per-payload statuses', () => {
    if (!addon) return; // narrows the type
    const payloads = [valid[0]!.payload, invalid[0]!.payload, valid[3]!.payload, new Uint8Array(0)];
    const data = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
    const offsets = new Int32Array(payloads.length + 1);
    payloads.forEach((p, i) => {
      data.set(p, offsets[i]!);
      offsets[i + 1] = offsets[i]! + p.length;
    });
    const S = SlotLayout.fullBidOfferSlotSize;
    const mem = slotMemory(new ArrayBuffer(S * 5));
    const statuses = new Int32Array(4).fill(-1);
    expect(addon.decodeBatch(1, data, offsets, 4, mem.u8, S, statuses)).toBe(3);
    expect(statuses[0]).toBe(0);
    expect(statuses[1]).toBe(jsDecodeIntoSlot('fullBidOffer', payloads[1]!, slotMemory(new ArrayBuffer(S)), 0));
    expect(statuses[1]).not.toBe(0);
    expect([statuses[2], statuses[3]]).toEqual([0, 0]);
    expectBook(readFullBidOffer(mem, S), valid[0]!.expect, 'batch 0');
    expectBook(readFullBidOffer(mem, 3 * S), valid[3]!.expect, 'batch 2');
    expect(readFullBidOffer(mem, 4 * S).symbol).toBe('');
    const bad = Int32Array.from([0, 5, 2, 0, 0]);
    expect(() => addon.decodeBatch(1, data, bad, 4, mem.u8, 0, statuses)).toThrow(nativeArgValue);
    expect(() => addon.decodeBatch(1, data, offsets, 4, mem.u8, S * 2, statuses)).toThrow(nativeArgValue);
    expect(() => addon.decodeBatch(2 as 1, data, offsets, 4, mem.u8, 0, statuses)).toThrow(nativeArgType);
  });
});
