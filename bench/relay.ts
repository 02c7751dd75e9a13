/**
 * Relay benchmark: the simulator through the relay and NATS JetStream to 1
 * and to 4 consumer processes, beside a direct createFeed on the same
 * simulator in the same run; and the relay -> JetStream leg alone, from a
 * synthetic source of pre-encoded payloads (is 100k msg/s into JetStream reachable?).
 *
 * Processes: nats-server; the simulator (child); the relay (this process:
 * its CPU is the relay's alone); the direct feed (child, createFeed worker
 * mode); consumers (children, connectRelayFeed). Latency relay -> consumer is
 * the consumer's wall clock at decode minus the relay's Settrade-Recv-Ts
 * (same host, same clock).
 *
 *   npx tsx bench/relay.ts [--rate 20000] [--ms 3000] [--synthetic 200000] [--window 1024,4096] [--synthetic-only] [--json out.json]
 *
 * Needs nats-server (apt-get install nats-server) on PATH.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createFeed } from '../src/feed/index.js';
import { wallClockNs } from '../src/codec/clock.js';
import { connectRelayFeed, createRelay } from '../src/relay/index.js';
import { JetStreamPublisher } from '../src/relay/publisher.js';
import { ensureStream } from '../src/relay/stream.js';
import { MarketGenerator } from '../src/sim/market-generator.js';
import { encodeBook } from '../src/sim/proto-encoder.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { argValue, percentile, round } from './lib/stats.js';

const SYMBOLS = ['AOT', 'PTT', 'CPALL', 'ADVANC', 'KBANK', 'SCB', 'BBL', 'DELTA', 'GULF', 'BDMS'];
const self = fileURLToPath(import.meta.url);
const tsx = import.meta.resolve('tsx');
const role = argValue('role');

type Report = { count: number; cpuUs: number; p50Us?: number; p99Us?: number };

const out = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

/** A child role: counts events, answers `reset` / `report` on stdin. */
async function childRole(): Promise<void> {
  const cfg = JSON.parse(argValue('cfg')!) as Record<string, unknown>;
  if (role === 'sim') {
    const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 1, seed: 3 });
    const info = await sim.start();
    sim.on('burstEnd', (s) => out({ t: 'burst', delivered: s.delivered, shed: s.shed, rate: Math.round(s.achievedRate) }));
    out({ t: 'ready', ...info });
    for await (const line of createInterface({ input: process.stdin })) {
      const [cmd, a, b] = line.split(' ');
      if (cmd === 'burst') sim.burst(Number(a), Number(b));
      if (cmd === 'quit') break;
    }
    await sim.stop();
    process.exit(0);
  }
  const feed =
    role === 'direct'
      ? await createFeed({ ...(cfg.sim as object), symbols: SYMBOLS, fullDepth: false, worker: true, logger: silentLogger })
      : await connectRelayFeed({ servers: cfg.servers as string, symbols: SYMBOLS, fullDepth: false, from: 'new', logger: silentLogger });
  let count = 0;
  let lat: number[] = [];
  let cpu0 = process.cpuUsage();
  const measureLatency = role === 'consumer';
  let running = true;
  void (async () => {
    while (running) {
      const events = feed.dispatcher.poll(4096);
      if (events.length === 0) {
        await feed.dispatcher.waitForEvents(20);
        continue;
      }
      count += events.length;
      if (measureLatency) {
        const now = wallClockNs();
        for (const e of events) lat.push(Number(now - e.recvTs) / 1000);
      }
    }
  })();
  out({ t: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'reset') {
      count = 0;
      lat = [];
      cpu0 = process.cpuUsage();
    } else if (line === 'report') {
      const c = process.cpuUsage(cpu0);
      const r: Report = { count, cpuUs: c.user + c.system };
      if (measureLatency && lat.length > 0) {
        lat.sort((x, y) => x - y);
        r.p50Us = round(percentile(lat, 0.5));
        r.p99Us = round(percentile(lat, 0.99));
      }
      out({ t: 'report', ...r });
    } else if (line === 'quit') break;
  }
  running = false;
  await feed.shutdown();
  process.exit(0);
}

class Child {
  readonly #proc: ChildProcess;
  readonly #lines: ((m: Record<string, unknown>) => void)[] = [];
  readonly #waiting: { t: string; resolve: (m: Record<string, unknown>) => void }[] = [];

  constructor(r: string, cfg: object) {
    this.#proc = spawn(process.execPath, ['--import', tsx, self, '--role', r, '--cfg', JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.#proc.stdout! }).on('line', (l) => {
      const m = JSON.parse(l) as Record<string, unknown>;
      const i = this.#waiting.findIndex((w) => w.t === m.t);
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(m);
      for (const f of this.#lines) f(m);
    });
  }
  next(t: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.#waiting.push({ t, resolve }));
  }
  send(cmd: string): void {
    this.#proc.stdin!.write(cmd + '\n');
  }
  async ask(cmd: string, t: string): Promise<Record<string, unknown>> {
    const p = this.next(t);
    this.send(cmd);
    return p;
  }
  quit(): Promise<void> {
    return new Promise((resolve) => {
      this.#proc.once('exit', () => resolve());
      this.send('quit');
    });
  }
}

/** CPU time (us) a process has used so far, from /proc (Linux; 0 elsewhere). */
function procCpuUs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1_000_000) / 100;
  } catch {
    return 0;
  }
}

let natsPid: number | undefined;
let catchUp: object | undefined;
const windows = (argValue('window') ?? '1024,4096').split(',').map(Number);

async function startNats(): Promise<{ url: string; stop: () => void }> {
  const which = spawnSync('sh', ['-c', 'command -v nats-server']);
  const bin = which.stdout.toString().trim();
  if (!bin) throw new Error('nats-server not found: apt-get install nats-server');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
  const proc = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  natsPid = proc.pid;
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((res) => {
      const s = createConnection({ host: '127.0.0.1', port }).once('connect', () => (s.destroy(), res(true))).once('error', () => res(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `nats://127.0.0.1:${port}`, stop: () => (proc.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

const settle = async (read: () => number): Promise<void> => {
  let last = -1;
  while (read() !== last) {
    last = read();
    await new Promise((r) => setTimeout(r, 500));
  }
};

async function scenario(consumers: number, nats: string, sim: Child, relay: Awaited<ReturnType<typeof createRelay>>, direct: Child, rate: number, ms: number): Promise<object> {
  const cs = Array.from({ length: consumers }, () => new Child('consumer', { servers: nats }));
  await Promise.all(cs.map((c) => c.next('ready')));
  for (const c of [direct, ...cs]) c.send('reset');
  const r0 = relay.stats();
  const cpu0 = process.cpuUsage();
  const natsCpu0 = procCpuUs(natsPid);
  const t0 = performance.now();
  const burst = await sim.ask(`burst ${rate} ${ms}`, 'burst');
  await settle(() => relay.stats().acked);
  const cpu = process.cpuUsage(cpu0);
  const natsCpu = procCpuUs(natsPid) - natsCpu0;
  const r1 = relay.stats();
  const relayed = r1.received - r0.received;
  const acked = r1.acked - r0.acked;
  const reports = await Promise.all(cs.map((c) => c.ask('report', 'report')));
  const d = await direct.ask('report', 'report');
  await Promise.all(cs.map((c) => c.quit()));
  const secs = ms / 1000;
  const result = {
    consumers,
    simDeliveredPerSec: burst.rate,
    relay: { received: relayed, acked, failed: r1.failed - r0.failed, dropped: r1.dropped - r0.dropped, msgPerSec: Math.round(relayed / secs), cpuUsPerMsg: round((cpu.user + cpu.system) / Math.max(1, relayed)) },
    natsServerCpuUsPerMsg: round(natsCpu / Math.max(1, relayed)),
    consumersGot: reports.map((r) => r.count),
    consumerMsgPerSec: reports.map((r) => Math.round((r.count as number) / secs)),
    consumerCpuUsPerMsg: reports.map((r) => round((r.cpuUs as number) / Math.max(1, r.count as number))),
    latencyUs: reports.map((r) => ({ p50: r.p50Us, p99: r.p99Us })),
    direct: { received: d.count, msgPerSec: Math.round((d.count as number) / secs), cpuUsPerMsg: round((d.cpuUs as number) / Math.max(1, d.count as number)) },
    wallMs: Math.round(performance.now() - t0),
  };
  console.error(JSON.stringify(result));
  return result;
}

async function synthetic(url: string, total: number, window: number, storage: 'file' | 'memory'): Promise<object> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const name = `BENCH_SYN_${window}_${storage}`;
  // Same limits and subjects shape as the relay's stream, on its own subjects space via a separate stream name.
  await ensureStream(jsm, { name, maxAgeSec: 3600, maxMsgsPerSubject: 100_000, storage });
  const gen = new MarketGenerator(9);
  const payloads = SYMBOLS.flatMap((s) => Array.from({ length: 16 }, () => ({ s, p: encodeBook(s, gen.book(s).next('NORMAL')) })));
  const pub = new JetStreamPublisher(nc, { runId: 'bench', inFlightWindow: window, bufferSize: total, ackTimeoutMs: 30_000 });
  const seq = new Map<string, number>();
  const cpu0 = process.cpuUsage();
  const natsCpu0 = procCpuUs(natsPid);
  const t0 = performance.now();
  // A source that never waits: batches of 1000, yielding so acks are processed (as socket reads would).
  for (let i = 0; i < total; ) {
    for (const end = Math.min(total, i + 1000); i < end; i++) {
      const { s, p } = payloads[i % payloads.length]!;
      const q = (seq.get(s) ?? 0) + 1;
      seq.set(s, q);
      pub.enqueue({ subject: `settrade.bidofferv3.${s}`, symbol: s, seq: q, epoch: 0, recvTs: wallClockNs(), payload: p });
    }
    await new Promise((r) => setImmediate(r));
  }
  const enqueuedMs = performance.now() - t0;
  await pub.settled(120_000);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const natsCpu = procCpuUs(natsPid) - natsCpu0;
  const st = pub.stats();
  pub.close();
  if (storage === 'file' && window === Math.max(...windows)) {
    // The consumer side alone: one connectRelayFeed process reading the stored messages back.
    const c0 = process.cpuUsage();
    const r0 = performance.now();
    const feed = await connectRelayFeed({ servers: url, stream: name, symbols: SYMBOLS, fullDepth: false, from: { startTime: new Date(0) }, maxSize: total, logger: silentLogger });
    while (feed.dispatcher.stats().totalPushed < total) await new Promise((r) => setTimeout(r, 10));
    const readMs = performance.now() - r0;
    const rc = process.cpuUsage(c0);
    await feed.shutdown();
    catchUp = { total, msgPerSec: Math.round((total / readMs) * 1000), cpuUsPerMsg: round((rc.user + rc.system) / total) };
    console.error(JSON.stringify({ consumerCatchUp: catchUp }));
  }
  await jsm.streams.delete(name);
  await nc.close();
  const r = { storage, window, total, natsServerCpuUsPerMsg: round(natsCpu / total), acked: st.acked, failed: st.failed, dropped: st.dropped, msgPerSec: Math.round((st.acked / ms) * 1000), cpuUsPerMsg: round((cpu.user + cpu.system) / total), enqueueMs: Math.round(enqueuedMs), totalMs: Math.round(ms) };
  console.error(JSON.stringify(r));
  return r;
}

async function main(): Promise<void> {
  const rate = Number(argValue('rate') ?? '20000');
  const ms = Number(argValue('ms') ?? '3000');
  const syntheticTotal = Number(argValue('synthetic') ?? '200000');
  const nats = await startNats();
  const results: Record<string, unknown> = { date: new Date().toISOString(), rate, ms };
  try {
    const syn: object[] = [];
    for (const storage of ['file', 'memory'] as const) for (const w of windows) syn.push(await synthetic(nats.url, syntheticTotal, w, storage));
    results.synthetic = syn;
    results.consumerCatchUp = catchUp;
    if (process.argv.includes('--synthetic-only')) return;

    const sim = new Child('sim', {});
    const info = await sim.next('ready');
    const simOpts = { ...(info.credentials as object), baseUrl: info.baseUrl as string };
    const relay = await createRelay({ settrade: simOpts, servers: nats.url, symbols: SYMBOLS, logger: silentLogger, maxMsgsPerSubject: 10_000 });
    const direct = new Child('direct', { sim: simOpts });
    await direct.next('ready');
    results.one = await scenario(1, nats.url, sim, relay, direct, rate, ms);
    results.four = await scenario(4, nats.url, sim, relay, direct, rate, ms);
    await direct.quit();
    await relay.shutdown();
    await sim.quit();
  } finally {
    nats.stop();
  }
  const json = argValue('json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
}

if (role !== undefined) await childRole();
else await main();
