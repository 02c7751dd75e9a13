/**
 * RecordingWriter: appends records (docs/recording-format.md) to a file
 * without ever blocking or throwing at the caller, which is the live path.
 *
 * - Appending encodes the record into an in-memory chunk of 1 MiB (with
 *   the addon, the push that stamps a message frames its record there
 *   itself: src/record/native-frame.ts; CRCs are filled per chunk); full
 *   chunks, and the current one every `flushIntervalMs`, are queued and
 *   written by one asynchronous loop with one write in flight (libuv's
 *   thread pool does the I/O). Chunks are pooled: no allocation per
 *   record.
 * - Bytes queued but not yet written are bounded (`maxPendingBytes`): a
 *   record beyond the bound is dropped and counted (`droppedRecords`), so a
 *   disk slower than the feed costs records, never unbounded memory.
 * - fsync (fdatasync) every `fsync` ms, after every write (`0`), or never
 *   (`'never'`); always on close and before a rotation closes a file.
 * - Rotation (`rotate.maxBytes` checked per record, `rotate.maxSeconds` per
 *   flush tick): the next file is `path.0001`, `path.0002`... and starts
 *   with its own header and topic definitions, so each file stands alone.
 * - A failure (open, write, fsync, close) emits one `error`
 *   (RecordingWriteError) and stops the recording for good: what was queued
 *   and everything appended afterwards is counted in `droppedRecords`.
 *   Retrying would leave holes nobody asked for, and a full disk rarely frees
 *   itself; the live feed goes on either way (docs/decisions.md).
 */
import type { FileHandle } from 'node:fs/promises';
import { SettradeConfigError } from '../transport/errors.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { PACKAGE_VERSION } from '../transport/version.js';
import { isValidated, parseOptions } from '../util/options-schema.js';
import { wallClockNs } from '../codec/clock.js';
import { deliveredTopicTag, topicTag } from '../transport/topic-tag.js';
import { RecordingWriteError, type RecordingWriteStep } from './errors.js';
import { fillRecordCrcs } from './crc32c.js';
import { allocAlignedChunk, DIRECT_IO_BLOCK, openRecordingFile, reopenBuffered, roundUpToBlock } from './direct-io.js';
import {
  nativeFrameTarget,
  RECORD_CELL_FRAMED,
  RECORD_CELL_LENGTH,
  RECORD_CELL_LIMIT,
  RECORD_CELL_OFFSET,
  RECORD_CELL_TOPIC,
  RECORD_CELL_EPOCH,
  type NativeFrameOwner,
  type NativeFrameTarget,
} from './native-frame.js';
import {
  encodeFileHeader,
  encodeRecordFrame,
  stampWordsOf,
  type RecordHead,
  MAX_RECORD_BODY_BYTES,
  RECORD_BODY_HEADER_BYTES,
  RECORD_PREFIX_BYTES,
  RECORDING_SCHEMA,
  RecordType,
  type FeedEventRecord,
} from './format.js';
import { recordOptionsSchema, type RecordOptions, type ResolvedRecordOptions } from './options.js';

/**
 * Bytes of one in-memory batch (a bigger record gets a chunk of its own
 * size). 1 MiB: each chunk costs a seal, a trip to the thread pool and a
 * promise, which at 256 KiB (~870 messages) was ~30 ns per message.
 */
const CHUNK_BYTES = 1024 * 1024;
/** Most chunks one writev takes (16 MiB of 1 MiB chunks). */
const MAX_CHUNKS_PER_WRITE = 16;
/** Record overhead: length, CRC, fixed body header. */
const RECORD_OVERHEAD = RECORD_PREFIX_BYTES + RECORD_BODY_HEADER_BYTES;
/** Topic ids are u16 and 0 is reserved (FEED_EVENT): a file holds at most this many topics. */
const MAX_TOPICS_PER_FILE = 0xffff;
/** An empty chunk the native target is left bound to when a writer lets it go (so the addon keeps nothing alive). */
const NO_CHUNK = new Uint8Array(0);

/**
 * The file of rotation index `index`: `path` itself for the first, then
 * `path.0001`, `path.0002`... (four digits at least, more past 9999: sort
 * by the numeric suffix, or by the header's `fileIndex`).
 */
export function recordingFilePath(path: string, index: number): string {
  return index === 0 ? path : `${path}.${String(index).padStart(4, '0')}`;
}

/** Counters of a {@link RecordingWriter}. */
export interface RecordingStats {
  /** Records written to the file(s) (messages, topic definitions, feed events). */
  readonly records: number;
  /** Of those, received messages. */
  readonly messages: number;
  /** Bytes written, file headers included. */
  readonly bytes: number;
  /** Files opened (1 + rotations). */
  readonly files: number;
  /** Records never written: over `maxPendingBytes`, too large, or after a failure stopped the recording. */
  readonly droppedRecords: number;
  /** `error` events (a failure stops the recording: at most one per failure, plus one if closing also fails). */
  readonly errors: number;
  /** Bytes encoded and waiting to be written. */
  readonly pendingBytes: number;
  /** write() calls completed (each a batch of records). */
  readonly writes: number;
  /** fdatasync calls completed. */
  readonly syncs: number;
  /** The file being written. */
  readonly path: string;
  /** False once the recording stopped (after a failure, or closed). */
  readonly active: boolean;
}

/** Options of {@link RecordingWriter}: the `record` option plus what the header says. */
export interface RecordingWriterOptions extends RecordOptions {
  /** Whether the feed decodes ten levels (the header's `fullDepth`). Default false. */
  readonly fullDepth?: boolean;
  /** Symbols subscribed when a file is opened (the header's `symbols`). Default none. */
  readonly symbols?: () => readonly string[];
  /** Rotation index of the first file (a restarted feed worker continues the rotation). Default 0. */
  readonly firstFileIndex?: number;
  /** Called whenever a file of the rotation is started (index, path): before any of its records. */
  readonly onFile?: (index: number, path: string) => void;
  /**
   * Let the addon's push frame MESSAGE records (src/record/native-frame.ts;
   * the same bytes). Default true; without the addon it is off anyway. False
   * is for tests and benchmarks comparing both ways.
   */
  readonly nativeFraming?: boolean;
  /**
   * Write a regular file with O_DIRECT when the addon allocates aligned
   * chunks and the file system accepts it (src/record/direct-io.ts; the
   * same bytes). Default true; false is for tests and benchmarks.
   */
  readonly directIo?: boolean;
}

/** Events of {@link RecordingWriter}. */
export interface RecordingWriterEvents {
  /** The recording failed and stopped (ERR_RECORDING_WRITE). */
  error: (err: RecordingWriteError) => void;
}

interface Chunk {
  /** The whole allocation: `buf`, then at least one block to pad a direct write's last block. */
  readonly mem: Uint8Array;
  /** Where records go (its length is the chunk's capacity). */
  readonly buf: Uint8Array;
  readonly view: DataView;
  len: number;
  /**
   * Bytes at its start carried over from the previous chunk of the file:
   * the last, partial block (direct writes are whole blocks at block
   * offsets, so it is written again with what follows it). Counted there.
   */
  carried: number;
  /** The carried bytes were written already (a flush wrote the partial block, padded). */
  carriedWritten: boolean;
  /** Where records start (after a file header at the chunk's start; headers only ever start a chunk). */
  recordsStart: number;
  records: number;
  messages: number;
}

/**
 * How a sealed chunk is written: `full`, its whole blocks only (its tail
 * starts the next chunk); `flush`, everything (the last block padded on a
 * direct file, which is then truncated to its true size), the tail also
 * starting the next chunk; `end`, everything, the file ends there (rotation,
 * close).
 */
type SealKind = 'full' | 'flush' | 'end';

type Op =
  | { readonly kind: 'open'; readonly path: string }
  | {
      readonly kind: 'data';
      readonly chunk: Chunk;
      /** Write all of `[0, len)` (padded when direct), not only its whole blocks. */
      readonly all: boolean;
      /** Bytes after which the next chunk of the file begins. */
      readonly advance: number;
    }
  | { readonly kind: 'sync' }
  | { readonly kind: 'close'; readonly done?: () => void };

/** Appends records to a recording file (or a rotation of them); see the module comment. */
export class RecordingWriter extends TypedEmitter<RecordingWriterEvents> {
  readonly #o: ResolvedRecordOptions;
  readonly #fullDepth: boolean;
  readonly #symbols: () => readonly string[];
  readonly #onFile: ((index: number, path: string) => void) | undefined;
  readonly #ops: Op[] = [];
  readonly #pool: Chunk[] = [];
  readonly #topics = new Map<string, number>();
  // The same ids indexed by topic tag (src/transport/topic-tag.ts): the
  // fast path leaves the tag of the message it delivers, so arm() finds the
  // id without hashing the topic again. Cleared with #topics.
  readonly #topicByTag: (string | undefined)[] = [];
  readonly #idByTag: number[] = [];
  // One reused head: the encoder reads it synchronously (nothing allocated per record).
  readonly #head: RecordHead = { type: RecordType.MESSAGE, topicId: 0, epoch: 0 };
  readonly #timer: NodeJS.Timeout;
  readonly #maxBytes: number | undefined;
  /** The native framing target, when the addon's push frames this writer's messages. */
  readonly #target: NativeFrameTarget | undefined;
  // Called by another writer of the thread taking the target over.
  readonly #owner: NativeFrameOwner = {
    takeBack: () => {
      this.#takeBack();
      this.#armable = false;
    },
  };
  /** The target's cell (when there is a target). */
  readonly #cell: Uint32Array | undefined;
  /**
   * True while this writer owns the target and records: arm() may then take
   * its short path (a topic known by tag). Cleared on handing the target
   * over and on stopping; set again by #publish.
   */
  #armable = false;
  #active: Chunk;
  #fileIndex: number;
  #path: string;
  #fileBytes = 0;
  /** Bytes of the current file's header. */
  #headerBytes = 0;
  #fileStartedMs = 0;
  #pendingBytes = 0;
  #pumping = false;
  #fh: FileHandle | undefined;
  /** Open files with O_DIRECT when possible. */
  readonly #tryDirect: boolean;
  /** The file is open with O_DIRECT: writes are whole blocks at block offsets. */
  #direct = false;
  /** File offset of the next chunk's first byte. */
  #writePos = 0;
  /**
   * Writes go at explicit file offsets (a direct file, or one reopened after
   * a refused direct write). Otherwise the file is written as a stream (a
   * pipe or a device takes no offsets): in order, each byte once.
   */
  #positional = false;
  /** Stream writes: the file offset reached so far (bytes a flush wrote are not written again). */
  #streamPos = 0;
  #dirty = false;
  /** False once fdatasync said this kind of file cannot be synced (EINVAL: a pipe, /dev/null). */
  #syncable = true;
  /** The background fsync in flight (interval policy), if any. */
  #syncing: Promise<boolean> | undefined;
  #lastSyncMs = 0;
  #stopped = false;
  #failed = false;
  #closing: Promise<void> | undefined;
  // Counters.
  #records = 0;
  #messages = 0;
  #bytes = 0;
  #files = 0;
  #dropped = 0;
  #errors = 0;
  #writes = 0;
  #syncs = 0;

  /**
   * Validates the options (SettradeConfigError naming the field, e.g.
   * `record.rotate.maxBytes`) and starts the first file. Never throws after
   * that: I/O failures are `error` events.
   */
  constructor(options: RecordingWriterOptions) {
    super();
    const { fullDepth, symbols, firstFileIndex, onFile, nativeFraming, directIo, ...record } = options;
    // Options a feed already validated (marked by startRecording) are not checked again: a feed worker never loads zod.
    this.#o = isValidated(options)
      ? (record as ResolvedRecordOptions)
      : parseOptions(recordOptionsSchema, record, (field, message) => new SettradeConfigError(`record.${field}`, message));
    if (firstFileIndex !== undefined && (!Number.isSafeInteger(firstFileIndex) || firstFileIndex < 0)) {
      throw new SettradeConfigError('firstFileIndex', 'must be a non-negative integer');
    }
    this.#fullDepth = fullDepth ?? false;
    this.#symbols = symbols ?? ((): readonly string[] => []);
    this.#onFile = onFile;
    this.#fileIndex = (firstFileIndex ?? 0) - 1;
    this.#path = this.#o.path;
    this.#maxBytes = this.#o.rotate?.maxBytes;
    this.#target = nativeFraming === false ? undefined : nativeFrameTarget;
    this.#cell = this.#target?.cell;
    this.#tryDirect = directIo !== false && allocAlignedChunk !== undefined;
    this.#active = this.#chunk(CHUNK_BYTES);
    this.#startFile();
    this.#timer = setInterval(() => this.#tick(), this.#o.flushIntervalMs);
    this.#timer.unref();
  }

  /** The resolved options (defaults filled in). */
  get options(): ResolvedRecordOptions {
    return this.#o;
  }

  /**
   * Appends a received message (hot path: allocates nothing once its topic
   * is known). The first message of a topic in each file is preceded by a
   * TOPIC record defining its id.
   */
  message(topic: string, payload: Uint8Array, epoch: number, wallNs: bigint, monoNs: bigint): void {
    this.#takeBack();
    const id = this.#messageTopicId(topic, payload.length, epoch, wallNs, monoNs);
    if (id !== 0) this.#append(RecordType.MESSAGE, id, epoch, wallNs, monoNs, payload, true);
    this.#republish();
  }

  /**
   * Arms the native target for the message about to be pushed (hot path):
   * the push that stamps it frames its record (src/record/native-frame.ts).
   * False (nothing armed) without the target, once stopped, or for a topic
   * this file has not defined yet: the caller then appends it as usual.
   * After the push, {@link disarm} says whether it was framed. The topic's
   * id is found by the tag the client's PUBLISH fast path left for the
   * message (src/transport/topic-tag.ts), else by the topic string.
   */
  arm(topic: string, payloadLength: number, epoch: number): boolean {
    const tag = deliveredTopicTag[0]!;
    const byTag = this.#topicByTag;
    // Short path: this writer owns the target and the fast path's tag names
    // this topic (the route's own string: one pointer compare); no hashing.
    if (this.#armable && tag < byTag.length && byTag[tag] === topic) {
      const cell = this.#cell!;
      cell[RECORD_CELL_EPOCH] = epoch;
      cell[RECORD_CELL_LENGTH] = payloadLength;
      cell[RECORD_CELL_TOPIC] = this.#idByTag[tag]!;
      return true;
    }
    return this.#armByName(topic, payloadLength, epoch);
  }

  /** arm() for a message without a usable tag, or when this writer must take the target first. */
  #armByName(topic: string, payloadLength: number, epoch: number): boolean {
    const t = this.#target;
    if (t === undefined || this.#stopped) return false;
    const id = this.#topics.get(topic);
    if (id === undefined) return false;
    if (t.owner !== this.#owner) this.#publish(t);
    const cell = t.cell;
    cell[RECORD_CELL_EPOCH] = epoch;
    cell[RECORD_CELL_LENGTH] = payloadLength;
    cell[RECORD_CELL_TOPIC] = id;
    return true;
  }

  /**
   * After an {@link arm}: true when the push framed the message (it is then
   * recorded), else disarms and returns false (no push, another payload, no
   * room: the caller appends it as usual).
   */
  disarm(): boolean {
    const cell = this.#target!.cell;
    if (cell[RECORD_CELL_TOPIC] === 0) return true;
    cell[RECORD_CELL_TOPIC] = 0;
    return false;
  }

  /**
   * As {@link message}, the stamps given as the words of a push-stamp cell
   * (src/dispatcher/push-stamp.ts: recvTs lo/hi, recvMonoNs lo/hi): copied
   * as they are, no bigint on the live path.
   */
  messageStamped(topic: string, payload: Uint8Array, epoch: number, stampWords: Uint32Array): void {
    if (this.#stopped) {
      this.#dropped++;
      return;
    }
    this.#takeBack();
    let id = this.#topics.get(topic);
    if (id === undefined || this.#maxBytes !== undefined) {
      const monoNs = (BigInt(stampWords[3]!) << 32n) | BigInt(stampWords[2]!);
      const wallNs = (BigInt(stampWords[1]!) << 32n) | BigInt(stampWords[0]!);
      id = this.#messageTopicId(topic, payload.length, epoch, wallNs, monoNs);
    }
    if (id !== 0 && this.#reserve(payload.length)) {
      const head = this.#head;
      head.type = RecordType.MESSAGE;
      head.topicId = id;
      head.epoch = epoch;
      this.#frame(head, stampWords, payload, true);
    }
    this.#republish();
  }

  /**
   * The topic id of a message about to be appended (defining the topic, and
   * rotating by size first, as needed); 0 when the message cannot be recorded
   * (counted as dropped).
   */
  #messageTopicId(topic: string, payloadLength: number, epoch: number, wallNs: bigint, monoNs: bigint): number {
    if (this.#stopped) {
      this.#dropped++;
      return 0;
    }
    let id = this.#topics.get(topic);
    if (this.#maxBytes !== undefined) {
      const topicBytes = id === undefined ? RECORD_OVERHEAD + Buffer.byteLength(topic, 'utf8') : 0;
      if (this.#rotateIfFull(RECORD_OVERHEAD + payloadLength + topicBytes)) id = undefined;
    }
    if (id === undefined) {
      id = this.#defineTopic(topic, epoch, wallNs, monoNs);
      if (id === 0) this.#dropped++;
    }
    return id;
  }

  /** Appends one of the feed's own events, stamped now unless stamps are given. */
  feedEvent(event: FeedEventRecord, epoch: number, monoNs: bigint = process.hrtime.bigint(), wallNs: bigint = wallClockNs()): void {
    if (this.#stopped) {
      this.#dropped++;
      return;
    }
    this.#takeBack();
    const data = Buffer.from(JSON.stringify(event), 'utf8');
    if (this.#maxBytes !== undefined) this.#rotateIfFull(RECORD_OVERHEAD + data.length);
    this.#append(RecordType.FEED_EVENT, 0, epoch, wallNs, monoNs, data, false);
    this.#republish();
  }

  /** Counters (see {@link RecordingStats}). */
  stats(): RecordingStats {
    this.#takeBack();
    return {
      records: this.#records,
      messages: this.#messages,
      bytes: this.#bytes,
      files: this.#files,
      droppedRecords: this.#dropped,
      errors: this.#errors,
      pendingBytes: this.#pendingBytes,
      writes: this.#writes,
      syncs: this.#syncs,
      path: this.#path,
      active: !this.#stopped,
    };
  }

  /**
   * Writes what is buffered, syncs and closes the file. Idempotent; never
   * rejects (a failure is an `error` event). Appends after it are dropped
   * and counted.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      clearInterval(this.#timer);
      this.#takeBack();
      this.#seal('end');
      const wasStopped = this.#stopped;
      this.#stopped = true;
      this.#letGo();
      if (wasStopped) {
        // Failed earlier: the queue was dropped; release the file handle.
        this.#ops.length = 0;
      }
      this.#ops.push({ kind: 'close', done: resolve });
      void this.#pump();
    });
    return this.#closing;
  }

  // ---- native framing target (src/record/native-frame.ts) ----

  /**
   * Counts what the pushes framed into the active chunk since the last call
   * (they advanced the cell's offset): before any use of the chunk or the
   * counters, and when another writer of the thread takes the target over.
   */
  #takeBack(): void {
    const t = this.#target;
    if (t === undefined || t.owner !== this.#owner) return;
    const cell = t.cell;
    const framed = cell[RECORD_CELL_FRAMED]!;
    if (framed === 0) return;
    const c = this.#active;
    const bytes = cell[RECORD_CELL_OFFSET]! - c.len;
    c.len += bytes;
    c.records += framed;
    c.messages += framed;
    this.#pendingBytes += bytes;
    this.#fileBytes += bytes;
    cell[RECORD_CELL_FRAMED] = 0;
  }

  /** After the append side changed the active chunk: hands the target its new state (when this writer owns it). */
  #republish(): void {
    const t = this.#target;
    if (t !== undefined && t.owner === this.#owner) this.#publish(t);
  }

  /**
   * Takes the target (the previous owner counts its records first) and binds
   * the active chunk: pushes may frame from its end up to the first of the
   * chunk's end, the pending-bytes bound and the size rotation's bound, so a
   * record the JS path would drop, or rotate before, is left to the JS path.
   */
  #publish(t: NativeFrameTarget): void {
    if (t.owner !== this.#owner) {
      t.owner?.takeBack();
      t.owner = this.#owner;
    }
    this.#armable = !this.#stopped;
    const c = this.#active;
    t.bindChunk(c.buf);
    let room = Math.min(c.buf.length - c.len, this.#o.maxPendingBytes - this.#pendingBytes);
    if (this.#maxBytes !== undefined) room = Math.min(room, this.#maxBytes - this.#fileBytes);
    const cell = t.cell;
    cell[RECORD_CELL_OFFSET] = c.len;
    cell[RECORD_CELL_LIMIT] = this.#stopped ? c.len : c.len + Math.max(0, room);
    cell[RECORD_CELL_FRAMED] = 0;
  }

  /** Stopped: nothing is framed for this writer any more, and the addon keeps none of its chunks alive. */
  #letGo(): void {
    const t = this.#target;
    if (t === undefined || t.owner !== this.#owner) return;
    this.#takeBack();
    // An armed message stays armed (and unframed): the tap's disarm() then
    // hands it to the JS path, which counts it as dropped.
    t.cell[RECORD_CELL_LIMIT] = t.cell[RECORD_CELL_OFFSET]!;
    t.bindChunk(NO_CHUNK);
    t.owner = undefined;
    this.#armable = false;
  }

  // ---- append side (the caller's thread, synchronous) ----

  #defineTopic(topic: string, epoch: number, wallNs: bigint, monoNs: bigint): number {
    if (this.#topics.size >= MAX_TOPICS_PER_FILE) this.#rotate();
    const id = this.#topics.size + 1;
    const bytes = Buffer.from(topic, 'utf8');
    if (!this.#append(RecordType.TOPIC, id, epoch, wallNs, monoNs, bytes, false)) return 0;
    this.#topics.set(topic, id);
    const tag = topicTag(topic);
    while (this.#topicByTag.length <= tag) {
      this.#topicByTag.push(undefined);
      this.#idByTag.push(0);
    }
    this.#topicByTag[tag] = topic;
    this.#idByTag[tag] = id;
    return id;
  }

  /** Encodes one record into the active chunk; false when it was dropped. */
  #append(type: RecordType, topicId: number, epoch: number, wallNs: bigint, monoNs: bigint, data: Uint8Array, isMessage: boolean): boolean {
    if (!this.#reserve(data.length)) return false;
    const head = this.#head;
    head.type = type;
    head.topicId = topicId;
    head.epoch = epoch;
    this.#frame(head, stampWordsOf(wallNs, monoNs), data, isMessage);
    return true;
  }

  /** Frames a reserved record at the end of the active chunk (its CRC is filled when the chunk is sealed). */
  #frame(head: RecordHead, stampWords: Uint32Array, data: Uint8Array, isMessage: boolean): void {
    const c = this.#active;
    c.len = encodeRecordFrame(c.buf, c.view, c.len, head, stampWords, data);
    c.records++;
    if (isMessage) c.messages++;
  }

  /**
   * Makes room in the active chunk for a record of `dataLength` bytes of data
   * and counts its bytes as pending; false (counted as dropped) when it is too
   * big or the pending bytes are at their bound. The CRC is filled for the
   * whole chunk when it is sealed (one native call per batch).
   */
  #reserve(dataLength: number): boolean {
    const need = RECORD_OVERHEAD + dataLength;
    if (need - RECORD_PREFIX_BYTES > MAX_RECORD_BODY_BYTES || this.#pendingBytes + need > this.#o.maxPendingBytes) {
      this.#dropped++;
      return false;
    }
    const c = this.#active;
    if (c.len + need > c.buf.length) {
      this.#seal('full'); // takes the next chunk from the pool
      if (this.#active.len + need > this.#active.buf.length) this.#active = this.#bigChunk(need);
    }
    this.#pendingBytes += need;
    this.#fileBytes += need;
    return true;
  }

  /**
   * Size rotation: when `need` more bytes would take the file past
   * `rotate.maxBytes`, starts the next file (unless this one holds no record
   * yet: a record larger than the limit gets a file of its own). True when it rotated.
   */
  #rotateIfFull(need: number): boolean {
    if (this.#fileBytes + need <= this.#maxBytes! || !this.#fileHasRecords()) return false;
    this.#rotate();
    return true;
  }

  #fileHasRecords(): boolean {
    return this.#fileBytes > this.#headerBytes;
  }

  /** Ends the current file and starts the next one of the rotation (append side). */
  #rotate(): void {
    this.#seal('end');
    this.#topics.clear();
    this.#topicByTag.fill(undefined);
    this.#startFile();
  }

  #startFile(): void {
    this.#fileIndex++;
    const path = recordingFilePath(this.#o.path, this.#fileIndex);
    this.#path = path;
    this.#ops.push({ kind: 'open', path });
    const header = encodeFileHeader({
      schema: RECORDING_SCHEMA,
      startWallNs: wallClockNs().toString(),
      symbols: [...this.#symbols()],
      fullDepth: this.#fullDepth,
      fileIndex: this.#fileIndex,
      writer: `settrade-feed/${PACKAGE_VERSION}`,
    });
    if (this.#active.len + header.length > this.#active.buf.length) {
      this.#seal('end');
      if (header.length > this.#active.buf.length) this.#active = this.#chunk(header.length);
    }
    this.#active.buf.set(header, this.#active.len);
    this.#active.len += header.length;
    this.#active.recordsStart = this.#active.len;
    this.#pendingBytes += header.length;
    this.#headerBytes = header.length;
    this.#fileBytes = header.length;
    this.#fileStartedMs = performance.now();
    this.#onFile?.(this.#fileIndex, path);
    void this.#pump();
  }

  /**
   * Queues the active chunk for writing (if it holds anything not written)
   * and takes a fresh one, which starts with the chunk's last partial block
   * unless the file ends here (see {@link SealKind}).
   */
  #seal(kind: SealKind): void {
    const c = this.#active;
    if (c.len === 0 || (c.len === c.carried && (c.carriedWritten || kind === 'full'))) {
      if (kind === 'end') this.#restart(c);
      return;
    }
    // Cannot fail: this writer (or the push, for it) framed every record of [recordsStart, len).
    fillRecordCrcs(c.buf, c.recordsStart, c.len);
    const next = this.#chunk(CHUNK_BYTES);
    let advance = c.len;
    if (kind !== 'end') {
      advance = c.len - (c.len % DIRECT_IO_BLOCK);
      const tail = c.len - advance;
      next.mem.set(c.mem.subarray(advance, c.len), 0);
      next.len = tail;
      next.carried = tail;
      next.recordsStart = tail;
      next.carriedWritten = kind === 'flush';
    }
    this.#ops.push({ kind: 'data', chunk: c, all: kind !== 'full', advance });
    this.#active = next;
    void this.#pump();
  }

  /** An empty active chunk that carries nothing (the next file starts in it). */
  #restart(c: Chunk): void {
    c.len = 0;
    c.carried = 0;
    c.carriedWritten = false;
    c.recordsStart = 0;
  }

  /** A chunk of its own for a record of `need` bytes, taking over the active chunk's carried bytes. */
  #bigChunk(need: number): Chunk {
    const small = this.#active;
    const big = this.#chunk(small.len + need);
    big.mem.set(small.mem.subarray(0, small.len), 0);
    big.len = big.carried = big.recordsStart = small.len;
    big.carriedWritten = small.carriedWritten;
    this.#release(small);
    return big;
  }

  #chunk(size: number): Chunk {
    if (size === CHUNK_BYTES) {
      const pooled = this.#pool.pop();
      if (pooled) return pooled;
    }
    // Not zero-filled: every byte written out is written first (a direct
    // write's padding is zeroed before it goes out). Aligned native memory
    // when the addon has it, so the file can be written with O_DIRECT.
    const memSize = roundUpToBlock(size) + DIRECT_IO_BLOCK;
    const mem = allocAlignedChunk !== undefined ? new Uint8Array(allocAlignedChunk(memSize)) : new Uint8Array(Buffer.allocUnsafeSlow(memSize).buffer, 0, memSize);
    const buf = mem.subarray(0, size);
    return { mem, buf, view: new DataView(mem.buffer, mem.byteOffset, size), len: 0, carried: 0, carriedWritten: false, recordsStart: 0, records: 0, messages: 0 };
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#takeBack();
    const maxSeconds = this.#o.rotate?.maxSeconds;
    if (maxSeconds !== undefined && performance.now() - this.#fileStartedMs >= maxSeconds * 1000 && this.#fileHasRecords()) {
      this.#rotate();
    }
    this.#seal('flush');
    this.#republish();
    const fsync = this.#o.fsync;
    if (fsync !== 'never' && fsync > 0 && this.#dirty && performance.now() - this.#lastSyncMs >= fsync && !this.#ops.some((o) => o.kind === 'sync')) {
      this.#ops.push({ kind: 'sync' });
      void this.#pump();
    }
  }

  // ---- I/O side: one operation in flight, in queue order ----

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let op = this.#ops.shift(); op !== undefined; op = this.#ops.shift()) await this.#run(op);
    } catch (err) {
      // #run handles every I/O failure itself; this is a bug, and must still not reach the live path.
      this.#fail('write', this.#path, err);
    } finally {
      this.#pumping = false;
    }
  }

  async #run(op: Op): Promise<void> {
    switch (op.kind) {
      case 'open': {
        if (this.#fh) {
          if (!(await this.#closeFile())) return;
        }
        try {
          const file = await openRecordingFile(op.path, this.#tryDirect);
          this.#fh = file.fh;
          this.#direct = file.direct;
          this.#positional = file.direct;
          this.#writePos = 0;
          this.#streamPos = 0;
          this.#syncable = true;
          this.#files++;
          this.#lastSyncMs = performance.now();
        } catch (err) {
          this.#fail('open', op.path, err);
        }
        return;
      }
      case 'data': {
        const fh = this.#fh;
        // The open failed: #fail counted these records already.
        if (fh === undefined) return;
        // Everything queued behind it goes in the same writev: one trip to the
        // thread pool per batch, so a busy machine (slow to schedule that
        // thread) costs latency, not bandwidth. A chunk written whole (a
        // flush) ends the batch: the next chunk rewrites its last block.
        const batch = [op];
        for (let next = this.#ops[0]; !batch[batch.length - 1]!.all && next?.kind === 'data' && batch.length < MAX_CHUNKS_PER_WRITE; next = this.#ops[0]) {
          this.#ops.shift();
          batch.push(next);
        }
        const chunks = batch.map((b) => b.chunk);
        try {
          await this.#writeBatch(batch);
        } catch (err) {
          this.#fail('write', this.#path, err, chunks);
          return;
        }
        this.#writes++;
        this.#dirty = true;
        for (const b of batch) {
          const c = b.chunk;
          this.#writePos += b.advance;
          this.#records += c.records;
          this.#messages += c.messages;
          this.#bytes += c.len - c.carried;
          this.#pendingBytes -= c.len - c.carried;
          this.#release(c);
        }
        if (this.#o.fsync === 0) await this.#sync();
        return;
      }
      case 'sync':
        // In the background: writes go on while the disk catches up (fdatasync
        // covers what was written before it started); one sync at a time.
        if (this.#dirty && this.#syncing === undefined) {
          this.#syncing = this.#sync().finally(() => (this.#syncing = undefined));
        }
        return;
      case 'close':
        if (this.#fh) await this.#closeFile();
        op.done?.();
        return;
    }
  }

  /**
   * Writes a batch of sealed chunks at the file's write position: each
   * chunk's whole blocks, and the last one's partial block too when it is
   * written whole. On a direct file that block is padded with zeros and the
   * file truncated back to its true size (the next chunk writes the block
   * again with what follows). A direct write the file system refuses
   * (EINVAL) reopens the file through the page cache and writes it again.
   */
  async #writeBatch(batch: readonly Extract<Op, { kind: 'data' }>[]): Promise<void> {
    const last = batch[batch.length - 1]!;
    const lastLen = last.all ? last.chunk.len : last.advance;
    // The file's true size once the batch is written (when its last chunk is written whole).
    let size = this.#writePos + lastLen;
    for (let i = 0; i < batch.length - 1; i++) size += batch[i]!.advance;
    const views = batch.map((b) => b.chunk.mem.subarray(0, b.all ? b.chunk.len : b.advance));
    if (this.#direct) {
      const end = roundUpToBlock(lastLen);
      if (end !== lastLen) {
        last.chunk.mem.fill(0, lastLen, end);
        views[views.length - 1] = last.chunk.mem.subarray(0, end);
      }
      try {
        await writeAll(this.#fh!, views, this.#writePos);
        if (end !== lastLen) await this.#fh!.truncate(size);
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EINVAL') throw err;
        await this.#fh!.close().catch(() => undefined);
        this.#fh = undefined;
        this.#direct = false;
        this.#fh = await reopenBuffered(this.#path);
        this.#positional = true;
        views[views.length - 1] = last.chunk.mem.subarray(0, lastLen);
        await writeAll(this.#fh, views, this.#writePos);
        // A refused write may have left padding behind.
        if (last.all) await this.#fh.truncate(size);
        return;
      }
    }
    if (this.#positional) {
      await writeAll(this.#fh!, views, this.#writePos);
      return;
    }
    // As a stream: each chunk from the first byte not yet written (a chunk
    // starts with the previous one's last block, which a flush wrote).
    let pos = this.#writePos;
    let reached = this.#streamPos;
    for (let i = 0; i < batch.length; i++) {
      const b = batch[i]!;
      const end = views[i]!.length;
      const from = Math.min(end, Math.max(0, reached - pos));
      views[i] = b.chunk.mem.subarray(from, end);
      reached = Math.max(reached, pos + end);
      pos += b.advance;
    }
    await writeAll(this.#fh!, views, null);
    this.#streamPos = reached;
  }

  async #sync(): Promise<boolean> {
    const fh = this.#fh;
    if (fh === undefined) return false;
    // Cleared before: a write completing during the sync marks the file dirty again.
    this.#dirty = false;
    if (!this.#syncable) return true;
    try {
      await fh.datasync();
    } catch (err) {
      // A pipe, /dev/null, a character device: nothing to sync, which is no failure.
      const code = (err as { code?: unknown }).code;
      if (code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
        this.#syncable = false;
        return true;
      }
      this.#fail('fsync', this.#path, err);
      return false;
    }
    this.#syncs++;
    this.#lastSyncMs = performance.now();
    return true;
  }

  /** Syncs (unless the recording failed) and closes the current file; false on a failure. */
  async #closeFile(): Promise<boolean> {
    const fh = this.#fh;
    if (fh === undefined) return true;
    let ok = true;
    if (this.#syncing !== undefined) ok = await this.#syncing;
    if (ok && this.#dirty && !this.#failed) ok = await this.#sync();
    this.#fh = undefined;
    try {
      await fh.close();
    } catch (err) {
      if (!this.#failed) this.#fail('close', this.#path, err);
      ok = false;
    }
    return ok;
  }

  /** Stops the recording: one `error`, every record not written counted as dropped. */
  #fail(step: RecordingWriteStep, path: string, cause: unknown, failedChunks: readonly Chunk[] = []): void {
    if (this.#failed) return;
    this.#takeBack();
    this.#failed = true;
    this.#stopped = true;
    this.#letGo();
    clearInterval(this.#timer);
    let lost = 0;
    for (const c of failedChunks) lost += c.records;
    const keep: Op[] = [];
    for (const op of this.#ops) {
      if (op.kind === 'data') lost += op.chunk.records;
      else if (op.kind === 'close') keep.push(op);
    }
    lost += this.#active.records;
    this.#active.len = 0;
    this.#active.carried = 0;
    this.#active.carriedWritten = false;
    this.#active.recordsStart = 0;
    this.#active.records = 0;
    this.#active.messages = 0;
    this.#ops.length = 0;
    this.#ops.push(...keep);
    this.#dropped += lost;
    this.#pendingBytes = 0;
    this.#errors++;
    this.emit('error', new RecordingWriteError(step, path, cause));
  }

  #release(c: Chunk): void {
    if (c.buf.length !== CHUNK_BYTES) return;
    c.len = 0;
    c.carried = 0;
    c.carriedWritten = false;
    c.recordsStart = 0;
    c.records = 0;
    c.messages = 0;
    this.#pool.push(c);
  }
}

/** Writes `views` at `position` (null: at the stream's current position), in order (one writev; the rest after a short write). */
async function writeAll(fh: FileHandle, views: readonly Uint8Array[], position: number | null): Promise<void> {
  let done = (await fh.writev(views as Uint8Array[], position ?? undefined)).bytesWritten;
  let skip = done;
  for (const v of views) {
    if (skip >= v.length) {
      skip -= v.length;
      continue;
    }
    for (let off = skip; off < v.length; ) {
      const n = (await fh.write(v, off, v.length - off, position === null ? null : position + done)).bytesWritten;
      off += n;
      done += n;
    }
    skip = 0;
  }
}
