/**
 * Pure-JS BidOfferV3 decoder: the same function shape and the same output as
 * the C++ decoder (native/include/settrade/bidoffer_decoder.h), bit for bit,
 * with the same accept/reject decisions and statuses. Read that header for the
 * protobuf rules; this file mirrors its structure.
 *
 * Hot-path shape: no allocation per message. The message is parsed into a
 * module-level Int32Array scratch (int64 values as lo/hi halves), then the
 * slot is written only on success. Helpers return the new position, or a
 * negative status; varint values come back through module-level registers.
 */
import { SlotLayout as L, type EventKind, type SlotMemory } from '../events/slot-layout.js';
import { DecodeStatus as S } from './status.js';

const TWO32 = 4294967296;
const MAX_DEPTH = 100;

// Scratch book: 20 entries each (0-9 bid levels, 10-19 ask levels).
const UNITS_LO = 0;
const UNITS_HI = 20;
const NANOS = 40;
const VOL_LO = 60;
const VOL_HI = 80;
const book = new Int32Array(100);
let symStart = 0;
let symLen = 0;
let bidFlag = 0;
let askFlag = 0;

// Varint result registers.
let vLo = 0;
let vHi = 0;

// Per-tag dispatch for the known fields (tag = field << 3 | wire type).
const ACT_UNKNOWN = 0;
const ACT_SYMBOL = 1;
const ACT_MONEY = 2;
const ACT_VOLUME = 3;
const ACT_BID_FLAG = 4;
const ACT_ASK_FLAG = 5;
const TAG_LIMIT = 0x160;
const tagAction = new Uint8Array(TAG_LIMIT);
const tagIndex = new Uint8Array(TAG_LIMIT);
(() => {
  const set = (field: number, wireType: number, act: number, idx: number): void => {
    const t = (field << 3) | wireType;
    tagAction[t] = act;
    tagIndex[t] = idx;
  };
  set(1, 2, ACT_SYMBOL, 0);
  for (let k = 0; k < 5; k++) {
    set(2 + k, 2, ACT_MONEY, k); // bid_price1-5
    set(7 + k, 2, ACT_MONEY, 10 + k); // ask_price1-5
    set(12 + k, 0, ACT_VOLUME, k); // bid_volume1-5
    set(17 + k, 0, ACT_VOLUME, 10 + k); // ask_volume1-5
    set(24 + k, 2, ACT_MONEY, 5 + k); // bid_price6-10
    set(29 + k, 2, ACT_MONEY, 15 + k); // ask_price6-10
    set(34 + k, 0, ACT_VOLUME, 5 + k); // bid_volume6-10
    set(39 + k, 0, ACT_VOLUME, 15 + k); // ask_volume6-10
  }
  set(22, 0, ACT_BID_FLAG, 0);
  set(23, 0, ACT_ASK_FLAG, 0);
})();

/** Varint of up to 10 bytes at `pos` (the one-byte case may be handled by the caller). */
function varint(buf: Uint8Array, pos: number, end: number): number {
  let b = 0;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) return -S.TRUNCATED;
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      vLo = lo;
      vHi = 0;
      return pos;
    }
  }
  if (pos >= end) return -S.TRUNCATED;
  b = buf[pos++]!;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b < 0x80) {
    vLo = lo;
    vHi = hi;
    return pos;
  }
  // Bytes 6-10 fill the high half from bit 3; `<< 31` keeps only bit 0 of the
  // 10th byte, dropping what lies past 64 bits, like Google's runtime.
  for (let shift = 3; shift < 38; shift += 7) {
    if (pos >= end) return -S.TRUNCATED;
    b = buf[pos++]!;
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) {
      vLo = lo;
      vHi = hi;
      return pos;
    }
  }
  return -S.VARINT_TOO_LONG;
}

let gTag = 0;

/** Tag of three bytes or more: at most 5 bytes and 32 bits. Result in gTag. */
function tagSlow(buf: Uint8Array, pos: number, end: number): number {
  const start = pos;
  pos = varint(buf, pos, end);
  if (pos < 0) return pos;
  if (pos - start > 5) return -S.VARINT_TOO_LONG;
  if (vHi !== 0) return -S.BAD_FIELD_NUMBER;
  gTag = vLo >>> 0;
  return pos;
}

/** Reads a tag (pos < end); result in gTag. */
function readTag(buf: Uint8Array, pos: number, end: number): number {
  const b0 = buf[pos]!;
  if (b0 < 0x80) {
    gTag = b0;
    return pos + 1;
  }
  if (pos + 1 < end) {
    const b1 = buf[pos + 1]!;
    if (b1 < 0x80) {
      gTag = (b0 & 0x7f) | (b1 << 7);
      return pos + 2;
    }
  }
  return tagSlow(buf, pos, end);
}

let gLen = 0;

/** Length prefix; result in gLen, returns the payload start. */
function readLength(buf: Uint8Array, pos: number, end: number): number {
  if (pos < end && buf[pos]! < 0x80) {
    vLo = buf[pos++]!;
    vHi = 0;
  } else {
    pos = varint(buf, pos, end);
    if (pos < 0) return pos;
  }
  const len = vLo >>> 0;
  if (vHi !== 0 || len >= 0x7fffffff || len > end - pos) return -S.LENGTH_OVERFLOW;
  gLen = len;
  return pos;
}

/** Strict UTF-8, same rules as the C++ valid_utf8. */
function validUtf8(buf: Uint8Array, i: number, end: number): boolean {
  while (i < end) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      need = 1;
    } else if (c < 0xf0) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c < 0xf5) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (end - i - 1 < need) return false;
    const c1 = buf[i + 1]!;
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return false;
    i += need + 1;
  }
  return true;
}

function skipGroup(buf: Uint8Array, field: number, pos: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return -S.TOO_DEEP;
  while (pos < end) {
    pos = readTag(buf, pos, end);
    if (pos < 0) return pos;
    const tag = gTag;
    if ((tag & 7) === 4 && tag >>> 3 !== 0) return tag >>> 3 === field ? pos : -S.BAD_GROUP;
    pos = skipField(buf, tag, pos, end, depth);
    if (pos < 0) return pos;
  }
  return -S.BAD_GROUP;
}

/** Skips one unknown field whose tag was read; `depth` is the containing message's nesting level. */
function skipField(buf: Uint8Array, tag: number, pos: number, end: number, depth: number): number {
  const wt = tag & 7;
  if (wt >= 6) return -S.BAD_WIRE_TYPE;
  if (tag >>> 3 === 0) return -S.BAD_FIELD_NUMBER;
  switch (wt) {
    case 0:
      return varint(buf, pos, end);
    case 1:
      return end - pos < 8 ? -S.TRUNCATED : pos + 8;
    case 2:
      pos = readLength(buf, pos, end);
      return pos < 0 ? pos : pos + gLen;
    case 3:
      return skipGroup(buf, tag >>> 3, pos, end, depth + 1);
    case 4:
      return -S.BAD_GROUP;
    default:
      return end - pos < 4 ? -S.TRUNCATED : pos + 4;
  }
}

/** Merges the Money sub-message [pos, end) into book entry `idx`; returns 0 or a status. */
function parseMoney(buf: Uint8Array, pos: number, end: number, idx: number): number {
  while (pos < end) {
    let tag = buf[pos]!;
    if (tag < 0x80) {
      pos++;
    } else {
      pos = readTag(buf, pos, end);
      if (pos < 0) return -pos;
      tag = gTag;
    }
    if (tag === 0x10 || tag === 0x18) {
      if (pos < end && buf[pos]! < 0x80) {
        vLo = buf[pos++]!;
        vHi = 0;
      } else {
        pos = varint(buf, pos, end);
        if (pos < 0) return -pos;
      }
      if (tag === 0x10) {
        book[UNITS_LO + idx] = vLo;
        book[UNITS_HI + idx] = vHi;
      } else {
        book[NANOS + idx] = vLo;
      }
    } else if (tag === 0x0a) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return -pos;
      if (!validUtf8(buf, pos, pos + gLen)) return S.BAD_UTF8;
      pos += gLen;
    } else {
      pos = skipField(buf, tag, pos, end, 1);
      if (pos < 0) return -pos;
    }
  }
  return S.OK;
}

/** Parses the whole message into the scratch book; returns 0 or a status. */
function parse(buf: Uint8Array): number {
  book.fill(0);
  symStart = 0;
  symLen = 0;
  bidFlag = 0;
  askFlag = 0;
  const end = buf.length;
  let pos = 0;
  while (pos < end) {
    let tag = buf[pos]!;
    if (tag < 0x80) {
      pos++;
    } else if (pos + 1 < end && buf[pos + 1]! < 0x80) {
      tag = (tag & 0x7f) | (buf[pos + 1]! << 7);
      pos += 2;
    } else {
      pos = tagSlow(buf, pos, end);
      if (pos < 0) return -pos;
      tag = gTag;
    }
    const act = tag < TAG_LIMIT ? tagAction[tag]! : ACT_UNKNOWN;
    if (act === ACT_MONEY) {
      const idx = tagIndex[tag]!;
      let len = pos < end ? buf[pos]! : 0x80;
      if (len < 0x80 && len < end - pos) {
        pos++;
      } else {
        pos = readLength(buf, pos, end);
        if (pos < 0) return -pos;
        len = gLen;
      }
      const subEnd = pos + len;
      // Canonical shape `10 <units> 18 <nanos>`, varints unrolled into
      // locals (module-level registers would cost a context store each).
      if (len >= 2 && buf[pos] === 0x10) {
        let q = pos + 1;
        let lo = 0;
        let hi = 0;
        if (subEnd - q >= 4) {
          let b = buf[q]!;
          lo = b & 0x7f;
          if (b < 0x80) q += 1;
          else {
            b = buf[q + 1]!;
            lo |= (b & 0x7f) << 7;
            if (b < 0x80) q += 2;
            else {
              b = buf[q + 2]!;
              lo |= (b & 0x7f) << 14;
              if (b < 0x80) q += 3;
              else {
                b = buf[q + 3]!;
                lo |= (b & 0x7f) << 21;
                if (b < 0x80) q += 4;
                else q = -1;
              }
            }
          }
        } else q = -1;
        if (q < 0) {
          q = varint(buf, pos + 1, subEnd);
          if (q < 0) return -q;
          lo = vLo;
          hi = vHi;
        }
        book[UNITS_LO + idx] = lo;
        book[UNITS_HI + idx] = hi;
        pos = q;
        if (subEnd - pos > 1 && buf[pos] === 0x18) {
          q = pos + 1;
          if (subEnd - q >= 5) {
            let b = buf[q]!;
            lo = b & 0x7f;
            if (b < 0x80) q += 1;
            else {
              b = buf[q + 1]!;
              lo |= (b & 0x7f) << 7;
              if (b < 0x80) q += 2;
              else {
                b = buf[q + 2]!;
                lo |= (b & 0x7f) << 14;
                if (b < 0x80) q += 3;
                else {
                  b = buf[q + 3]!;
                  lo |= (b & 0x7f) << 21;
                  if (b < 0x80) q += 4;
                  else {
                    b = buf[q + 4]!;
                    lo |= b << 28; // int32 field: only the low 4 bits of this byte count
                    if (b < 0x80) q += 5;
                    else q = -1;
                  }
                }
              }
            }
          } else q = -1;
          if (q < 0) {
            q = varint(buf, pos + 1, subEnd);
            if (q < 0) return -q;
            lo = vLo;
          }
          book[NANOS + idx] = lo;
          pos = q;
        }
      }
      if (pos !== subEnd) {
        const st = parseMoney(buf, pos, subEnd, idx);
        if (st !== S.OK) return st;
      }
      pos = subEnd;
    } else if (act === ACT_VOLUME) {
      const idx = tagIndex[tag]!;
      let lo = 0;
      let hi = 0;
      let q = pos;
      if (end - q >= 4) {
        let b = buf[q]!;
        lo = b & 0x7f;
        if (b < 0x80) q += 1;
        else {
          b = buf[q + 1]!;
          lo |= (b & 0x7f) << 7;
          if (b < 0x80) q += 2;
          else {
            b = buf[q + 2]!;
            lo |= (b & 0x7f) << 14;
            if (b < 0x80) q += 3;
            else {
              b = buf[q + 3]!;
              lo |= (b & 0x7f) << 21;
              if (b < 0x80) q += 4;
              else q = -1;
            }
          }
        }
      } else q = -1;
      if (q < 0) {
        q = varint(buf, pos, end);
        if (q < 0) return -q;
        lo = vLo;
        hi = vHi;
      }
      pos = q;
      book[VOL_LO + idx] = lo;
      book[VOL_HI + idx] = hi;
    } else if (act === ACT_SYMBOL) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return -pos;
      if (gLen > L.symbolCapacity) return S.SYMBOL_TOO_LONG;
      if (!validUtf8(buf, pos, pos + gLen)) return S.BAD_UTF8;
      symStart = pos;
      symLen = gLen;
      pos += gLen;
    } else if (act === ACT_BID_FLAG || act === ACT_ASK_FLAG) {
      let flag: number;
      if (pos < end && buf[pos]! < 0x80) {
        flag = buf[pos++]!;
      } else {
        pos = varint(buf, pos, end);
        if (pos < 0) return -pos;
        flag = vLo;
      }
      if (act === ACT_BID_FLAG) bidFlag = flag;
      else askFlag = flag;
    } else {
      pos = skipField(buf, tag, pos, end, 0);
      if (pos < 0) return -pos;
    }
  }
  return S.OK;
}

const I32_BID_FLAG = L.bidFlagOffset >> 2;
const I32_ASK_FLAG = L.askFlagOffset >> 2;
const I32_SYMBOL_LENGTH = L.symbolLengthOffset >> 2;
const I32_SYMBOL = L.symbolOffset >> 2;
const SYMBOL_WORDS = L.symbolCapacity >> 2;

function writeHeader(payload: Uint8Array, mem: SlotMemory, off: number): void {
  const i32 = mem.i32;
  const o4 = off >> 2;
  i32[o4 + I32_BID_FLAG] = bidFlag;
  i32[o4 + I32_ASK_FLAG] = askFlag;
  // Length as a 32-bit word: the padding bytes after it become zero, as in C++.
  i32[o4 + I32_SYMBOL_LENGTH] = symLen;
  for (let k = 0; k < SYMBOL_WORDS; k++) i32[o4 + I32_SYMBOL + k] = 0;
  const u8 = mem.u8;
  const s = off + L.symbolOffset;
  for (let k = 0; k < symLen; k++) u8[s + k] = payload[symStart + k]!;
}

/** units + nanos * 1e-9 exactly as the C++ decoder: the int64 → double conversion rounds once. */
function price(idx: number): number {
  const units = book[UNITS_HI + idx]! * TWO32 + (book[UNITS_LO + idx]! >>> 0);
  return units + book[NANOS + idx]! * 1e-9;
}

const F64_FBO_BID = L.fboBidPricesOffset >> 3;
const F64_FBO_ASK = L.fboAskPricesOffset >> 3;
const I32_FBO_BID_VOL = L.fboBidVolumesOffset >> 2;
const I32_FBO_ASK_VOL = L.fboAskVolumesOffset >> 2;
const F64_BBA_BID = L.bbaBidOffset >> 3;
const F64_BBA_ASK = L.bbaAskOffset >> 3;
const I32_BBA_BID_VOL = L.bbaBidVolOffset >> 2;
const I32_BBA_ASK_VOL = L.bbaAskVolOffset >> 2;

/**
 * Decodes a BidOfferV3 payload into the slot of kind `kind` at byte offset
 * `slotByteOffset` (a multiple of 8) of `mem`: book, flags and symbol; the
 * receive metadata is left alone. Returns 0 (DecodeStatus.OK) or the
 * DecodeStatus of the first error; on error the slot is not modified.
 * Allocates nothing.
 */
export function decodeIntoSlot(kind: EventKind, payload: Uint8Array, mem: SlotMemory, slotByteOffset: number): number {
  const st = parse(payload);
  if (st !== S.OK) return st;
  const off = slotByteOffset;
  writeHeader(payload, mem, off);
  const f64 = mem.f64;
  const i32 = mem.i32;
  const o8 = off >> 3;
  const o4 = off >> 2;
  if (kind === 'bestBidAsk') {
    f64[o8 + F64_BBA_BID] = price(0);
    f64[o8 + F64_BBA_ASK] = price(10);
    i32[o4 + I32_BBA_BID_VOL] = book[VOL_LO]!;
    i32[o4 + I32_BBA_BID_VOL + 1] = book[VOL_HI]!;
    i32[o4 + I32_BBA_ASK_VOL] = book[VOL_LO + 10]!;
    i32[o4 + I32_BBA_ASK_VOL + 1] = book[VOL_HI + 10]!;
    return S.OK;
  }
  for (let k = 0; k < 10; k++) {
    f64[o8 + F64_FBO_BID + k] = price(k);
    f64[o8 + F64_FBO_ASK + k] = price(10 + k);
    i32[o4 + I32_FBO_BID_VOL + 2 * k] = book[VOL_LO + k]!;
    i32[o4 + I32_FBO_BID_VOL + 2 * k + 1] = book[VOL_HI + k]!;
    i32[o4 + I32_FBO_ASK_VOL + 2 * k] = book[VOL_LO + 10 + k]!;
    i32[o4 + I32_FBO_ASK_VOL + 2 * k + 1] = book[VOL_HI + 10 + k]!;
  }
  return S.OK;
}
