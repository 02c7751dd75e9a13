/**
 * Writes events into slots (see `slot-layout.ts`). Used by `Dispatcher.push`
 * for events that were built in JS rather than decoded straight into a slot.
 * Everything is written through the typed-array views of a `SlotMemory`, so
 * nothing is allocated except for non-ASCII symbols (rare).
 */
import { SlotLayout as L, type EventKind, type SlotMemory } from './slot-layout.js';
import { isFullBidOffer, type BestBidAsk, type BidOfferEvent, type FullBidOffer } from './types.js';

const TWO32 = 4294967296;
const utf8 = new TextEncoder();
const symbolScratch = new Uint8Array(L.symbolCapacity * 4);

/** Stores an integral number as int64 at the 8-byte aligned byte offset `byteOff`. */
export function writeInt64(mem: SlotMemory, byteOff: number, value: number): void {
  const i = byteOff >> 2;
  if ((value | 0) === value) {
    // Small integers (every real volume): the sign fills the high half.
    mem.i32[i] = value;
    mem.i32[i + 1] = value < 0 ? -1 : 0;
    return;
  }
  const hi = Math.floor(value / TWO32);
  mem.i32[i] = value - hi * TWO32; // low half, written as its bit pattern
  mem.i32[i + 1] = hi;
}

/**
 * Stores a bigint as int64 (two's complement, wrapped to 64 bits) at the
 * 8-byte aligned `byteOff`. A BigInt64Array store converts in place: unlike
 * BigInt.asIntN and shifts, it allocates nothing (this runs on every push).
 */
export function writeBigInt64(mem: SlotMemory, byteOff: number, value: bigint): void {
  mem.i64[byteOff >> 3] = value;
}

/**
 * Writes the receive metadata of the slot at `off`: wall-clock and monotonic
 * timestamps (ns) and the connection epoch. The decoders leave these alone.
 */
export function writeMeta(mem: SlotMemory, off: number, recvTsNs: bigint, recvMonoNs: bigint, epoch: number): void {
  writeBigInt64(mem, off + L.recvTsOffset, recvTsNs);
  writeBigInt64(mem, off + L.recvMonoNsOffset, recvMonoNs);
  mem.u32[(off + L.connectionEpochOffset) >> 2] = epoch >>> 0;
}

/**
 * Writes `symbol` as its UTF-8 bytes (length byte + bytes, zero padded).
 * Throws a RangeError when it needs more than `SlotLayout.symbolCapacity` bytes.
 */
export function writeSymbol(mem: SlotMemory, off: number, symbol: string): void {
  const u8 = mem.u8;
  const base = off + L.symbolOffset;
  const n = symbol.length;
  let ascii = n <= L.symbolCapacity;
  for (let k = 0; ascii && k < n; k++) if (symbol.charCodeAt(k) > 0x7f) ascii = false;
  if (ascii) {
    if ((base & 3) === 0) {
      // Zero the field as eight int32 words, then write the bytes: cheaper
      // than the builtin call of u8.fill for the padding (~15 ns a push).
      const i32 = mem.i32;
      const w = base >> 2;
      for (let k = 0; k < L.symbolCapacity >> 2; k++) i32[w + k] = 0;
      for (let k = 0; k < n; k++) u8[base + k] = symbol.charCodeAt(k);
    } else {
      for (let k = 0; k < n; k++) u8[base + k] = symbol.charCodeAt(k);
      u8.fill(0, base + n, base + L.symbolCapacity);
    }
    u8[off + L.symbolLengthOffset] = n;
    return;
  }
  const { read, written } = utf8.encodeInto(symbol, symbolScratch);
  if (read !== n || written > L.symbolCapacity) {
    throw new RangeError(`symbol: '${symbol.slice(0, 40)}' is longer than ${L.symbolCapacity} UTF-8 bytes`);
  }
  u8.set(symbolScratch.subarray(0, written), base);
  u8.fill(0, base + written, base + L.symbolCapacity);
  u8[off + L.symbolLengthOffset] = written;
}

function checkLevels(name: string, values: readonly number[]): void {
  if (values.length > L.depthLevels) {
    throw new RangeError(`${name}: at most ${L.depthLevels} levels, got ${values.length}`);
  }
}

// `event` as a FullBidOffer whose books fit a slot; throws (naming the field) otherwise.
function checkedFullBidOffer(event: BidOfferEvent): FullBidOffer {
  if (!isFullBidOffer(event)) throw new TypeError('event.bidPrices: a fullBidOffer slot needs a FullBidOffer event (level arrays)');
  checkLevels('bidPrices', event.bidPrices);
  checkLevels('askPrices', event.askPrices);
  checkLevels('bidVolumes', event.bidVolumes);
  checkLevels('askVolumes', event.askVolumes);
  return event;
}

/**
 * Writes a whole event (book, flags, symbol, metadata) into the slot of kind
 * `kind` at byte offset `off`. Missing levels of a FullBidOffer are written
 * as zero. Throws RangeError (naming the field) for a symbol that does not
 * fit or a book with more than ten levels, TypeError for a BestBidAsk given
 * for a fullBidOffer slot; a bad book is refused before anything is written.
 */
export function writeEvent(kind: EventKind, event: BidOfferEvent, mem: SlotMemory, off: number): void {
  // Books are checked before anything is written (the symbol, as it is written, first).
  const full = kind === 'fullBidOffer' ? checkedFullBidOffer(event) : undefined;
  writeSymbol(mem, off, event.symbol);
  mem.i32[(off + L.bidFlagOffset) >> 2] = event.bidFlag;
  mem.i32[(off + L.askFlagOffset) >> 2] = event.askFlag;
  writeMeta(mem, off, event.recvTs, event.recvMonoNs, event.connectionEpoch);
  const f64 = mem.f64;
  if (full === undefined) {
    const e = event as Partial<BestBidAsk> & Partial<FullBidOffer>;
    // Accept a FullBidOffer too: its level 1 is the best bid/ask.
    const bid = e.bid ?? e.bidPrices?.[0] ?? 0;
    const ask = e.ask ?? e.askPrices?.[0] ?? 0;
    f64[(off + L.bbaBidOffset) >> 3] = bid;
    f64[(off + L.bbaAskOffset) >> 3] = ask;
    writeInt64(mem, off + L.bbaBidVolOffset, e.bidVol ?? e.bidVolumes?.[0] ?? 0);
    writeInt64(mem, off + L.bbaAskVolOffset, e.askVol ?? e.askVolumes?.[0] ?? 0);
    return;
  }
  const e = full;
  const bp = (off + L.fboBidPricesOffset) >> 3;
  const ap = (off + L.fboAskPricesOffset) >> 3;
  for (let k = 0; k < L.depthLevels; k++) {
    f64[bp + k] = e.bidPrices[k] ?? 0;
    f64[ap + k] = e.askPrices[k] ?? 0;
    writeInt64(mem, off + L.fboBidVolumesOffset + 8 * k, e.bidVolumes[k] ?? 0);
    writeInt64(mem, off + L.fboAskVolumesOffset + 8 * k, e.askVolumes[k] ?? 0);
  }
}
