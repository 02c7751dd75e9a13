/**
 * Builds recording files for the replay tests from the format's own
 * encoders (src/record/format.ts) and real BidOfferV3 payloads (the
 * simulator's protobufjs encoder), and knows where each record starts so a
 * test can damage one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeFileHeader,
  encodeRecord,
  RECORD_BODY_HEADER_BYTES,
  RECORD_PREFIX_BYTES,
  RecordType,
  type FeedEventRecord,
  type RecordingHeader,
} from '../../src/record/format.js';
import { encodeBook, WireFlag } from '../../src/sim/proto-encoder.js';
import { topicOf } from '../../src/protocol/symbol.js';

/** One record to write: a message of `symbol` (or of a raw `topic`), or a feed event. */
export type TestRecord =
  | { readonly symbol: string; readonly payload: Uint8Array; readonly epoch: number; readonly wallNs: bigint; readonly monoNs: bigint; readonly topic?: string }
  | { readonly event: FeedEventRecord; readonly epoch: number; readonly wallNs: bigint; readonly monoNs: bigint };

/** A recording's bytes and, for each given record, the offset of its prefix (TOPIC records are extra). */
export interface BuiltRecording {
  readonly bytes: Uint8Array;
  readonly offsets: readonly number[];
}

/** Encodes a file: header, then each record (a TOPIC record before the first message of each topic). */
export function buildRecording(records: readonly TestRecord[], header: Partial<RecordingHeader> = {}): BuiltRecording {
  const symbols = [...new Set(records.flatMap((r) => ('symbol' in r ? [r.symbol] : [])))];
  const head = encodeFileHeader({
    schema: 'settrade.BidOfferV3',
    startWallNs: String(records[0]?.wallNs ?? 0n),
    symbols,
    fullDepth: true,
    fileIndex: 0,
    writer: 'settrade-feed/test',
    ...header,
  });
  const parts: Uint8Array[] = [head];
  let size = head.length;
  const offsets: number[] = [];
  const topicIds = new Map<string, number>();
  const put = (type: RecordType, topicId: number, epoch: number, wallNs: bigint, monoNs: bigint, data: Uint8Array): number => {
    const out = new Uint8Array(RECORD_PREFIX_BYTES + RECORD_BODY_HEADER_BYTES + data.length);
    encodeRecord(out, 0, { type, topicId, epoch }, wallNs, monoNs, data);
    parts.push(out);
    const at = size;
    size += out.length;
    return at;
  };
  for (const r of records) {
    if ('event' in r) {
      offsets.push(put(RecordType.FEED_EVENT, 0, r.epoch, r.wallNs, r.monoNs, Buffer.from(JSON.stringify(r.event))));
      continue;
    }
    const topic = r.topic ?? topicOf(r.symbol);
    let id = topicIds.get(topic);
    if (id === undefined) {
      id = topicIds.size + 1;
      topicIds.set(topic, id);
      put(RecordType.TOPIC, id, r.epoch, r.wallNs, r.monoNs, Buffer.from(topic, 'utf8'));
    }
    offsets.push(put(RecordType.MESSAGE, id, r.epoch, r.wallNs, r.monoNs, r.payload));
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/** A real BidOfferV3 payload for `symbol`, different for every `i` (prices, volumes, flags). */
export function bookPayload(symbol: string, i: number): Uint8Array {
  const bid = 1000 + (i % 50) * 25;
  const book = {
    bidPrices: Int32Array.from({ length: 10 }, (_, k) => bid - k * 25),
    askPrices: Int32Array.from({ length: 10 }, (_, k) => bid + 25 + k * 25),
    bidVolumes: Float64Array.from({ length: 10 }, (_, k) => (i + k + 1) * 100),
    askVolumes: Float64Array.from({ length: 10 }, (_, k) => (i * 2 + k + 1) * 100),
    bidFlag: i % 7 === 3 ? WireFlag.ATO : WireFlag.NORMAL,
    askFlag: i % 11 === 5 ? WireFlag.ATC : WireFlag.NORMAL,
  };
  return encodeBook(symbol, book);
}

/** Base of the recorded clocks in the test recordings. */
export const WALL0 = 1_764_547_200_000_000_000n; // 2025-12-01T00:00:00Z in ns
export const MONO0 = 5_000_000_000n;

/** `n` messages cycling over `symbols`, `stepNs` apart, epoch 0. */
export function simpleRecords(symbols: readonly string[], n: number, stepNs = 1_000_000n): TestRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const symbol = symbols[i % symbols.length]!;
    return { symbol, payload: bookPayload(symbol, i), epoch: 0, wallNs: WALL0 + BigInt(i) * stepNs, monoNs: MONO0 + BigInt(i) * stepNs };
  });
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name: string, bytes: Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stfd-replay-'));
  return {
    dir,
    file: (name, bytes) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
