/**
 * Replay benchmark: `replayFeed` at speed 'max' in msg/s (file -> reader ->
 * CRC -> adapter -> decoder -> ring -> a consumer draining it on the same
 * thread), beside the in-memory pipeline in the same run (the same payloads,
 * already in memory, decoded into a ring by `Dispatcher.pushPayload` with
 * the same stamps, drained every 1024), and the reader alone (file -> records,
 * CRCs checked, nothing decoded) to show where the time goes. Runs alternate
 * (reader, pipeline, replay, reader, ...) and medians are reported, for both
 * event kinds.
 *
 *   npx tsx bench/replay.ts [--messages 200000] [--symbols 50] [--repeats 5] [--json out.json]
 *
 * The recording is generated with real BidOfferV3 payloads (the simulator's
 * market generator and encoder), 2,000 distinct books cycled.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Dispatcher } from '../src/dispatcher/index.js';
import { countUntilClosed } from '../src/dispatcher/drain-until-closed.js';
import type { EventKind } from '../src/events/slot-layout.js';
import { backend } from '../src/native.js';
import { topicOf } from '../src/protocol/symbol.js';
import { encodeFileHeader, encodeRecord, RECORD_BODY_HEADER_BYTES, RECORD_PREFIX_BYTES, RecordType } from '../src/record/format.js';
import { RecordingReader } from '../src/record/reader.js';
import { replayFeed } from '../src/record/replay.js';
import { MarketGenerator } from '../src/sim/market-generator.js';
import { encodeBook } from '../src/sim/proto-encoder.js';
import { DEFAULT_UNIVERSE } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { argValue, median, summarize, writeJson } from './lib/stats.js';

const MESSAGES = Number(argValue('messages') ?? 200_000);
const SYMBOLS = Number(argValue('symbols') ?? 50);
const REPEATS = Number(argValue('repeats') ?? 5);
const RING = 65_536;
const DISTINCT = 2000;

interface Corpus {
  readonly path: string;
  readonly payloads: Uint8Array[];
  readonly bytes: number;
  readonly cleanup: () => void;
}

/** A recording of MESSAGES messages over SYMBOLS symbols, 100 us apart. */
function buildCorpus(): Corpus {
  const symbols = [...DEFAULT_UNIVERSE].slice(0, SYMBOLS);
  while (symbols.length < SYMBOLS) symbols.push(`S${symbols.length}`);
  const gen = new MarketGenerator(7);
  const distinct = Array.from({ length: DISTINCT }, (_, i) => {
    const symbol = symbols[i % symbols.length]!;
    return { symbol, payload: encodeBook(symbol, gen.book(symbol).next('NORMAL')) };
  });
  const payloads: Uint8Array[] = [];
  const maxRecord = RECORD_PREFIX_BYTES + RECORD_BODY_HEADER_BYTES + Math.max(...distinct.map((d) => d.payload.length));
  const out = Buffer.allocUnsafe(4096 + symbols.length * 64 + MESSAGES * maxRecord);
  const header = encodeFileHeader({ schema: 'settrade.BidOfferV3', startWallNs: '0', symbols, fullDepth: true, fileIndex: 0, writer: 'bench' });
  out.set(header, 0);
  let at = header.length;
  const ids = new Map<string, number>();
  const wall0 = 1_764_547_200_000_000_000n;
  for (let i = 0; i < MESSAGES; i++) {
    const { symbol, payload } = distinct[i % DISTINCT]!;
    const t = BigInt(i) * 100_000n;
    let id = ids.get(symbol);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(symbol, id);
      at = encodeRecord(out, at, { type: RecordType.TOPIC, topicId: id, epoch: 0 }, wall0 + t, t, Buffer.from(topicOf(symbol)));
    }
    at = encodeRecord(out, at, { type: RecordType.MESSAGE, topicId: id, epoch: 0 }, wall0 + t, t, payload);
    payloads.push(payload);
  }
  const dir = mkdtempSync(join(tmpdir(), 'stfd-bench-replay-'));
  const path = join(dir, 'bench.stfd');
  writeFileSync(path, out.subarray(0, at));
  return { path, payloads, bytes: at, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** replayFeed at max, a consumer draining the ring on the same thread: msg/s. */
async function replayRun(path: string, kind: EventKind): Promise<number> {
  const t0 = process.hrtime.bigint();
  const feed = await replayFeed({ files: [path], speed: 'max', fullDepth: kind === 'fullBidOffer', maxSize: RING, logger: silentLogger });
  const n = await countUntilClosed(feed.dispatcher);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (n !== MESSAGES) throw new Error(`replay delivered ${n} of ${MESSAGES}`);
  return MESSAGES / s;
}

/** The same payloads from memory: pushPayload (decode + ring) with the same stamps, drained every 1024. */
function pipelineRun(payloads: readonly Uint8Array[], kind: EventKind): number {
  const ring = new Dispatcher({ kind, maxSize: RING, logger: silentLogger });
  const meta = { recvTs: 1_764_547_200_000_000_000n, recvMonoNs: 1n, connectionEpoch: 0 };
  let n = 0;
  const count = (): void => {
    n++;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < payloads.length; i++) {
    meta.recvMonoNs = BigInt(i);
    ring.pushPayload(payloads[i]!, meta);
    if ((i & 1023) === 1023) ring.drain(count);
  }
  ring.drain(count);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (n !== payloads.length) throw new Error(`pipeline delivered ${n} of ${payloads.length}`);
  return payloads.length / s;
}

/** The reader alone: records out of the file, CRCs checked, nothing decoded. */
async function readerRun(path: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = new RecordingReader([path], { logger: silentLogger });
  let n = 0;
  try {
    do {
      while (r.next()) if (r.current.type === RecordType.MESSAGE) n++;
    } while (await r.fill());
  } finally {
    await r.close();
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (n !== MESSAGES) throw new Error(`reader read ${n} of ${MESSAGES}`);
  return MESSAGES / s;
}

async function main(): Promise<void> {
  const corpus = buildCorpus();
  const result: Record<string, unknown> = {
    backend,
    messages: MESSAGES,
    symbols: SYMBOLS,
    fileBytes: corpus.bytes,
    bytesPerMessage: Math.round(corpus.bytes / MESSAGES),
    repeats: REPEATS,
    cpus: cpus().length,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  try {
    for (const kind of ['bestBidAsk', 'fullBidOffer'] as const) {
      // Warm-up: one of each, untimed.
      await readerRun(corpus.path);
      pipelineRun(corpus.payloads, kind);
      await replayRun(corpus.path, kind);
      const reader: number[] = [];
      const pipeline: number[] = [];
      const replay: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        reader.push(await readerRun(corpus.path));
        pipeline.push(pipelineRun(corpus.payloads, kind));
        replay.push(await replayRun(corpus.path, kind));
      }
      const p = summarize(pipeline);
      const rp = summarize(replay);
      result[kind] = {
        readerMsgPerSec: summarize(reader),
        pipelineMsgPerSec: p,
        replayMsgPerSec: rp,
        replayOverPipeline: Math.round((rp.median / p.median) * 1000) / 1000,
        // Each replay run over the pipeline run just before it (the same minute's load): their median.
        replayOverPipelinePaired: Math.round(median(replay.map((x, i) => x / pipeline[i]!)) * 1000) / 1000,
      };
      process.stderr.write(`${kind}: replay ${Math.round(rp.median)} msg/s, in-memory pipeline ${Math.round(p.median)} msg/s (replay/pipeline ${(rp.median / p.median).toFixed(2)}), reader alone ${Math.round(summarize(reader).median)} msg/s\n`);
    }
  } finally {
    corpus.cleanup();
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const out = argValue('json');
  if (out !== undefined) writeJson(out, result);
}

await main();
