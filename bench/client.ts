/**
 * Client-side throughput on identical frames from a loopback replay server
 * (bench/replay-server.ts, in its own worker thread):
 *
 *   raw       MQTT.js receive, count only (the ceiling)
 *   protobufjs MQTT.js + protobufjs decode + normalize to a frozen event object,
 *             queued in an array and drained by a consumer (what a typical user writes)
 *   client    SettradeClient alone, count only (transport overhead)
 *   ours      SettradeClient + BidOfferAdapter + Dispatcher (pushPayload) + a consumer draining
 *   ours-worker  the same through createFeed({ worker: true }): client+adapter in a worker,
 *             consumer on the main thread
 *
 * and, with --live, the rate of the simulator's burst mode through our full
 * pipeline (drops counted).
 *
 *   npx tsx bench/client.ts [--total 300000] [--runs 5] [--kind full|best] [--modes raw,protobufjs,ours,ours-worker]
 *                           [--live] [--live-rate 100000] [--json out.json]
 */
import { connect, type MqttClient } from 'mqtt';
import { writeFileSync } from 'node:fs';
import { bidOfferType } from '../src/sim/proto-encoder.js';
import { silentLogger } from '../src/util/logger.js';
import { startReplayServerWorker } from './replay-server.js';
import { arg } from './lib/args.js';
import { BENCH_SYMBOLS, benchMessages } from './lib/book-stream.js';

type Mode = 'raw' | 'protobufjs' | 'client' | 'ours' | 'ours-worker';

const TOTAL = Number(arg('total', '300000'));
const RUNS = Number(arg('runs', '5'));
const KIND = arg('kind', 'full') === 'best' ? 'best' : 'full';
const MODES = arg('modes', 'raw,protobufjs,ours,ours-worker').split(',') as Mode[];
const SYMBOLS = BENCH_SYMBOLS;
const TOPICS = SYMBOLS.map((s) => `proto/topic/bidofferv3/${s}`);


function connectMqtt(port: number): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 4, clean: true, keepalive: 30 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

interface RunResult {
  rate: number;
  ms: number;
  drops: number;
  parseErrors: number;
}

async function runRaw(port: number): Promise<RunResult> {
  const c = await connectMqtt(port);
  let n = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) =>
    c.on('message', () => {
      if (n++ === 0) t0 = performance.now();
      if (n === TOTAL) resolve(performance.now());
    }),
  );
  c.subscribe(TOPICS);
  const t1 = await done;
  await c.endAsync(true);
  return { rate: TOTAL / ((t1 - t0) / 1000), ms: t1 - t0, drops: 0, parseErrors: 0 };
}

/** What a typical user writes: decode with protobufjs, normalize to a frozen event, queue, consume. */
async function runProtobufjs(port: number): Promise<RunResult> {
  const T = bidOfferType();
  const c = await connectMqtt(port);
  const queue: object[] = [];
  let consumed = 0;
  let n = 0;
  let t0 = 0;
  let sink = 0;
  const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : (v as { toNumber(): number }).toNumber());
  const px = (m: { units?: unknown; nanos?: number } | null | undefined): number => (m ? num(m.units) + (m.nanos ?? 0) * 1e-9 : 0);
  const BP = Array.from({ length: 10 }, (_, i) => `bidPrice${i + 1}`);
  const AP = Array.from({ length: 10 }, (_, i) => `askPrice${i + 1}`);
  const BV = Array.from({ length: 10 }, (_, i) => `bidVolume${i + 1}`);
  const AV = Array.from({ length: 10 }, (_, i) => `askVolume${i + 1}`);
  let finish: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));
  const consume = (): void => {
    for (const e of queue) sink += (e as { bidFlag: number }).bidFlag;
    consumed += queue.length;
    queue.length = 0;
    if (consumed === TOTAL) finish(performance.now());
  };
  c.on('message', (_topic, payload) => {
    if (n++ === 0) t0 = performance.now();
    const m = T.decode(payload) as unknown as Record<string, { units?: unknown; nanos?: number } | number | string>;
    const recvTs = BigInt(Date.now()) * 1_000_000n;
    const recvMonoNs = process.hrtime.bigint();
    let ev: object;
    if (KIND === 'full') {
      const bp: number[] = [];
      const ap: number[] = [];
      const bv: number[] = [];
      const av: number[] = [];
      for (let i = 0; i < 10; i++) {
        bp.push(px(m[BP[i] as string] as never));
        ap.push(px(m[AP[i] as string] as never));
        bv.push(num(m[BV[i] as string]));
        av.push(num(m[AV[i] as string]));
      }
      ev = Object.freeze({ symbol: m.symbol, bidPrices: bp, askPrices: ap, bidVolumes: bv, askVolumes: av, bidFlag: m.bidFlag ?? 0, askFlag: m.askFlag ?? 0, recvTs, recvMonoNs, connectionEpoch: 0 });
    } else {
      ev = Object.freeze({ symbol: m.symbol, bid: px(m.bidPrice1 as never), ask: px(m.askPrice1 as never), bidVol: num(m.bidVolume1), askVol: num(m.askVolume1), bidFlag: m.bidFlag ?? 0, askFlag: m.askFlag ?? 0, recvTs, recvMonoNs, connectionEpoch: 0 });
    }
    queue.push(ev);
    if (queue.length >= 1024 || n === TOTAL) consume();
  });
  c.subscribe(TOPICS);
  const t1 = await done;
  await c.endAsync(true);
  if (sink < 0) console.log(sink);
  return { rate: TOTAL / ((t1 - t0) / 1000), ms: t1 - t0, drops: 0, parseErrors: 0 };
}

/**
 * Drains the ring with the zero-allocation view until `expected()` events were
 * polled or dropped. `sleep`: wait on the ring (Atomics.waitAsync) when it is
 * empty instead of yielding with setImmediate — needed when the producer is a
 * worker, so that an idle consumer does not steal its core.
 */
function consumeUntil(
  d: {
    drain(fn: (v: { bidFlag: number }) => void, max: number): number;
    stats(): { totalPolled: number; totalDropped: number };
    waitForEvents(timeoutMs?: number): Promise<boolean>;
  },
  expected: () => number,
  sleep: boolean,
): Promise<number> {
  let sink = 0;
  return new Promise((resolve) => {
    const loop = async (): Promise<void> => {
      for (;;) {
        while (d.drain((v) => (sink += v.bidFlag), 4096) > 0) {
          /* keep draining */
        }
        const s = d.stats();
        if (s.totalPolled + s.totalDropped >= expected()) {
          resolve(performance.now() + (sink < 0 ? 1 : 0));
          return;
        }
        if (sleep) await d.waitForEvents(100);
        else await new Promise((r) => setImmediate(r));
      }
    };
    void loop();
  });
}

/** Our transport alone (SettradeClient, count only): its overhead over raw MQTT.js. */
async function runClient(port: number): Promise<RunResult> {
  const { SettradeClient } = await import('../src/transport/client.js');
  const client = new SettradeClient({ endpoint: `mqtt://127.0.0.1:${port}`, logger: silentLogger });
  let n = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) =>
    client.on('message', () => {
      if (n++ === 0) t0 = performance.now();
      if (n === TOTAL) resolve(performance.now());
    }),
  );
  await client.connect();
  for (const t of TOPICS) client.subscribe(t);
  const t1 = await done;
  await client.shutdown();
  return { rate: TOTAL / ((t1 - t0) / 1000), ms: t1 - t0, drops: 0, parseErrors: 0 };
}

async function runOurs(port: number): Promise<RunResult> {
  const { SettradeClient } = await import('../src/transport/client.js');
  const { BidOfferAdapter } = await import('../src/adapter/adapter.js');
  const { Dispatcher } = await import('../src/dispatcher/index.js');
  const d = new Dispatcher({ kind: KIND === 'full' ? 'fullBidOffer' : 'bestBidAsk', maxSize: 65_536, logger: silentLogger });
  const client = new SettradeClient({ endpoint: `mqtt://127.0.0.1:${port}`, logger: silentLogger });
  const adapter = new BidOfferAdapter({ client, fullDepth: KIND === 'full', dispatcher: d, logger: silentLogger });
  let t0 = 0;
  client.on('message', () => {
    if (t0 === 0) t0 = performance.now();
  });
  await client.connect();
  for (const s of SYMBOLS) adapter.subscribe(s);
  const t1 = await consumeUntil(d, () => TOTAL - adapter.stats().parseErrors, false);
  const st = adapter.stats();
  const ds = d.stats();
  await client.shutdown();
  return { rate: TOTAL / ((t1 - t0) / 1000), ms: t1 - t0, drops: ds.totalDropped, parseErrors: st.parseErrors };
}

async function runOursWorker(port: number): Promise<RunResult> {
  const { createFeed } = await import('../src/feed/feed.js');
  // Symbols given up front: the replay server streams after the first SUBACK (the error topic's, on
  // connect), and a symbol subscribed later would miss those messages and the run would never end.
  const feed = await createFeed({ endpoint: `mqtt://127.0.0.1:${port}`, symbols: SYMBOLS, fullDepth: KIND === 'full', maxSize: 65_536, worker: true, logger: silentLogger });
  const d = feed.dispatcher;
  // The first event marks the start (the worker's first message is not observable from here).
  const t0p = new Promise<number>((resolve) => {
    const wait = (): void => (d.stats().totalPushed > 0 ? resolve(performance.now()) : void setImmediate(wait));
    wait();
  });
  const t0 = await t0p;
  const t1 = await consumeUntil(d, () => TOTAL, true);
  const ds = d.stats();
  await feed.shutdown();
  return { rate: TOTAL / ((t1 - t0) / 1000), ms: t1 - t0, drops: ds.totalDropped, parseErrors: 0 };
}

const runners: Record<Mode, (port: number) => Promise<RunResult>> = {
  raw: runRaw,
  protobufjs: runProtobufjs,
  client: runClient,
  ours: runOurs,
  'ours-worker': runOursWorker,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
function cv(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) / m;
}

async function live(): Promise<Record<string, unknown>> {
  const { Simulator } = await import('../src/sim/index.js');
  const { SettradeClient } = await import('../src/transport/client.js');
  const { BidOfferAdapter } = await import('../src/adapter/adapter.js');
  const { Dispatcher } = await import('../src/dispatcher/index.js');
  const rate = Number(arg('live-rate', '100000'));
  const durationMs = Number(arg('live-ms', '3000'));
  const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 1 });
  const { baseUrl, credentials } = await sim.start();
  // --live-worker: client + adapter in a worker, so the simulator keeps the main thread to itself.
  const inWorker = process.argv.includes('--live-worker');
  const { createFeed } = await import('../src/feed/feed.js');
  let d: InstanceType<typeof Dispatcher>;
  let parsed: () => Promise<number>;
  let stop: () => Promise<void>;
  if (inWorker) {
    const feed = await createFeed({ ...credentials, baseUrl, symbols: SYMBOLS, fullDepth: KIND === 'full', maxSize: 1 << 20, worker: true, logger: silentLogger });
    d = feed.dispatcher;
    parsed = async () => (await feed.stats()).adapter.messagesParsed;
    stop = () => feed.shutdown();
  } else {
    d = new Dispatcher({ kind: KIND === 'full' ? 'fullBidOffer' : 'bestBidAsk', maxSize: 1 << 20, logger: silentLogger });
    const client = new SettradeClient({ ...credentials, baseUrl, logger: silentLogger });
    const adapter = new BidOfferAdapter({ client, fullDepth: KIND === 'full', dispatcher: d, logger: silentLogger });
    for (const s of SYMBOLS) adapter.subscribe(s);
    await client.connect();
    parsed = () => Promise.resolve(adapter.stats().messagesParsed);
    stop = () => client.shutdown();
  }
  await new Promise((r) => setTimeout(r, 300));
  const before = sim.stats().totalPublished;
  const parsedBefore = await parsed();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = new Promise((r) => sim.once('burstEnd', r));
  sim.burst(rate, durationMs);
  let sink = 0;
  const drainLoop = setInterval(() => {
    while (d.drain((v) => (sink += v.bidFlag), 4096) > 0) {
      /* drain */
    }
  }, 1);
  await end;
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(drainLoop);
  while (d.drain((v) => (sink += v.bidFlag), 4096) > 0) {
    /* drain */
  }
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const published = sim.stats().totalPublished - before;
  const received = (await parsed()) - parsedBefore;
  const burst = sim.stats().burst;
  await stop();
  await sim.stop();
  return {
    clientInWorker: inWorker,
    requestedRate: rate,
    achievedPublishRate: burst?.achievedRate,
    published,
    received,
    lost: published - received,
    ringDrops: d.stats().totalDropped,
    elapsedMs: Math.round(elapsed),
    processCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 100),
    sink: sink < 0 ? sink : undefined,
  };
}

async function main(): Promise<void> {
  const msgs = benchMessages();
  const avgBytes = msgs.reduce((a, m) => a + m.payload.length, 0) / msgs.length;
  const results: Record<string, unknown> = { total: TOTAL, runs: RUNS, kind: KIND, avgPayloadBytes: Math.round(avgBytes), modes: {} };
  const server = await startReplayServerWorker({ messages: msgs, total: TOTAL, framesPerWrite: 2560 });
  try {
    for (const mode of MODES) {
      await runners[mode](server.port); // warm-up
      const rs: RunResult[] = [];
      for (let i = 0; i < RUNS; i++) rs.push(await runners[mode](server.port));
      const rates = rs.map((r) => r.rate);
      (results.modes as Record<string, unknown>)[mode] = {
        medianRate: Math.round(median(rates)),
        rates: rates.map(Math.round),
        cv: Number(cv(rates).toFixed(3)),
        unstable: cv(rates) > 0.15,
        drops: rs.map((r) => r.drops),
      };
      console.log(`${mode.padEnd(12)} median ${Math.round(median(rates)).toLocaleString()} msg/s  (cv ${(cv(rates) * 100).toFixed(1)}%, drops ${rs.map((r) => r.drops).join('/')})`);
    }
  } finally {
    await server.close();
  }
  const m = results.modes as Record<string, { medianRate: number }>;
  if (m.raw && m.ours) console.log(`ours / raw        = ${(m.ours.medianRate / m.raw.medianRate * 100).toFixed(1)}%  (target >= 85%)`);
  if (m.protobufjs && m.ours) console.log(`ours / protobufjs = ${(m.ours.medianRate / m.protobufjs.medianRate).toFixed(2)}x (target >= 2x)`);
  if (m.raw && m['ours-worker']) console.log(`ours-worker / raw = ${(m['ours-worker'].medianRate / m.raw.medianRate * 100).toFixed(1)}%`);
  if (process.argv.includes('--live')) {
    results.live = await live();
    console.log('live burst:', results.live);
  }
  const out = arg('json', '');
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
}

await main();
