/**
 * Writes events into slots (see `slot-layout.ts`). Used by `Dispatcher.push`
 * for events that were built in JS rather than decoded straight into a slot.
 * Everything is written through the typed-array views of a `SlotMemory`, so
 * nothing is allocated except for non-ASCII symbols (rare).
 */
import { SettradeFeedError } from '../errors.js';
import { describeValue } from '../util/options-schema.js';
import { SlotLayout, type EventKind, type SlotMemory } from './slot-layout.js';
import { isFullBidOffer, type BestBidAsk, type BidOfferEvent, type FullBidOffer, type ReceiveMeta } from './types.js';

// A module-local alias, not the imported binding, in the hot paths: a loader
// that compiles ESM to CommonJS (tsx, which runs the benches and tests) turns
// each use of an imported binding into a call of a shared getter, which V8
// stops inlining once several modules use it (writeCheckedEvent ran 5x slower
// under tsx with the decoder loaded). Compiled output is unaffected either way.
const L = SlotLayout;

/**
 * An event handed to `Dispatcher.push` has a field a slot cannot carry
 * faithfully (wrong type, NaN, out of range, too long): nothing was queued.
 */
export class InvalidEventError extends SettradeFeedError {
  declare readonly code: 'ERR_INVALID_EVENT';
  /** The field at fault, e.g. `bidVol` or `bidPrices[3]`. */
  readonly field: string;

  /** @param field the field; @param message what is wrong with it (the name is prefixed). */
  constructor(field: string, message: string) {
    super('ERR_INVALID_EVENT', `${field}: ${message}`);
    this.name = 'InvalidEventError';
    this.field = field;
  }
}

const TWO32 = 4294967296;
const utf8 = new TextEncoder();
const symbolScratch = new Uint8Array(L.symbolCapacity * 4);
// Packing four symbol bytes into an int32 store assumes the platform's byte order is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
 * Throws an InvalidEventError when it needs more than `SlotLayout.symbolCapacity` bytes.
 */
export function writeSymbol(mem: SlotMemory, off: number, symbol: string): void {
  const u8 = mem.u8;
  const base = off + L.symbolOffset;
  const n = symbol.length;
  let any = 0;
  for (let k = 0; k < n; k++) any |= symbol.charCodeAt(k);
  if (any <= 0x7f && n <= L.symbolCapacity) {
    if (LITTLE_ENDIAN && (base & 3) === 0) {
      // ASCII (every SET symbol): four characters a word, then zero words to
      // the end of the field: ~9 stores instead of one a byte plus a fill.
      const i32 = mem.i32;
      let w = base >> 2;
      const end = w + (L.symbolCapacity >> 2);
      let k = 0;
      for (; k + 4 <= n; k += 4, w++) {
        i32[w] = symbol.charCodeAt(k) | (symbol.charCodeAt(k + 1) << 8) | (symbol.charCodeAt(k + 2) << 16) | (symbol.charCodeAt(k + 3) << 24);
      }
      if (k < n) {
        let word = 0;
        for (let shift = 0; k < n; k++, shift += 8) word |= symbol.charCodeAt(k) << shift;
        i32[w++] = word;
      }
      for (; w < end; w++) i32[w] = 0;
    } else {
      for (let k = 0; k < n; k++) u8[base + k] = symbol.charCodeAt(k);
      u8.fill(0, base + n, base + L.symbolCapacity);
    }
    u8[off + L.symbolLengthOffset] = n;
    return;
  }
  const { read, written } = utf8.encodeInto(symbol, symbolScratch);
  if (read !== n || written > L.symbolCapacity) {
    throw new InvalidEventError('symbol', `'${symbol.slice(0, 40)}' is longer than ${L.symbolCapacity} UTF-8 bytes`);
  }
  u8.set(symbolScratch.subarray(0, written), base);
  u8.fill(0, base + written, base + L.symbolCapacity);
  u8[off + L.symbolLengthOffset] = written;
}

// ---- field checks of a JS-built event (Dispatcher.push) ----
// Cheap tests, once per field, in the shape V8 inlines: typeof and
// integer/range tests on numbers, comparisons on bigints. The writer below
// stores what it is given: these checks are what keeps a wrong value (1.5,
// NaN, 2^64, -1) from being truncated or wrapped into a plausible one.

const INT64_MAX = 2n ** 63n - 1n;

function fail(field: string, must: string, v: unknown): never {
  throw new InvalidEventError(field, `must be ${must}, got ${describeValue(v)}`);
}

function checkPrice(field: string, v: unknown): void {
  // v - v is 0 for every finite number, NaN for NaN and +-Infinity.
  if (typeof v !== 'number' || v - v !== 0) fail(field, 'a finite number', v);
}

function checkVolume(field: string, v: unknown): void {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(field, 'a non-negative safe integer', v);
}

function checkFlag(field: string, v: unknown): void {
  // Equal to its own low byte: an integer 0..255 (a string, NaN, 1.5, -1 or 256 is not).
  if (typeof v !== 'number' || (v & 0xff) !== v) fail(field, 'an integer from 0 to 255', v);
}

function checkTimestamp(field: string, v: unknown): void {
  if (typeof v !== 'bigint' || v < 0n || v > INT64_MAX) fail(field, 'a bigint from 0 to 2^63-1 (ns)', v);
}

function checkLevelCount(field: string, v: unknown): asserts v is readonly unknown[] {
  if (!Array.isArray(v) || v.length !== L.depthLevels) {
    const got = Array.isArray(v) ? `an array of ${v.length}` : describeValue(v);
    throw new InvalidEventError(field, `must be an array of ${L.depthLevels} numbers (one a level), got ${got}`);
  }
}

// One loop per element type (not a shared loop taking the check as a
// callback): each stays monomorphic and V8 inlines the element test.
function checkPrices(field: string, v: unknown): void {
  checkLevelCount(field, v);
  for (let k = 0; k < L.depthLevels; k++) {
    const x = v[k];
    if (typeof x !== 'number' || x - x !== 0) fail(`${field}[${k}]`, 'a finite number', x);
  }
}

function checkVolumes(field: string, v: unknown): void {
  checkLevelCount(field, v);
  for (let k = 0; k < L.depthLevels; k++) {
    const x = v[k];
    if (!Number.isSafeInteger(x) || (x as number) < 0) fail(`${field}[${k}]`, 'a non-negative safe integer', x);
  }
}

function checkBook(e: Partial<FullBidOffer>): void {
  checkPrices('bidPrices', e.bidPrices);
  checkPrices('askPrices', e.askPrices);
  checkVolumes('bidVolumes', e.bidVolumes);
  checkVolumes('askVolumes', e.askVolumes);
}

// symbol (type and emptiness: writeSymbol checks the byte length), flags, epoch, timestamps.
function checkHeader(event: BidOfferEvent): void {
  if (typeof event !== 'object' || event === null) fail('event', 'an event object', event);
  const symbol: unknown = event.symbol;
  if (typeof symbol !== 'string' || symbol.length === 0) fail('symbol', 'a non-empty string', symbol);
  checkFlag('bidFlag', event.bidFlag);
  checkFlag('askFlag', event.askFlag);
  const epoch: unknown = event.connectionEpoch;
  if (typeof epoch !== 'number' || epoch >>> 0 !== epoch) fail('connectionEpoch', 'an integer from 0 to 4294967295', epoch);
  checkTimestamp('recvTs', event.recvTs);
  checkTimestamp('recvMonoNs', event.recvMonoNs);
}

/**
 * Checks the fields of a partial receive meta (`Dispatcher.pushPayload`):
 * each one present must be what `checkEvent` requires; missing ones are
 * stamped by the push. Throws InvalidEventError naming the field.
 */
export function checkReceiveMeta(meta: Partial<ReceiveMeta>): void {
  if (typeof meta !== 'object' || meta === null) fail('meta', 'an object', meta);
  const epoch: unknown = meta.connectionEpoch;
  if (epoch !== undefined && (typeof epoch !== 'number' || epoch >>> 0 !== epoch)) {
    fail('connectionEpoch', 'an integer from 0 to 4294967295', epoch);
  }
  if (meta.recvTs !== undefined) checkTimestamp('recvTs', meta.recvTs);
  if (meta.recvMonoNs !== undefined) checkTimestamp('recvMonoNs', meta.recvMonoNs);
}

// The top of book of a bestBidAsk ring: a BestBidAsk's fields, or a FullBidOffer's whole book.
function checkTop(event: BidOfferEvent): void {
  const e = event as Partial<BestBidAsk> & Partial<FullBidOffer>;
  if (e.bid === undefined && e.bidPrices !== undefined) {
    checkBook(e);
    return;
  }
  checkPrice('bid', e.bid);
  checkPrice('ask', e.ask);
  checkVolume('bidVol', e.bidVol);
  checkVolume('askVol', e.askVol);
}

/**
 * Checks that `event` can be written into a slot of `kind` exactly as given;
 * throws an InvalidEventError naming the first field that cannot: `symbol` a
 * non-empty string (the 32-byte limit is checked as it is written), prices
 * finite numbers, volumes non-negative safe integers, flags integers 0-255,
 * `connectionEpoch` an integer 0 to 2^32-1 (the slot's u32), `recvTs` and
 * `recvMonoNs` bigints 0 to 2^63-1, and a FullBidOffer's four arrays exactly
 * ten levels. A bestBidAsk ring accepts a FullBidOffer (its level 1 is the
 * top of book) and checks its arrays.
 */
export function checkEvent(kind: EventKind, event: BidOfferEvent): void {
  checkHeader(event);
  if (kind === 'fullBidOffer') checkBook(event as Partial<FullBidOffer>);
  else checkTop(event);
}

/**
 * `checkEvent` then `writeEvent`, in one pass over a FullBidOffer's levels
 * (each value is tested as it is written: the book is 40 values, the
 * dominant cost). Throws InvalidEventError naming the field; the slot may
 * then be partly written (it is scratch memory until pushed).
 */
export function writeCheckedEvent(kind: EventKind, event: BidOfferEvent, mem: SlotMemory, off: number): void {
  checkHeader(event);
  if (kind === 'bestBidAsk') {
    checkTop(event);
    writeEvent(kind, event, mem, off);
    return;
  }
  const e = event as Partial<FullBidOffer>;
  const bidPrices: unknown = e.bidPrices;
  const askPrices: unknown = e.askPrices;
  const bidVolumes: unknown = e.bidVolumes;
  const askVolumes: unknown = e.askVolumes;
  checkLevelCount('bidPrices', bidPrices);
  checkLevelCount('askPrices', askPrices);
  checkLevelCount('bidVolumes', bidVolumes);
  checkLevelCount('askVolumes', askVolumes);
  writeHeader(event, mem, off);
  const f64 = mem.f64;
  const bp = (off + L.fboBidPricesOffset) >> 3;
  const ap = (off + L.fboAskPricesOffset) >> 3;
  const i32 = mem.i32;
  const bv0 = (off + L.fboBidVolumesOffset) >> 2;
  const av0 = (off + L.fboAskVolumesOffset) >> 2;
  for (let k = 0; k < L.depthLevels; k++) {
    const b = bidPrices[k];
    const a = askPrices[k];
    const bv = bidVolumes[k];
    const av = askVolumes[k];
    if (typeof b !== 'number' || b - b !== 0) fail(`bidPrices[${k}]`, 'a finite number', b);
    if (typeof a !== 'number' || a - a !== 0) fail(`askPrices[${k}]`, 'a finite number', a);
    f64[bp + k] = b;
    f64[ap + k] = a;
    writeLevelVolume(mem, i32, bv0 + 2 * k, bv, 'bidVolumes', k);
    writeLevelVolume(mem, i32, av0 + 2 * k, av, 'askVolumes', k);
  }
}

// A level's volume into the int64 at int32 index `word`. A number volume
// below 2^32 (every real one) is its own `>>> 0`: checked and stored as two
// words in one go; anything else takes the full check (typeof first: `>>>`
// would throw on a bigint and call an object's valueOf). Small enough for
// V8 to inline into the level loop.
function writeLevelVolume(mem: SlotMemory, i32: Int32Array, word: number, v: unknown, side: 'bidVolumes' | 'askVolumes', k: number): void {
  if (typeof v === 'number' && v >>> 0 === v) {
    i32[word] = v;
    i32[word + 1] = 0;
    return;
  }
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`${side}[${k}]`, 'a non-negative safe integer', v);
  writeInt64(mem, word * 4, v as number);
}

// Symbol, flags and receive metadata: the part common to both kinds.
function writeHeader(event: BidOfferEvent, mem: SlotMemory, off: number): void {
  writeSymbol(mem, off, event.symbol);
  mem.i32[(off + L.bidFlagOffset) >> 2] = event.bidFlag;
  mem.i32[(off + L.askFlagOffset) >> 2] = event.askFlag;
  writeMeta(mem, off, event.recvTs, event.recvMonoNs, event.connectionEpoch);
}

function checkLevels(name: string, values: readonly number[]): void {
  if (values.length > L.depthLevels) {
    throw new InvalidEventError(name, `at most ${L.depthLevels} levels, got ${values.length}`);
  }
}

// `event` as a FullBidOffer whose books fit a slot; throws (naming the field) otherwise.
function checkedFullBidOffer(event: BidOfferEvent): FullBidOffer {
  if (!isFullBidOffer(event)) throw new InvalidEventError('bidPrices', 'a fullBidOffer slot needs a FullBidOffer event (level arrays)');
  checkLevels('bidPrices', event.bidPrices);
  checkLevels('askPrices', event.askPrices);
  checkLevels('bidVolumes', event.bidVolumes);
  checkLevels('askVolumes', event.askVolumes);
  return event;
}

/**
 * Writes a whole event (book, flags, symbol, metadata) into the slot of kind
 * `kind` at byte offset `off`. Missing levels of a FullBidOffer are written
 * as zero. Throws InvalidEventError (naming the field) for a symbol that does
 * not fit, a book with more than ten levels or a BestBidAsk given for a
 * fullBidOffer slot; a bad book is refused before anything is written.
 */
export function writeEvent(kind: EventKind, event: BidOfferEvent, mem: SlotMemory, off: number): void {
  // Books are checked before anything is written.
  const full = kind === 'fullBidOffer' ? checkedFullBidOffer(event) : undefined;
  writeHeader(event, mem, off);
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
