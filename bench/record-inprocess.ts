/**
 * The recording's cost per message on the receiving thread, in-process and
 * without the network: a client-shaped emitter hands real BidOfferV3
 * payloads (the client benches' stream, interned topics as the client's
 * fast path hands them) to the BidOfferAdapter pushing into a ring that is
 * drained every 1,024 messages, with
 *
 *   none    no recording (the adapter listens to the emitter),
 *   js      the recording tap + writer framing every record in JS (batch CRC),
 *   native  the tap + writer with the addon's push framing the records,
 *   buffered  as native, the file written through the page cache (no O_DIRECT),
 *
 * alternating in one process (`--runs` rounds), to `--sink` (/dev/null by
 * default, or a file in a temp dir). Reports process CPU ns per message
 * (user + system of every thread: the writer's I/O runs on libuv's pool)
 * and wall ns per message (the loop is
 * CPU-bound: the receiving thread's time), medians; the recording's cost
 * is each variant minus `none` in the same round.
 *
 * The emitter leaves each message's topic tag in the cell as the client's
 * PUBLISH fast path does (src/transport/topic-tag.ts); `--tags off` leaves
 * it at 0, as for messages MQTT.js delivers (the writer then looks the
 * topic up by its string).
 *
 *   npx tsx bench/record-inprocess.ts [--messages 300000] [--runs 11] [--sink null|file] [--variants none,js,native] [--tags on|off]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BidOfferAdapter } from '../src/adapter/adapter.js';
import { Dispatcher } from '../src/dispatcher/index.js';
import { nativeFrameTarget } from '../src/record/native-frame.js';
import { RecordingTap } from '../src/record/recording-tap.js';
import { RecordingWriter } from '../src/record/writer.js';
import type { SettradeClient, SettradeClientEvents } from '../src/transport/client.js';
import { deliveredTopicTag, topicTag } from '../src/transport/topic-tag.js';
import { TypedEmitter } from '../src/transport/typed-emitter.js';
import { silentLogger } from '../src/util/logger.js';
import { arg } from './lib/args.js';
import { BENCH_SYMBOLS, benchMessages } from './lib/book-stream.js';
import { median } from './lib/stats.js';

const MESSAGES = Number(arg('messages', '300000'));
const RUNS = Number(arg('runs', '11'));
const SINK = arg('sink', 'null');
type Variant = 'none' | 'js' | 'native' | 'buffered';
const VARIANTS = arg('variants', 'none,js,native').split(',') as Variant[];
const TAGS = arg('tags', 'on') !== 'off';

/** The part of a SettradeClient the tap and the adapter use, emitting what the test hands it. */
class ClientShape extends TypedEmitter<SettradeClientEvents> {
  readonly subscriptions: string[] = [];
  readonly reconnectEpoch = 1;
  subscribe(topic: string): void {
    if (!this.subscriptions.includes(topic)) this.subscriptions.push(topic);
  }
  unsubscribe(topic: string): void {
    const i = this.subscriptions.indexOf(topic);
    if (i >= 0) this.subscriptions.splice(i, 1);
  }
  deliver(topic: string, payload: Uint8Array, tag: number): void {
    deliveredTopicTag[0] = tag;
    this.emit('message', topic, payload, 1);
  }
}

const stream = benchMessages();
// Interned, as the client's topic routes hand them.
const topics = stream.map((m) => m.topic);
const payloads = stream.map((m) => Uint8Array.from(m.payload));
const tags = topics.map((t) => (TAGS ? topicTag(t) : 0));

async function run(variant: Variant, dir: string): Promise<{ cpuNs: number; wallNs: number }> {
  const client = new ClientShape();
  const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 4096, logger: silentLogger });
  let tap: RecordingTap | undefined;
  let source: ClientShape | RecordingTap = client;
  let path: string | undefined;
  if (variant !== 'none') {
    path = SINK === 'file' ? join(dir, `${variant}-${Date.now()}.stfrec`) : '/dev/null';
    const writer = new RecordingWriter({
      path,
      fsync: 'never',
      ...(variant === 'js' ? { nativeFraming: false } : {}),
      ...(variant === 'buffered' ? { directIo: false } : {}),
    });
    // The bench's emitter has the client's shape where the tap looks.
    tap = new RecordingTap({ client: client as unknown as SettradeClient, writer });
    source = tap;
  }
  const adapter = new BidOfferAdapter({ client: source, fullDepth: true, dispatcher: d, logger: silentLogger });
  for (const s of BENCH_SYMBOLS) adapter.subscribe(s);
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const k = i % stream.length;
    client.deliver(topics[k]!, payloads[k]!, tags[k]!);
    if ((i & 1023) === 1023) {
      d.drain((v) => (sink += v.bidFlag), 4096);
      await new Promise((r) => setImmediate(r));
    }
  }
  if (tap !== undefined) await tap.close();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  adapter.close();
  // Each run's file goes once measured (a run writes ~90 MB).
  if (SINK === 'file' && path !== undefined) rmSync(path, { force: true });
  if (sink < 0) console.log(sink);
  return { cpuNs: ((cpu.user + cpu.system) * 1000) / MESSAGES, wallNs: ((t1 - t0) * 1e6) / MESSAGES };
}

async function main(): Promise<void> {
  if ((VARIANTS.includes('native') || VARIANTS.includes('buffered')) && nativeFrameTarget === undefined) throw new Error('variant native needs the addon (SETTRADE_FEED_BACKEND is js, or the addon predates bindRecordCell)');
  const dir = mkdtempSync(join(tmpdir(), 'stf-recbench-'));
  const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const wall = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const extra = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const extraWall = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  try {
    for (const v of VARIANTS) await run(v, dir); // warm-up
    for (let r = 0; r < RUNS; r++) {
      const round = new Map<Variant, number>();
      const roundWall = new Map<Variant, number>();
      // Rotate the order each round so no variant always runs right after another.
      for (let j = 0; j < VARIANTS.length; j++) {
        const v = VARIANTS[(r + j) % VARIANTS.length]!;
        const res = await run(v, dir);
        cpu.get(v)!.push(res.cpuNs);
        wall.get(v)!.push(res.wallNs);
        round.set(v, res.cpuNs);
        roundWall.set(v, res.wallNs);
      }
      if (round.has('none')) {
        for (const v of VARIANTS) {
          extra.get(v)!.push(round.get(v)! - round.get('none')!);
          extraWall.get(v)!.push(roundWall.get(v)! - roundWall.get('none')!);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${MESSAGES.toLocaleString()} FullBidOffer payloads per run, ${RUNS} rounds, sink ${SINK}, topic tags ${TAGS ? 'on' : 'off'}; medians`);
  for (const v of VARIANTS) {
    const ex = extra.get(v)!;
    console.log(
      `${v.padEnd(7)} CPU ${median(cpu.get(v)!).toFixed(0)} ns/msg, wall ${median(wall.get(v)!).toFixed(0)} ns/msg` +
        (ex.length > 0 && v !== 'none'
          ? `; recording +${median(ex).toFixed(0)} ns/msg CPU, +${median(extraWall.get(v)!).toFixed(0)} ns/msg wall (paired with none)`
          : ''),
    );
  }
}

await main();
