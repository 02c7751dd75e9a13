/**
 * Reads events out of slots (see `slot-layout.ts`): frozen plain objects for
 * users (`readBestBidAsk`, `readFullBidOffer`) and a reusable, allocation-free
 * view (`SlotView`) for the consumer's hot path.
 */
import { SlotLayout, type EventKind, type SlotMemory } from './slot-layout.js';
import type { BestBidAsk, EventOf, FullBidOffer } from './types.js';

// A module-local alias, not the imported binding, in the hot paths: a loader
// that compiles ESM to CommonJS (tsx, which runs the benches and tests) turns
// each use of an imported binding into a call of a shared getter, which V8
// stops inlining once several modules use it (writeCheckedEvent ran 5x slower
// under tsx with the decoder loaded). Compiled output is unaffected either way.
const L = SlotLayout;

const TWO32 = 4294967296;

/** Reads the int64 at byte offset `byteOff` as a number (exact up to 2^53). */
export function readInt64(mem: SlotMemory, byteOff: number): number {
  const i = byteOff >> 2;
  return mem.i32[i + 1]! * TWO32 + mem.u32[i]!;
}

/** Reads the int64 at byte offset `byteOff` exactly, as a bigint. */
export function readBigInt64(mem: SlotMemory, byteOff: number): bigint {
  return mem.i64[byteOff >> 3]!;
}

// Symbols repeat (a feed carries a few hundred), so decoded strings are cached
// by their bytes: a hit compares the bytes and allocates nothing.
const CACHE_SIZE = 1024;
const cacheBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SIZE);
const cacheStrings: string[] = new Array<string>(CACHE_SIZE).fill('');
const utf8 = new TextDecoder('utf-8');

/** Decodes the symbol of the slot at `off`, through a small cache. */
export function readSymbol(mem: SlotMemory, off: number): string {
  return cacheStrings[symbolSlot(mem, off)]!;
}

// The symbol cache slot of the slot at `off`, filled with its symbol.
function symbolSlot(mem: SlotMemory, off: number): number {
  const u8 = mem.u8;
  const base = off + L.symbolOffset;
  let n = u8[off + L.symbolLengthOffset]!;
  if (n > L.symbolCapacity) n = L.symbolCapacity;
  let h = n * 0x9e3779b1;
  for (let k = 0; k < n; k++) h = Math.imul(h ^ u8[base + k]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & (CACHE_SIZE - 1);
  const cached = cacheBytes[slot];
  if (cached !== undefined && cached.length === n) {
    let same = true;
    for (let k = 0; k < n; k++) {
      if (cached[k] !== u8[base + k]) {
        same = false;
        break;
      }
    }
    if (same) return slot;
  }
  const bytes = u8.slice(base, base + n);
  let ascii = true;
  for (let k = 0; k < n; k++) if (bytes[k]! > 0x7f) ascii = false;
  cacheStrings[slot] = ascii ? String.fromCharCode.apply(null, bytes as unknown as number[]) : utf8.decode(bytes);
  cacheBytes[slot] = bytes;
  return slot;
}

// Structural sharing of level arrays. A depth update usually changes one
// level of one side, so of a FullBidOffer's four frozen arrays three are
// usually equal to the previous event's of the same symbol. Each symbol cache
// slot remembers, per array, the slot bytes it last read and the frozen array
// it built from them; equal bytes give back that same array (frozen, so
// sharing it is unobservable except that `prev.bidPrices === next.bidPrices`
// says "unchanged"). Bytes, not numbers, are compared, so -0 and NaN payloads
// stay exact. A collision in the symbol cache only costs a rebuild.
const LEVELS = L.depthLevels;
const ARRAYS = 4; // bidPrices, askPrices, bidVolumes, askVolumes
// The last bytes read per array, as float64s: ten compares an array instead
// of twenty int32 ones. Equal doubles have equal bytes except 0 and -0 (told
// apart by 1/x) and NaNs, which never compare equal (a rebuild). An int64
// volume compares through the same view (its bytes as a double).
const lastF64 = new Float64Array(CACHE_SIZE * ARRAYS * LEVELS);
const lastI32 = new Int32Array(lastF64.buffer);
const lastArrays: (readonly number[] | undefined)[] = new Array<readonly number[] | undefined>(CACHE_SIZE * ARRAYS);
// The literals below spell out ten levels: this fails to compile if the layout ever changes that.
const LITERAL_LEVELS: 10 = L.depthLevels;
void LITERAL_LEVELS;

// The int64 at int32 index `w`: an int32 when it is one (the high word is its sign), else exact up to 2^53.
function vol(i32: Int32Array, w: number): number {
  const lo = i32[w]!;
  const hi = i32[w + 1]!;
  return hi === lo >> 31 ? lo : hi * TWO32 + (lo >>> 0);
}

// Whether the levels at float64 index `f` of `f64` have the bytes last read for
// array `key` (small, so V8 inlines it: three of four arrays usually stop here).
function unchanged(f64: Float64Array, f: number, key: number): boolean {
  if (lastArrays[key] === undefined) return false;
  const base = key * LEVELS;
  for (let k = 0; k < LEVELS; k++) {
    const x = f64[f + k]!;
    const y = lastF64[base + k]!;
    if (x !== y || (x === 0 && 1 / x !== 1 / y)) return false;
  }
  return true;
}

function sharedLevels(mem: SlotMemory, byteOff: number, key: number, prices: boolean): readonly number[] {
  const f64 = mem.f64;
  if (unchanged(f64, byteOff >> 3, key)) return lastArrays[key]!;
  return rebuiltLevels(mem, byteOff, key, prices);
}

// Kept out of sharedLevels so that the compare, the common case, stays small enough to inline.
function rebuiltLevels(mem: SlotMemory, byteOff: number, key: number, prices: boolean): readonly number[] {
  const f64 = mem.f64;
  const f = byteOff >> 3;
  const base = key * LEVELS;
  if (prices) {
    for (let k = 0; k < LEVELS; k++) lastF64[base + k] = f64[f + k]!;
  } else {
    // Volumes as int32 words: a double copy may canonicalize a NaN pattern,
    // and an int64 whose bytes spell one must still read back exactly.
    const i32 = mem.i32;
    const from = byteOff >> 2;
    const to = base * 2;
    for (let k = 0; k < 2 * LEVELS; k++) lastI32[to + k] = i32[from + k]!;
  }
  // Built from that copy, not from the slot: poll() reads slots in the ring,
  // where the producer may be overwriting an evicted one right now, and the
  // array must hold exactly the bytes it will be shared for.
  // Array literals, not `new Array(10)` filled in a loop: V8 allocates a
  // literal once with its final elements kind (no holey-to-packed or
  // smi-to-double transitions), ~20 ns less per rebuilt array.
  let a: number[];
  const c = lastF64;
  const b = base;
  if (prices) {
    a = [c[b]!, c[b + 1]!, c[b + 2]!, c[b + 3]!, c[b + 4]!, c[b + 5]!, c[b + 6]!, c[b + 7]!, c[b + 8]!, c[b + 9]!];
  } else {
    // int64 k: low word w + 2k, high word w + 2k + 1 (signed), as readInt64.
    // Volumes below 2^31 (all of SET's) are read as int32: V8 keeps such an
    // array as small integers, which freeze without boxing each element.
    const i32 = lastI32;
    const w = base * 2;
    a = [
      vol(i32, w),
      vol(i32, w + 2),
      vol(i32, w + 4),
      vol(i32, w + 6),
      vol(i32, w + 8),
      vol(i32, w + 10),
      vol(i32, w + 12),
      vol(i32, w + 14),
      vol(i32, w + 16),
      vol(i32, w + 18),
    ];
  }
  const frozen = Object.freeze(a);
  lastArrays[key] = frozen;
  return frozen;
}

/** Materializes the BestBidAsk slot at byte offset `off` as a frozen object. */
export function readBestBidAsk(mem: SlotMemory, off: number): BestBidAsk {
  return Object.freeze({
    symbol: readSymbol(mem, off),
    bid: mem.f64[(off + L.bbaBidOffset) >> 3]!,
    ask: mem.f64[(off + L.bbaAskOffset) >> 3]!,
    bidVol: readInt64(mem, off + L.bbaBidVolOffset),
    askVol: readInt64(mem, off + L.bbaAskVolOffset),
    bidFlag: mem.i32[(off + L.bidFlagOffset) >> 2]!,
    askFlag: mem.i32[(off + L.askFlagOffset) >> 2]!,
    recvTs: readBigInt64(mem, off + L.recvTsOffset),
    recvMonoNs: readBigInt64(mem, off + L.recvMonoNsOffset),
    connectionEpoch: mem.u32[(off + L.connectionEpochOffset) >> 2]!,
  });
}

/**
 * Materializes the FullBidOffer slot at byte offset `off` as a frozen object
 * (arrays frozen too). A level array equal to the one handed out for the
 * previous event of the same symbol is that same frozen array.
 */
export function readFullBidOffer(mem: SlotMemory, off: number): FullBidOffer {
  const slot = symbolSlot(mem, off);
  const key = slot * ARRAYS;
  return Object.freeze({
    symbol: cacheStrings[slot]!,
    bidPrices: sharedLevels(mem, off + L.fboBidPricesOffset, key, true),
    askPrices: sharedLevels(mem, off + L.fboAskPricesOffset, key + 1, true),
    bidVolumes: sharedLevels(mem, off + L.fboBidVolumesOffset, key + 2, false),
    askVolumes: sharedLevels(mem, off + L.fboAskVolumesOffset, key + 3, false),
    bidFlag: mem.i32[(off + L.bidFlagOffset) >> 2]!,
    askFlag: mem.i32[(off + L.askFlagOffset) >> 2]!,
    recvTs: readBigInt64(mem, off + L.recvTsOffset),
    recvMonoNs: readBigInt64(mem, off + L.recvMonoNsOffset),
    connectionEpoch: mem.u32[(off + L.connectionEpochOffset) >> 2]!,
  });
}

/** Reads one slot of kind `K` (at byte offset `off` of `mem`) as a frozen event. */
export type SlotReader<K extends EventKind> = (mem: SlotMemory, off: number) => EventOf<K>;

const readers: { readonly [P in EventKind]: SlotReader<P> } = { bestBidAsk: readBestBidAsk, fullBidOffer: readFullBidOffer };

/** The reader of slots of kind `kind` (pick it once, call it per event). */
export function slotReader<K extends EventKind>(kind: K): SlotReader<K> {
  return readers[kind];
}

/** Materializes the slot of kind `kind` at byte offset `off` as a frozen event. */
export function readEvent<K extends EventKind>(kind: K, mem: SlotMemory, off: number): EventOf<K> {
  return readers[kind](mem, off);
}

/**
 * A reusable view over one slot at a time: getters read the slot directly,
 * so a consumer that only needs a few fields allocates nothing (the symbol
 * string comes from a cache; the bigint timestamps do allocate). Valid only
 * until the slot is reused: call `toEvent()` to keep a copy.
 */
export class SlotView<K extends EventKind = EventKind> {
  /** Which layout the slots use. */
  readonly kind: K;
  /** Memory the view reads. */
  mem: SlotMemory;
  /** Byte offset of the current slot in `mem`. */
  offset = 0;

  /** @param kind layout of the slots; @param mem memory holding them. */
  constructor(kind: K, mem: SlotMemory) {
    this.kind = kind;
    this.mem = mem;
  }

  /** Points the view at the slot at byte offset `off` (and optionally other memory); returns `this`. */
  at(off: number, mem?: SlotMemory): this {
    this.offset = off;
    if (mem !== undefined) this.mem = mem;
    return this;
  }

  /** Symbol (cached string). */
  get symbol(): string {
    return readSymbol(this.mem, this.offset);
  }
  /** Best bid price (level 1). */
  get bid(): number {
    return this.mem.f64[(this.offset + L.bbaBidOffset) >> 3]!;
  }
  /** Best ask price (level 1). */
  get ask(): number {
    return this.kind === 'bestBidAsk'
      ? this.mem.f64[(this.offset + L.bbaAskOffset) >> 3]!
      : this.mem.f64[(this.offset + L.fboAskPricesOffset) >> 3]!;
  }
  /** Best bid volume (level 1). */
  get bidVol(): number {
    return readInt64(this.mem, this.offset + (this.kind === 'bestBidAsk' ? L.bbaBidVolOffset : L.fboBidVolumesOffset));
  }
  /** Best ask volume (level 1). */
  get askVol(): number {
    return readInt64(this.mem, this.offset + (this.kind === 'bestBidAsk' ? L.bbaAskVolOffset : L.fboAskVolumesOffset));
  }
  /** Bid price at level `i` (0-based); 0 outside the book (a BestBidAsk slot has level 0 only). */
  bidPrice(i: number): number {
    if (this.kind === 'bestBidAsk') return i === 0 ? this.bid : 0;
    return i >= 0 && i < L.depthLevels ? this.mem.f64[((this.offset + L.fboBidPricesOffset) >> 3) + i]! : 0;
  }
  /** Ask price at level `i` (0-based). */
  askPrice(i: number): number {
    if (this.kind === 'bestBidAsk') return i === 0 ? this.ask : 0;
    return i >= 0 && i < L.depthLevels ? this.mem.f64[((this.offset + L.fboAskPricesOffset) >> 3) + i]! : 0;
  }
  /** Bid volume at level `i` (0-based). */
  bidVolume(i: number): number {
    if (this.kind === 'bestBidAsk') return i === 0 ? this.bidVol : 0;
    return i >= 0 && i < L.depthLevels ? readInt64(this.mem, this.offset + L.fboBidVolumesOffset + 8 * i) : 0;
  }
  /** Ask volume at level `i` (0-based). */
  askVolume(i: number): number {
    if (this.kind === 'bestBidAsk') return i === 0 ? this.askVol : 0;
    return i >= 0 && i < L.depthLevels ? readInt64(this.mem, this.offset + L.fboAskVolumesOffset + 8 * i) : 0;
  }
  /** Bid flag (a BidAskFlag value or the raw number). */
  get bidFlag(): number {
    return this.mem.i32[(this.offset + L.bidFlagOffset) >> 2]!;
  }
  /** Ask flag (a BidAskFlag value or the raw number). */
  get askFlag(): number {
    return this.mem.i32[(this.offset + L.askFlagOffset) >> 2]!;
  }
  /** Wall-clock receive time, ns since the Unix epoch. */
  get recvTs(): bigint {
    return readBigInt64(this.mem, this.offset + L.recvTsOffset);
  }
  /** Monotonic receive time, ns. */
  get recvMonoNs(): bigint {
    return readBigInt64(this.mem, this.offset + L.recvMonoNsOffset);
  }
  /** Reconnect epoch of the connection that received the event. */
  get connectionEpoch(): number {
    return this.mem.u32[(this.offset + L.connectionEpochOffset) >> 2]!;
  }
  /** Copies the current slot out as a frozen event object. */
  toEvent(): EventOf<K> {
    return readEvent(this.kind, this.mem, this.offset);
  }
}
