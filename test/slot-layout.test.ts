import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  SlotLayout,
  SlotView,
  readBestBidAsk,
  readFullBidOffer,
  readSymbol,
  slotMemory,
  writeEvent,
  writeMeta,
  writeSymbol,
  type BestBidAsk,
  type FullBidOffer,
} from '../src/events/index.js';
import { nativeBinding } from '../src/native.js';

const headerPath = fileURLToPath(new URL('../native/include/settrade/slot_layout.h', import.meta.url));

/** `kRecvTsOffset` -> `recvTsOffset`. */
function tsName(cName: string): string {
  const s = cName.slice(1);
  return s[0]!.toLowerCase() + s.slice(1);
}

function parseHeader(): Map<string, number> {
  const text = readFileSync(headerPath, 'utf8');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/constexpr\s+std::size_t\s+(k\w+)\s*=\s*(\d+)\s*;/g)) {
    out.set(tsName(m[1]!), Number(m[2]));
  }
  return out;
}

describe('slot layout', () => {
  it('the TS mirror equals every constant of slot_layout.h', () => {
    const header = parseHeader();
    expect(header.size).toBeGreaterThan(15);
    expect(Object.fromEntries(header)).toEqual({ ...SlotLayout });
  });

  // js project: nothing native is loaded to compare (the native project requires it).
  it.skipIf(!nativeBinding)('the loaded addon reports the same layout', () => {
    if (!nativeBinding) return; // narrows the type
    expect({ ...nativeBinding.layout }).toEqual({ ...SlotLayout });
  });
});

/** A FullBidOffer of `symbol`: bid prices, ask prices, bid volumes, ask volumes; flags NORMAL unless given. */
function fullBook(
  symbol: string,
  [bidPrices, askPrices, bidVolumes, askVolumes]: readonly (readonly number[])[],
  meta: Pick<FullBidOffer, 'recvTs' | 'recvMonoNs' | 'connectionEpoch'>,
  [bidFlag, askFlag] = [1, 1],
): FullBidOffer {
  return { symbol, bidPrices: bidPrices!, askPrices: askPrices!, bidVolumes: bidVolumes!, askVolumes: askVolumes!, bidFlag, askFlag, ...meta };
}

describe('slot writer and reader', () => {
  const mem = slotMemory(new ArrayBuffer(4 * 512));

  it('round-trips a FullBidOffer exactly, as frozen objects', () => {
    const e = fullBook(
      'BANPU-W5',
      [
        [19.6, 19.5, 0.1 + 0.2, -1.25, 0, 0, 0, 0, 0, 1e-9],
        [19.7, 20, 21, 22, 23, 24, 25, 26, 27, 28],
        [1, 2, 3, 2 ** 53 - 1, -(2 ** 40), 0, 0, 0, 0, 4294967296],
        [10, 20, 30, 40, 50, 60, 70, 80, 90, -1],
      ],
      { recvTs: 1_732_000_000_123_456_789n, recvMonoNs: -5n, connectionEpoch: 4_000_000_000 },
      [1, 77],
    );
    writeEvent('fullBidOffer', e, mem, 384);
    const r = readFullBidOffer(mem, 384);
    expect(r).toEqual(e);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.bidPrices)).toBe(true);
    for (let i = 0; i < 10; i++) expect(Object.is(r.bidPrices[i], e.bidPrices[i])).toBe(true);
  });

  it('shares a level array only when its bytes are equal: a volume 0 -> -2^63 (the bytes of -0.0) is a change', () => {
    const base = fullBook(
      'SHARE',
      [
        [5, 4, 3, 2, 1, 0, 0, 0, 0, 0],
        [6, 7, 8, 9, 10, 0, 0, 0, 0, 0],
        [100, 200, 0, 0, 0, 0, 0, 0, 0, 0],
        [1, 2, 3, 4, 5, 0, 0, 0, 0, 0],
      ],
      { recvTs: 1n, recvMonoNs: 2n, connectionEpoch: 0 },
    );
    writeEvent('fullBidOffer', base, mem, 1152);
    const a = readFullBidOffer(mem, 1152);
    writeEvent('fullBidOffer', { ...base, bidVolumes: [100, 200, -(2 ** 63), 0, 0, 0, 0, 0, 0, 0], recvMonoNs: 3n }, mem, 1152);
    const b = readFullBidOffer(mem, 1152);
    expect(b.bidVolumes).not.toBe(a.bidVolumes);
    expect(b.bidVolumes[2]).toBe(-(2 ** 63));
    expect(b.bidPrices).toBe(a.bidPrices);
    expect(b.askVolumes).toBe(a.askVolumes);
    writeEvent('fullBidOffer', { ...base, bidVolumes: [100, 200, 2 ** 31, 0, 0, 0, 0, 0, 0, 0] }, mem, 1152);
    expect(readFullBidOffer(mem, 1152).bidVolumes).toEqual([100, 200, 2 ** 31, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('round-trips a BestBidAsk, including a UTF-8 symbol and meta', () => {
    const e: BestBidAsk = {
      symbol: 'S&J ทดสอบ',
      bid: 3.62,
      ask: 3.64,
      bidVol: 348000,
      askVol: 2 ** 52 + 3,
      bidFlag: 2,
      askFlag: 3,
      recvTs: 0n,
      recvMonoNs: 0n,
      connectionEpoch: 0,
    };
    writeEvent('bestBidAsk', e, mem, 128);
    writeMeta(mem, 128, 2n ** 62n + 7n, 123n, 9);
    const r = readBestBidAsk(mem, 128);
    expect(r).toEqual({ ...e, recvTs: 2n ** 62n + 7n, recvMonoNs: 123n, connectionEpoch: 9 });
    expect(Object.isFrozen(r)).toBe(true);
    expect(readBestBidAsk(mem, 128).symbol).toBe(r.symbol);
  });

  it('rejects a symbol longer than 32 UTF-8 bytes, naming the field', () => {
    const e = { symbol: 'ทดสอบทดสอบทดสอบ', bid: 1, ask: 1, bidVol: 1, askVol: 1, bidFlag: 1, askFlag: 1, recvTs: 0n, recvMonoNs: 0n, connectionEpoch: 0 };
    expect(() => writeEvent('bestBidAsk', e, mem, 0)).toThrow(/symbol/);
    expect(() => writeEvent('bestBidAsk', { ...e, symbol: 'X'.repeat(33) }, mem, 0)).toThrow(/symbol/);
    writeEvent('bestBidAsk', { ...e, symbol: 'Y'.repeat(32) }, mem, 0);
    expect(readBestBidAsk(mem, 0).symbol).toBe('Y'.repeat(32));
    // A BestBidAsk has no levels to write into a full-depth slot: an InvalidEventError naming the field, nothing written.
    expect(() => writeEvent('fullBidOffer', { ...e, symbol: 'Z' }, mem, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_EVENT', field: 'bidPrices', message: expect.stringMatching(/^bidPrices: /) }),
    );
    expect(readBestBidAsk(mem, 0).symbol).toBe('Y'.repeat(32));
  });

  it('SlotView reads the same values as the frozen readers and materializes them', () => {
    const fbo = fullBook(
      'PTT',
      [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
        [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
        [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      ],
      { recvTs: 99n, recvMonoNs: 98n, connectionEpoch: 1 },
    );
    writeEvent('fullBidOffer', fbo, mem, 768);
    const v = new SlotView('fullBidOffer', mem).at(768);
    expect([v.symbol, v.bid, v.ask, v.bidVol, v.askVol, v.bidFlag, v.askFlag]).toEqual(['PTT', 1, 11, 100, 5, 1, 1]);
    expect([v.bidPrice(9), v.askPrice(9), v.bidVolume(9), v.askVolume(9), v.bidPrice(10)]).toEqual([10, 20, 1000, 14, 0]);
    expect([v.recvTs, v.recvMonoNs, v.connectionEpoch]).toEqual([99n, 98n, 1]);
    expect(v.toEvent()).toEqual(fbo);
    const b = new SlotView('bestBidAsk', mem).at(128);
    expect([b.bid, b.ask, b.bidPrice(0), b.askVolume(0), b.askPrice(1)]).toEqual([3.62, 3.64, 3.62, 2 ** 52 + 3, 0]);
  });
});

describe('writeSymbol', () => {
  // The ASCII path stores four bytes a word: the field must still hold exactly
  // the UTF-8 bytes, zero padded, whatever the length and whatever was there before.
  it('writes exactly the UTF-8 bytes, zero padded, for every length and over a longer symbol', () => {
    const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize));
    const field = (): number[] => Array.from(mem.u8.subarray(SlotLayout.symbolOffset, SlotLayout.symbolOffset + SlotLayout.symbolCapacity));
    const symbols: string[] = [];
    for (let n = 1; n <= 32; n++) symbols.push('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, n));
    symbols.push('S&J ทดสอบ', 'ทดสอบทดสอ', 'PTT-R', 'A\u007f', 'A\u0080', 'ก');
    for (const symbol of symbols) {
      mem.u8.fill(0xee);
      writeSymbol(mem, 0, symbol);
      const bytes = Array.from(new TextEncoder().encode(symbol));
      expect(field()).toEqual([...bytes, ...new Array<number>(SlotLayout.symbolCapacity - bytes.length).fill(0)]);
      expect(mem.u8[SlotLayout.symbolLengthOffset]).toBe(bytes.length);
      expect(readSymbol(mem, 0)).toBe(symbol);
    }
    // 33 ASCII bytes, or 33+ UTF-8 bytes, are refused naming the field, and the field is left as it was.
    writeSymbol(mem, 0, 'PTT');
    const before = field();
    for (const tooLong of ['X'.repeat(33), 'ABCDทดสอบทดสอบท', 'ทดสอบทดสอบท']) {
      expect(() => writeSymbol(mem, 0, tooLong)).toThrow(expect.objectContaining({ field: 'symbol' }));
      expect(field()).toEqual(before);
      expect(readSymbol(mem, 0)).toBe('PTT');
    }
  });
});
