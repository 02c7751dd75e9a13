/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * every record in a recording (docs/recording-format.md). With the addon,
 * the CPU's crc32 instruction (SSE4.2; a portable C++ slicing-by-8 where
 * there is none): ~10x faster than JS, and on the recording's live path the
 * checksum was most of the cost (docs/performance.md). Without it, a JS
 * slicing-by-8 over eight 256-entry tables: Node 20 has no CRC-32C of its own
 * (`zlib.crc32` is the other polynomial, and only from Node 22).
 */
import { nativeBinding } from '../native.js';

/** The addon's checksum functions (native/src/record_binding.cc); absent from an older prebuild. */
export interface Crc32cBinding {
  /** The fastest variant here. Throws on a range outside the array. */
  crc32c(bytes: Uint8Array, start: number, end: number, crc: number): number;
  /** The portable C++ variant (tests compare both with the JS one). */
  crc32cPortable(bytes: Uint8Array, start: number, end: number, crc: number): number;
  /** See {@link fillRecordCrcs}. */
  crc32cRecords(bytes: Uint8Array, start: number, end: number): number;
  /** See {@link verifiedRecordsEnd}. */
  crc32cVerifiedEnd(bytes: Uint8Array, start: number, end: number, minBody: number, maxBody: number): number;
}

const POLY = 0x82f63b78;
const TABLES = ((): Uint32Array => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/**
 * The JS implementation (the fallback; exported for tests). CRC-32C of
 * `bytes[start, end)`, continuing from `crc` (the result of an earlier call
 * over the bytes before, or 0 to start). Unsigned 32-bit result.
 */
export function crc32cJs(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) throw new RangeError(`crc32c: range [${start}, ${end}) outside 0..${bytes.length}`);
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + bytes[i + 4]!]! ^
      t[2 * 256 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const binding = nativeBinding as Partial<Crc32cBinding> | null;

/** The addon's CRC-32C functions, when the loaded addon has them. */
export const nativeCrc32c: Crc32cBinding | undefined =
  typeof binding?.crc32c === 'function' &&
  typeof binding.crc32cPortable === 'function' &&
  typeof binding.crc32cRecords === 'function' &&
  typeof binding.crc32cVerifiedEnd === 'function'
    ? (binding as Crc32cBinding)
    : undefined;

/**
 * CRC-32C of `bytes[start, end)`, continuing from `crc` (the result of an
 * earlier call over the bytes before, or 0 to start). Unsigned 32-bit
 * result. Throws (RangeError, or the addon's ERR_INVALID_ARG_VALUE) on a
 * range outside the array.
 */
export const crc32c: (bytes: Uint8Array, start?: number, end?: number, crc?: number) => number =
  nativeCrc32c === undefined
    ? crc32cJs
    : ((native) =>
        (bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number =>
          native(bytes, start, end, crc))(nativeCrc32c.crc32c);

/**
 * The JS {@link fillRecordCrcs} (the fallback; exported for tests).
 */
export function fillRecordCrcsJs(bytes: Uint8Array, start: number, end: number): number {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new RangeError(`fillRecordCrcs: range [${start}, ${end}) outside 0..${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let pos = start; pos < end; n++) {
    if (end - pos < 8) return -1;
    const length = view.getUint32(pos, true);
    if (length > end - pos - 8) return -1;
    view.setUint32(pos + 4, crc32cJs(bytes, pos + 8, pos + 8 + length), true);
    pos += 8 + length;
  }
  return n;
}

/**
 * Walks the records framed in `bytes[start, end)` (each: length u32, CRC
 * u32, body of `length` bytes; little-endian) and writes each body's
 * CRC-32C into its CRC field. Returns the number of records, or -1 when the
 * framing does not end exactly at `end` (nothing past `end` is read or
 * written). One native call for a whole batch: the recording writer's way.
 */
export const fillRecordCrcs: (bytes: Uint8Array, start: number, end: number) => number =
  nativeCrc32c === undefined ? fillRecordCrcsJs : ((native) => (bytes: Uint8Array, start: number, end: number): number => native(bytes, start, end))(nativeCrc32c.crc32cRecords);

/**
 * What the native {@link verifiedRecordsEnd} computes, in JS: the reference
 * the tests hold it to.
 */
export function verifiedRecordsEndJs(bytes: Uint8Array, start: number, end: number, minBody: number, maxBody: number): number {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new RangeError(`verifiedRecordsEnd: range [${start}, ${end}) outside 0..${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  while (end - pos >= 8) {
    const length = view.getUint32(pos, true);
    if (length < minBody || length > maxBody || length > end - pos - 8) break;
    if (crc32cJs(bytes, pos + 8, pos + 8 + length) !== view.getUint32(pos + 4, true)) break;
    pos += 8 + length;
  }
  return pos;
}

/**
 * With the addon: checks the records framed from `bytes[start]` on (each:
 * length u32, CRC u32, body of `length` bytes; little-endian) and returns
 * the offset after the run of them that are whole before `end`, have a body
 * length in [`minBody`, `maxBody`] and a matching CRC: `start` when the
 * first is not. Nothing past `end` is read. One native call for a buffer of
 * records, the reader's way: a call per record cost more than its CRC
 * (reader alone 1.1-1.4x faster, median 1.3x). Undefined without the addon: in JS the
 * reader checks record by record, as it reads them (a pass ahead measured
 * 0.9x: every record read twice).
 */
export const verifiedRecordsEnd: ((bytes: Uint8Array, start: number, end: number, minBody: number, maxBody: number) => number) | undefined =
  nativeCrc32c?.crc32cVerifiedEnd;
