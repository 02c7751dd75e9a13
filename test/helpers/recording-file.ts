/**
 * A minimal, strict reader of recording files for tests (format v1, from
 * src/record/format.ts + crc32c): every header and record CRC is checked,
 * every TOPIC resolved; anything off throws. The replay side has the real
 * reader; this one stays independent of it.
 */
import { readFileSync } from 'node:fs';
import { crc32c } from '../../src/record/crc32c.js';
import {
  decodeRecordBodyHeader,
  FILE_HEADER_FIXED_BYTES,
  RECORD_BODY_HEADER_BYTES,
  RECORD_PREFIX_BYTES,
  RECORDING_FORMAT_VERSION,
  RECORDING_MAGIC,
  RecordType,
  type FeedEventRecord,
  type RecordingHeader,
} from '../../src/record/format.js';

export interface ReadMessage {
  readonly type: 'message';
  readonly topic: string;
  readonly topicId: number;
  readonly payload: Uint8Array;
  readonly epoch: number;
  readonly wallNs: bigint;
  readonly monoNs: bigint;
}
export interface ReadTopic {
  readonly type: 'topic';
  readonly topicId: number;
  readonly topic: string;
}
export interface ReadFeedEvent {
  readonly type: 'event';
  readonly event: FeedEventRecord;
  readonly epoch: number;
  readonly wallNs: bigint;
  readonly monoNs: bigint;
}
export type ReadRecord = ReadMessage | ReadTopic | ReadFeedEvent;

export interface ReadFile {
  readonly header: RecordingHeader;
  readonly headerBytes: number;
  readonly records: readonly ReadRecord[];
  readonly bytes: number;
  /** Bytes after the last whole record (a truncated tail). */
  readonly trailingBytes: number;
}

function isZeroPadding(bytes: Uint8Array, from: number): boolean {
  if (bytes.length - from >= 4096) return false;
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Reads one file; a bad CRC, unknown topic id or unknown type throws.
 * `allowTruncatedTail`: a torn last record, or a tail of zero padding (a
 * killed writer's), ends the file instead.
 */
export function readRecordingFile(path: string, { allowTruncatedTail = false } = {}): ReadFile {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (Buffer.compare(bytes.subarray(0, 8), RECORDING_MAGIC) !== 0) throw new Error(`${path}: bad magic`);
  if (view.getUint16(8, true) !== RECORDING_FORMAT_VERSION) throw new Error(`${path}: version ${view.getUint16(8, true)}`);
  const jsonLength = view.getUint32(12, true);
  const json = bytes.subarray(FILE_HEADER_FIXED_BYTES, FILE_HEADER_FIXED_BYTES + jsonLength);
  if (crc32c(json) !== view.getUint32(16, true)) throw new Error(`${path}: header CRC`);
  const header = JSON.parse(Buffer.from(json).toString('utf8')) as RecordingHeader;
  const topics = new Map<number, string>();
  const records: ReadRecord[] = [];
  let off = FILE_HEADER_FIXED_BYTES + jsonLength;
  const headerBytes = off;
  while (off + RECORD_PREFIX_BYTES <= bytes.length) {
    // A writer killed between an O_DIRECT flush's padded write and its
    // truncation leaves fewer than 4,096 zero bytes: a cut file, as the
    // library's reader reads it (src/record/reader.ts).
    if (allowTruncatedTail && isZeroPadding(bytes, off)) break;
    const len = view.getUint32(off, true);
    const crc = view.getUint32(off + 4, true);
    const body = off + RECORD_PREFIX_BYTES;
    if (body + len > bytes.length) break;
    if (crc32c(bytes, body, body + len) !== crc) throw new Error(`${path}: record CRC at ${off}`);
    const h = decodeRecordBodyHeader(bytes, body);
    const data = bytes.subarray(body + RECORD_BODY_HEADER_BYTES, body + len);
    if (bytes[body + 1] !== 0) throw new Error(`${path}: reserved byte at ${off}`);
    if (h.type === RecordType.TOPIC) {
      const topic = Buffer.from(data).toString('utf8');
      topics.set(h.topicId, topic);
      records.push({ type: 'topic', topicId: h.topicId, topic });
    } else if (h.type === RecordType.MESSAGE) {
      const topic = topics.get(h.topicId);
      if (topic === undefined) throw new Error(`${path}: topic ${h.topicId} used before its definition at ${off}`);
      records.push({ type: 'message', topic, topicId: h.topicId, payload: data.slice(), epoch: h.epoch, wallNs: h.wallNs, monoNs: h.monoNs });
    } else if (h.type === RecordType.FEED_EVENT) {
      records.push({ type: 'event', event: JSON.parse(Buffer.from(data).toString('utf8')) as FeedEventRecord, epoch: h.epoch, wallNs: h.wallNs, monoNs: h.monoNs });
    } else {
      throw new Error(`${path}: unknown record type ${h.type}`);
    }
    off = body + len;
  }
  if (off !== bytes.length && !allowTruncatedTail) throw new Error(`${path}: ${bytes.length - off} trailing bytes`);
  return { header, headerBytes, records, bytes: bytes.length, trailingBytes: bytes.length - off };
}

export const messagesOf = (f: ReadFile): ReadMessage[] => f.records.filter((r): r is ReadMessage => r.type === 'message');
export const eventsOf = (f: ReadFile): ReadFeedEvent[] => f.records.filter((r): r is ReadFeedEvent => r.type === 'event');
