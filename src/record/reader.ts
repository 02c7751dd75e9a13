/**
 * A streaming reader of recordings (format: ./format.ts): one or more files
 * in order, each with its own header and topic table, read in chunks (a
 * file can be gigabytes; memory stays at about one chunk plus one record).
 *
 * Damage is survived, counted and reported, never silent:
 * - a record whose CRC does not match (or whose length is implausible) is
 *   skipped: reading resumes at the record after it when its length was
 *   plausible and that record verifies, else at the next offset whose
 *   length is plausible and whose CRC matches (a byte-by-byte scan). Each
 *   such region counts once in `recordsSkipped`, its bytes in `bytesSkipped`;
 * - a file that ends in the middle of a record (a crash while recording) is
 *   read up to its last whole record, with one warning (`truncated`);
 * - a file that is not a recording, or of another format version, is an
 *   error ({@link RecordingFormatError}) naming the file.
 *
 * Two ways to read: the allocation-light pull API (`next()` while it is
 * true, then `await fill()` while that is true; the current record is
 * `current`), which the replay uses, and {@link readRecording}, an async
 * iterator of plain record objects.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { defaultLogger, type Logger } from '../util/logger.js';
import { crc32c, verifiedRecordsEnd } from './crc32c.js';
import { DIRECT_IO_BLOCK } from './direct-io.js';
import {
  FILE_HEADER_FIXED_BYTES,
  MAX_HEADER_JSON_BYTES,
  MAX_RECORD_BODY_BYTES,
  RECORD_BODY_HEADER_BYTES,
  RECORD_PREFIX_BYTES,
  RECORDING_FORMAT_VERSION,
  RECORDING_MAGIC,
  RECORDING_SCHEMA,
  RecordType,
  type FeedEventRecord,
  type RecordingHeader,
} from './format.js';
import { RecordingFormatError } from './reader-errors.js';

/** Options of {@link RecordingReader}. */
export interface RecordingReaderOptions {
  /** Warnings (truncated file, skipped records: the first 10 of each, then every 1000th). Default: the library logger. */
  readonly logger?: Logger;
  /** Bytes read at a time (default 1 MiB). */
  readonly chunkBytes?: number;
}

/** The record a {@link RecordingReader} is on. Reused: read its fields before the next `next()`. */
export interface RecordView {
  /** MESSAGE, TOPIC or FEED_EVENT. */
  readonly type: RecordType;
  /** MESSAGE: its topic; TOPIC: the topic it declares; FEED_EVENT: ''. */
  readonly topic: string;
  /**
   * MESSAGE: the payload as received (a view of the reader's chunk; chunks
   * are never reused, so it stays valid while you hold it). Else empty.
   */
  readonly payload: Uint8Array;
  /** FEED_EVENT: what happened. Else undefined. */
  readonly event: FeedEventRecord | undefined;
  /** The connection epoch when it was recorded. */
  readonly epoch: number;
  /** Wall clock at receipt, ns since the Unix epoch. */
  readonly wallNs: bigint;
  /** Monotonic clock at receipt, ns (comparable within one file only: a rotation may span processes). */
  readonly monoNs: bigint;
  /** Index of its file in the list given to the reader. */
  readonly fileIndex: number;
}

/** A record as {@link readRecording} yields it (a snapshot of a {@link RecordView}). */
export type RecordingRecord = RecordView;

/** Counters of a {@link RecordingReader}. */
export interface RecordingReaderStats {
  /** Whole records with a valid CRC that were used (every type). */
  readonly recordsRead: number;
  /**
   * Damaged regions skipped (a bad CRC or implausible length: each region
   * counts once, whatever the number of records it spans) plus whole records
   * that could not be used (a message of an undeclared topic, an unknown type,
   * a feed event whose JSON does not parse).
   */
  readonly recordsSkipped: number;
  /** Bytes of those. */
  readonly bytesSkipped: number;
  /** Whether a file ended in the middle of a record (read up to its last whole record). */
  readonly truncated: boolean;
  /** Files opened so far. */
  readonly files: number;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Room kept before each chunk for the unread end of the previous one (a record is usually far smaller). */
const LEFTOVER_ROOM = 16 * 1024;
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Verdict = 0 | 1 | 2;
const OK: Verdict = 0;
const BAD: Verdict = 1;
const MORE: Verdict = 2;

/** Whether [from, end) of `buf` is shorter than a direct-I/O block and all zeros. */
function zeroPadding(buf: Buffer, from: number, end: number): boolean {
  if (end - from >= DIRECT_IO_BLOCK) return false;
  for (let i = from; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function plausible(len: number): boolean {
  return len >= RECORD_BODY_HEADER_BYTES && len <= MAX_RECORD_BODY_BYTES;
}

/**
 * Parses a file header from `buf[0, end)`: the header and its length, or
 * undefined when more bytes are needed (and `eof` is false). Throws
 * RecordingFormatError for anything but a v1 recording header.
 */
function parseHeader(path: string, buf: Buffer, end: number, eof: boolean): { header: RecordingHeader; length: number } | undefined {
  const cut = (what: string): never => {
    throw RecordingFormatError.format(path, end === 0 ? 'the file is empty' : `the file ends inside its header (${what})`);
  };
  const magicBytes = Math.min(end, RECORDING_MAGIC.length);
  for (let i = 0; i < magicBytes; i++) {
    if (buf[i] !== RECORDING_MAGIC[i]) throw RecordingFormatError.format(path, 'bad magic (expected "STFDREC\\n")');
  }
  if (end < FILE_HEADER_FIXED_BYTES) return eof ? cut('fixed part') : undefined;
  const version = buf.readUInt16LE(8);
  if (version !== RECORDING_FORMAT_VERSION) throw RecordingFormatError.version(path, version);
  const jsonLength = buf.readUInt32LE(12);
  if (jsonLength > MAX_HEADER_JSON_BYTES) throw RecordingFormatError.format(path, `header JSON of ${jsonLength} bytes (at most ${MAX_HEADER_JSON_BYTES})`);
  const length = FILE_HEADER_FIXED_BYTES + jsonLength;
  if (end < length) return eof ? cut('JSON') : undefined;
  if (crc32c(buf, FILE_HEADER_FIXED_BYTES, length) !== buf.readUInt32LE(16)) throw RecordingFormatError.format(path, 'header CRC mismatch');
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(buf.subarray(FILE_HEADER_FIXED_BYTES, length)));
  } catch {
    throw RecordingFormatError.format(path, 'header JSON does not parse');
  }
  const h = json as Partial<Record<keyof RecordingHeader, unknown>> | null;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw RecordingFormatError.format(path, 'header JSON is not an object');
  if (h.schema !== RECORDING_SCHEMA) throw RecordingFormatError.format(path, `header schema is not '${RECORDING_SCHEMA}'`);
  if (typeof h.startWallNs !== 'string' || !/^\d{1,20}$/.test(h.startWallNs)) throw RecordingFormatError.format(path, 'header startWallNs is not a decimal string');
  if (!Array.isArray(h.symbols) || !h.symbols.every((s) => typeof s === 'string')) throw RecordingFormatError.format(path, 'header symbols is not an array of strings');
  if (typeof h.fullDepth !== 'boolean') throw RecordingFormatError.format(path, 'header fullDepth is not a boolean');
  if (!Number.isSafeInteger(h.fileIndex)) throw RecordingFormatError.format(path, 'header fileIndex is not an integer');
  const header: RecordingHeader = {
    schema: h.schema,
    startWallNs: h.startWallNs,
    symbols: h.symbols as string[],
    fullDepth: h.fullDepth,
    fileIndex: h.fileIndex as number,
    writer: typeof h.writer === 'string' ? h.writer : '',
  };
  return { header, length };
}

function parseFeedEvent(data: Uint8Array): FeedEventRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(data));
  } catch {
    return undefined;
  }
  const e = v as { kind?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.kind !== 'string') return undefined;
  return v as FeedEventRecord;
}

interface MutableView {
  type: RecordType;
  topic: string;
  payload: Uint8Array;
  event: FeedEventRecord | undefined;
  epoch: number;
  wallNs: bigint;
  monoNs: bigint;
  fileIndex: number;
}

/**
 * Pull reader over recording files, in order:
 *
 * ```ts
 * const r = new RecordingReader(paths);
 * try {
 *   do { while (r.next()) use(r.current); } while (await r.fill());
 * } finally { await r.close(); }
 * ```
 */
export class RecordingReader {
  /** The files, in reading order. */
  readonly paths: readonly string[];
  readonly #logger: Logger;
  readonly #chunk: number;
  readonly #cur: MutableView = { type: RecordType.MESSAGE, topic: '', payload: EMPTY, event: undefined, epoch: 0, wallNs: 0n, monoNs: 0n, fileIndex: -1 };
  #fh: FileHandle | undefined;
  #file = -1;
  #header: RecordingHeader | undefined;
  #topics = new Map<number, string>();
  #buf: Buffer = Buffer.alloc(0);
  /** Over `#buf` (DataView reads are builtins: cheaper than Buffer's read*LE). */
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  #pos = 0;
  #end = 0;
  /** Records from `#pos` up to here are whole and their CRCs match (one native check per run: next()). */
  #verifiedTo = 0;
  #eof = true;
  /** The chunk being read ahead, if any. */
  #ahead: Promise<Buffer> | undefined;
  /** File offset of `#buf[0]`. */
  #bufOffset = 0;
  #closed = false;
  #recordsRead = 0;
  #recordsSkipped = 0;
  #bytesSkipped = 0;
  #truncated = false;
  #warnings = new Map<string, number>();

  constructor(paths: readonly string[], options: RecordingReaderOptions = {}) {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p.length > 0)) {
      throw new TypeError('paths: must be a non-empty array of file paths');
    }
    this.paths = [...paths];
    this.#logger = options.logger ?? defaultLogger();
    this.#chunk = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isSafeInteger(this.#chunk) || this.#chunk < 64) throw new RangeError('chunkBytes: must be an integer >= 64');
  }

  /** Validates `path`'s header (throws RecordingFormatError) and returns it, reading only the header. */
  static async header(path: string): Promise<RecordingHeader> {
    const r = new RecordingReader([path], { chunkBytes: 4096 });
    try {
      await r.fill();
      return r.#header!;
    } finally {
      await r.close();
    }
  }

  /** The record `next()` moved to (reused: valid until the next call). */
  get current(): RecordView {
    return this.#cur;
  }

  /** The header of the file being read (undefined before the first `fill()`). */
  get header(): RecordingHeader | undefined {
    return this.#header;
  }

  /** Index (in `paths`) of the file being read. */
  get fileIndex(): number {
    return this.#file;
  }

  /** Counters so far. */
  stats(): RecordingReaderStats {
    return {
      recordsRead: this.#recordsRead,
      recordsSkipped: this.#recordsSkipped,
      bytesSkipped: this.#bytesSkipped,
      truncated: this.#truncated,
      files: Math.min(this.#file + 1, this.paths.length),
    };
  }

  /**
   * Moves to the next whole record already read (synchronous); false when
   * the bytes read so far hold none: then `await fill()`.
   */
  next(): boolean {
    const buf = this.#buf;
    const end = this.#end;
    let p = this.#pos;
    for (;;) {
      if (p === end) break;
      let v: Verdict = OK;
      if (p >= this.#verifiedTo) {
        // With the addon, one check for the run of good records ahead; what
        // ends it (and every record, without the addon) gets the per-record rules below.
        const to = verifiedRecordsEnd === undefined ? p : verifiedRecordsEnd(buf, p, end, RECORD_BODY_HEADER_BYTES, MAX_RECORD_BODY_BYTES);
        if (to > p) this.#verifiedTo = to;
        else v = this.#verify(p);
      }
      if (v === OK) {
        const after = p + RECORD_PREFIX_BYTES + this.#view.getUint32(p, true);
        const used = this.#take(p, after);
        p = after;
        if (used) {
          this.#pos = p;
          return true;
        }
        continue;
      }
      if (v === MORE) break;
      // Damaged at p. When its length is plausible and the record after it verifies, only this record is lost.
      const len = end - p >= RECORD_PREFIX_BYTES ? buf.readUInt32LE(p) : 0;
      if (plausible(len) && p + RECORD_PREFIX_BYTES + len <= end) {
        const after = p + RECORD_PREFIX_BYTES + len;
        const v2 = after === end && this.#eof ? OK : this.#verify(after);
        if (v2 === MORE) break;
        if (v2 === OK) {
          this.#skip(p, after, 'bad CRC');
          p = after;
          continue;
        }
      }
      const q = this.#scan(p + 1);
      if (q === -2) break; // more bytes needed to decide
      if (q === -1) {
        // End of file and nothing verifies past p: a cut record (left for fill() to report) or damage to the end.
        // Zeros to the end, less than a block: a direct write's padding that a
        // crash kept from being truncated away (src/record/direct-io.ts), so a cut file too.
        const cutShort = end - p < RECORD_PREFIX_BYTES || (plausible(len) && p + RECORD_PREFIX_BYTES + len > end) || zeroPadding(buf, p, end);
        if (!cutShort) {
          this.#skip(p, end, 'damaged to the end of the file');
          p = end;
        }
        break;
      }
      this.#skip(p, q, len === 0 || !plausible(len) ? 'implausible length' : 'bad CRC');
      p = q;
    }
    this.#pos = p;
    return false;
  }

  /**
   * Reads more bytes (or opens the next file, validating its header);
   * resolves false once every file is read. Rejects with a
   * RecordingFormatError for a file that is not a readable recording.
   */
  async fill(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#eof) {
      if (this.#fh !== undefined) await this.#finishFile();
      if (this.#file + 1 >= this.paths.length) {
        this.#file = this.paths.length;
        return false;
      }
      await this.#openFile(this.#file + 1);
      return true;
    }
    await this.#read();
    return true;
  }

  /** Closes the file being read; `fill()` then resolves false. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const fh = this.#fh;
    this.#fh = undefined;
    await this.#dropAhead();
    await fh?.close();
  }

  /** Waits out a read ahead in flight (its file is about to close) and forgets it. */
  async #dropAhead(): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    await ahead?.catch(() => undefined);
  }

  // ---- internals ----

  /** OK when a whole record with a matching CRC starts at q; MORE when it cannot be decided yet. */
  #verify(q: number): Verdict {
    const buf = this.#buf;
    const end = this.#end;
    if (end - q < RECORD_PREFIX_BYTES) return this.#eof ? BAD : MORE;
    const view = this.#view;
    const len = view.getUint32(q, true);
    if (!plausible(len)) return BAD;
    const bodyEnd = q + RECORD_PREFIX_BYTES + len;
    if (bodyEnd > end) return this.#eof ? BAD : MORE;
    return crc32c(buf, q + RECORD_PREFIX_BYTES, bodyEnd) === view.getUint32(q + 4, true) ? OK : BAD;
  }

  /** The first offset >= from where a record verifies; -1 at end of file without one, -2 when more bytes are needed. */
  #scan(from: number): number {
    for (let q = from; q < this.#end; q++) {
      const v = this.#verify(q);
      if (v === OK) return q;
      if (v === MORE) return -2;
    }
    return this.#eof ? -1 : -2;
  }

  /** Loads the verified record [p, after) into `current`; false when it cannot be used (counted). */
  #take(p: number, after: number): boolean {
    const buf = this.#buf;
    const b = p + RECORD_PREFIX_BYTES;
    const cur = this.#cur;
    const type = buf[b]!;
    const view = this.#view;
    const topicId = view.getUint16(b + 2, true);
    const data = b + RECORD_BODY_HEADER_BYTES;
    cur.epoch = view.getUint32(b + 4, true);
    cur.wallNs = view.getBigInt64(b + 8, true);
    cur.monoNs = view.getBigInt64(b + 16, true);
    cur.fileIndex = this.#file;
    if (type === RecordType.MESSAGE) {
      const topic = this.#topics.get(topicId);
      if (topic === undefined) {
        this.#skip(p, after, `message of undeclared topic id ${topicId}`);
        return false;
      }
      cur.type = RecordType.MESSAGE;
      cur.topic = topic;
      // A plain Uint8Array view (a Buffer's construction costs more, and decoders need only the bytes).
      cur.payload = new Uint8Array(buf.buffer, buf.byteOffset + data, after - data);
      cur.event = undefined;
    } else if (type === RecordType.TOPIC) {
      let topic: string;
      try {
        topic = utf8.decode(buf.subarray(data, after));
      } catch {
        this.#skip(p, after, 'topic that is not UTF-8');
        return false;
      }
      this.#topics.set(topicId, topic);
      cur.type = RecordType.TOPIC;
      cur.topic = topic;
      cur.payload = EMPTY;
      cur.event = undefined;
    } else if (type === RecordType.FEED_EVENT) {
      const event = parseFeedEvent(buf.subarray(data, after));
      if (event === undefined) {
        this.#skip(p, after, 'feed event whose JSON does not parse');
        return false;
      }
      cur.type = RecordType.FEED_EVENT;
      cur.topic = '';
      cur.payload = EMPTY;
      cur.event = event;
    } else {
      this.#skip(p, after, `record of unknown type ${type}`);
      return false;
    }
    this.#recordsRead++;
    return true;
  }

  #skip(p: number, q: number, why: string): void {
    this.#recordsSkipped++;
    this.#bytesSkipped += q - p;
    const n = (this.#warnings.get(why) ?? 0) + 1;
    this.#warnings.set(why, n);
    if (n <= 10 || n % 1000 === 0) {
      this.#logger.warn(
        { path: this.paths[this.#file], offset: this.#bufOffset + p, bytes: q - p, count: n },
        `recording: skipped a damaged or unusable record (${why}); reading goes on after it`,
      );
    }
  }

  /** Reads the next chunk, keeping the unread bytes (a new buffer each time: views of the old one stay valid). */
  async #read(): Promise<void> {
    const got = await (this.#ahead ?? this.#readAhead());
    this.#ahead = undefined;
    if (got.length === 0) {
      this.#eof = true;
      return;
    }
    // The unread bytes (a record cut by the chunk boundary) go in front of the new
    // bytes: into the room kept there when they fit (no copy of the chunk), else a new buffer.
    const leftover = this.#end - this.#pos;
    let next: Buffer;
    if (leftover <= got.byteOffset) {
      next = Buffer.from(got.buffer, got.byteOffset - leftover, leftover + got.length);
    } else {
      next = Buffer.allocUnsafe(leftover + got.length);
      next.set(got, leftover);
    }
    this.#buf.copy(next, 0, this.#pos, this.#end);
    this.#bufOffset += this.#pos;
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.#pos = 0;
    this.#end = next.length;
    this.#verifiedTo = 0;
    // The next chunk is read while this one is parsed (the file's I/O overlaps the replay's CPU).
    this.#ahead = this.#readAhead();
    this.#ahead.catch(() => undefined); // observed by the next #read (or dropped by close)
  }

  /** The next chunk of the file (empty at its end), with {@link LEFTOVER_ROOM} free bytes before it. */
  async #readAhead(): Promise<Buffer> {
    const chunk = Buffer.allocUnsafe(LEFTOVER_ROOM + this.#chunk);
    const { bytesRead } = await this.#fh!.read(chunk, LEFTOVER_ROOM, this.#chunk, null);
    return chunk.subarray(LEFTOVER_ROOM, LEFTOVER_ROOM + bytesRead);
  }

  async #openFile(index: number): Promise<void> {
    const path = this.paths[index]!;
    this.#file = index;
    this.#fh = await open(path, 'r');
    this.#buf = Buffer.alloc(0);
    this.#view = new DataView(new ArrayBuffer(0));
    this.#pos = 0;
    this.#end = 0;
    this.#verifiedTo = 0;
    this.#bufOffset = 0;
    this.#eof = false;
    this.#topics = new Map();
    try {
      for (;;) {
        await this.#read();
        const parsed = parseHeader(path, this.#buf, this.#end, this.#eof);
        if (parsed !== undefined) {
          this.#header = parsed.header;
          this.#pos = parsed.length;
          return;
        }
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async #finishFile(): Promise<void> {
    const tail = this.#end - this.#pos;
    if (tail > 0) {
      this.#truncated = true;
      this.#logger.warn(
        { path: this.paths[this.#file], offset: this.#bufOffset + this.#pos, bytes: tail },
        'recording ends in the middle of a record or in zero padding (a crash while recording?): read up to its last whole record',
      );
      this.#pos = this.#end;
    }
    await this.#dropAhead();
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}

/**
 * Every record of `paths`, in order, as plain objects (TOPIC records
 * included). Throws RecordingFormatError for a file that is not a readable
 * recording; damage is skipped and logged as by {@link RecordingReader}.
 */
export async function* readRecording(paths: readonly string[], options: RecordingReaderOptions = {}): AsyncGenerator<RecordingRecord, RecordingReaderStats, undefined> {
  const r = new RecordingReader(paths, options);
  try {
    do {
      while (r.next()) yield { ...r.current };
    } while (await r.fill());
    return r.stats();
  } finally {
    await r.close();
  }
}
