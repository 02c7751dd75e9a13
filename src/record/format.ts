/**
 * The recording file format, version 1 (the reference for other languages:
 * docs/recording-format.md). Everything little-endian.
 *
 *   file   := header record*
 *   header := magic[8] "STFDREC\n" | version u16 | flags u16 (0) |
 *             jsonLength u32 | jsonCrc u32 (CRC-32C of the JSON bytes) | json
 *   record := bodyLength u32 | bodyCrc u32 (CRC-32C of the body) | body
 *   body   := type u8 | reserved u8 (0) | topicId u16 | epoch u32 |
 *             wallNs i64 | monoNs i64 | data[bodyLength - 24]
 *
 * Record types: MESSAGE (data = the payload bytes as received; topicId names
 * its topic), TOPIC (defines topicId: data = the topic, UTF-8; precedes the
 * first MESSAGE using it, in every file, so each file of a rotation stands
 * alone), FEED_EVENT (data = a JSON {@link FeedEventRecord}; topicId 0).
 * Interning topics keeps a message's overhead at 32 bytes instead of ~60.
 */
import { crc32c } from './crc32c.js';

export const RECORDING_MAGIC = Uint8Array.from(Buffer.from('STFDREC\n', 'latin1'));
export const RECORDING_FORMAT_VERSION = 1;
/** Magic, version, flags, JSON length, JSON CRC. */
export const FILE_HEADER_FIXED_BYTES = 20;
/** Length and CRC before each body. */
export const RECORD_PREFIX_BYTES = 8;
/** type, reserved, topicId, epoch, wallNs, monoNs. */
export const RECORD_BODY_HEADER_BYTES = 24;
/**
 * Largest body a writer emits and a reader accepts: an MQTT payload is at
 * most 256 MiB, a BidOfferV3 a few hundred bytes; a larger length is read as
 * corruption.
 */
export const MAX_RECORD_BODY_BYTES = 16 * 1024 * 1024;
/** Largest header JSON accepted. */
export const MAX_HEADER_JSON_BYTES = 1024 * 1024;
export const RECORDING_SCHEMA = 'settrade.BidOfferV3';

export const RecordType = {
  MESSAGE: 1,
  TOPIC: 2,
  FEED_EVENT: 3,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The header's JSON. Readers ignore keys they do not know. */
export interface RecordingHeader {
  /** Always {@link RECORDING_SCHEMA}: what the MESSAGE payloads are. */
  readonly schema: string;
  /** Wall clock when the file was opened, ns since the Unix epoch, as a decimal string (exceeds 2^53). */
  readonly startWallNs: string;
  /** Symbols subscribed when the file was opened. */
  readonly symbols: readonly string[];
  /** Whether the recording feed decoded ten levels (informative: payloads are the same either way). */
  readonly fullDepth: boolean;
  /** Position of this file in a rotation (0 for the first). */
  readonly fileIndex: number;
  /** `settrade-feed/{version}` of the writer. */
  readonly writer: string;
}

/** What a FEED_EVENT record's JSON holds. */
export type FeedEventRecord =
  | { readonly kind: 'connect'; readonly epoch: number }
  | { readonly kind: 'reconnect'; readonly epoch: number; readonly reason: string }
  | { readonly kind: 'subscribe'; readonly symbol: string }
  | { readonly kind: 'unsubscribe'; readonly symbol: string }
  | { readonly kind: 'subscribeError'; readonly symbol?: string; readonly topic?: string; readonly message: string };

/** The fixed part of a record body. */
export interface RecordBodyHeader {
  readonly type: number;
  readonly topicId: number;
  readonly epoch: number;
  readonly wallNs: bigint;
  readonly monoNs: bigint;
}

/** Encodes the file header (magic, version, JSON with its CRC). */
export function encodeFileHeader(header: RecordingHeader): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(FILE_HEADER_FIXED_BYTES + json.length);
  const view = new DataView(out.buffer);
  out.set(RECORDING_MAGIC, 0);
  view.setUint16(8, RECORDING_FORMAT_VERSION, true);
  view.setUint16(10, 0, true);
  view.setUint32(12, json.length, true);
  view.setUint32(16, crc32c(json), true);
  out.set(json, FILE_HEADER_FIXED_BYTES);
  return out;
}

/** The fields of a record that are neither its stamps nor its data. */
export interface RecordHead {
  type: RecordType;
  topicId: number;
  epoch: number;
}

// Scratch for stampWordsOf: a record's two stamps as four 32-bit words.
const stampScratch = new BigInt64Array(2);
const stampScratchWords = new Uint32Array(stampScratch.buffer);

/**
 * `wallNs` and `monoNs` as the 32-bit words {@link encodeRecordFrame} takes
 * (host byte order). The array is reused: valid until the next call.
 */
export function stampWordsOf(wallNs: bigint, monoNs: bigint): Uint32Array {
  stampScratch[0] = wallNs;
  stampScratch[1] = monoNs;
  return stampScratchWords;
}

/**
 * Writes one record (prefix + body header + `data`) at `out[offset]`;
 * returns the offset after it. `out` must have room for
 * `RECORD_PREFIX_BYTES + RECORD_BODY_HEADER_BYTES + data.length` bytes.
 * `view` (a DataView over exactly `out`) may be passed by a caller that
 * encodes many records into one buffer, so no DataView is made per record.
 */
export function encodeRecord(out: Uint8Array, offset: number, head: RecordHead, wallNs: bigint, monoNs: bigint, data: Uint8Array, view?: DataView): number {
  const v = view ?? new DataView(out.buffer, out.byteOffset, out.byteLength);
  const end = encodeRecordFrame(out, v, offset, head, stampWordsOf(wallNs, monoNs), data);
  v.setUint32(offset + 4, crc32c(out, offset + RECORD_PREFIX_BYTES, end), true);
  return end;
}

/**
 * Writes one record without its CRC (left 0: the writer fills a whole
 * batch's CRCs at once, `fillRecordCrcs`) at `out[offset]` through `view`
 * (a DataView over all of `out`); returns the offset after it. The stamps
 * come as 32-bit words in host byte order (`[wallNs lo, wallNs hi, monoNs
 * lo, monoNs hi]`: a push-stamp cell, src/dispatcher/push-stamp.ts, or
 * {@link stampWordsOf}), copied without making bigints. Bounds checked.
 */
export function encodeRecordFrame(out: Uint8Array, view: DataView, offset: number, head: RecordHead, stampWords: Uint32Array, data: Uint8Array): number {
  const bodyLength = RECORD_BODY_HEADER_BYTES + data.length;
  if (bodyLength > MAX_RECORD_BODY_BYTES) throw new RangeError(`record body of ${bodyLength} bytes exceeds ${MAX_RECORD_BODY_BYTES}`);
  const end = offset + RECORD_PREFIX_BYTES + bodyLength;
  if (end > out.length) throw new RangeError(`record needs ${end - offset} bytes at ${offset}, buffer has ${out.length}`);
  const body = offset + RECORD_PREFIX_BYTES;
  view.setUint32(offset, bodyLength, true);
  view.setUint32(offset + 4, 0, true);
  out[body] = head.type;
  out[body + 1] = 0;
  view.setUint16(body + 2, head.topicId, true);
  view.setUint32(body + 4, head.epoch >>> 0, true);
  view.setUint32(body + 8, stampWords[0]!, true);
  view.setUint32(body + 12, stampWords[1]!, true);
  view.setUint32(body + 16, stampWords[2]!, true);
  view.setUint32(body + 20, stampWords[3]!, true);
  out.set(data, body + RECORD_BODY_HEADER_BYTES);
  return end;
}

/** Reads the fixed part of the body starting at `bytes[body]` (bounds are the caller's: 24 bytes). */
export function decodeRecordBodyHeader(bytes: Uint8Array, body: number): RecordBodyHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    type: view.getUint8(body),
    topicId: view.getUint16(body + 2, true),
    epoch: view.getUint32(body + 4, true),
    wallNs: view.getBigInt64(body + 8, true),
    monoNs: view.getBigInt64(body + 16, true),
  };
}
