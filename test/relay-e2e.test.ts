/**
 * The relay end to end, all real: simulator -> relay -> nats-server
 * (JetStream, file store) -> consumers in child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFeed, type Feed } from '../src/feed/index.js';
import { decodeFullBidOffer } from '../src/codec/index.js';
import type { FullBidOffer } from '../src/events/types.js';
import { createRelay, RelayHeader, type Relay } from '../src/relay/index.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { tsxLoader } from './helpers/cli.js';
import { NatsServer, natsServerBinary } from './helpers/nats-server.js';
import { describeWithBinary } from './helpers/system-binary.js';
import { until } from './helpers/until.js';

const SYMBOLS = ['AOT', 'PTT', 'KBANK'];
const consumerScript = fileURLToPath(new URL('./workers/relay-consumer.ts', import.meta.url));

interface Received {
  seq: number;
  epoch: number;
  recvTs: bigint;
  payload: Buffer;
}

interface ChildEvent {
  t: 'e';
  s: string;
  ep: number;
  ts: string;
  bp: number[];
  ap: number[];
  bv: number[];
  av: number[];
  bf: number;
  af: number;
}

/** A consumer process and everything it printed. */
class Consumer {
  readonly events: ChildEvent[] = [];
  readonly gaps: { symbol: string; expected: number; got: number }[] = [];
  readonly reconnects: number[] = [];
  final: Record<string, number> | undefined;
  ready = false;
  readonly #proc: ChildProcess;
  readonly #exited: Promise<void>;
  #stderr = '';

  constructor(options: object) {
    this.#proc = spawn(process.execPath, ['--import', tsxLoader, consumerScript, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.#proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = JSON.parse(line) as { t: string } & Record<string, unknown>;
        if (m.t === 'e') this.events.push(m as unknown as ChildEvent);
        else if (m.t === 'gap') this.gaps.push(m as unknown as { symbol: string; expected: number; got: number });
        else if (m.t === 'reconnect') this.reconnects.push(m.epoch as number);
        else if (m.t === 'ready') this.ready = true;
        else if (m.t === 'stats' && m.final) this.final = m as unknown as Record<string, number>;
      }
    });
    this.#proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.#stderr += d));
    this.#exited = new Promise((resolve) => this.#proc.once('exit', () => resolve()));
  }

  count(symbol: string): number {
    return this.events.filter((e) => e.s === symbol).length;
  }

  async quit(): Promise<void> {
    this.#proc.stdin!.write('quit\n');
    await this.#exited;
    if (this.final === undefined) throw new Error(`consumer ended without stats: ${this.#stderr}`);
  }

  kill(): void {
    this.#proc.kill('SIGKILL');
  }
}

const values = (e: FullBidOffer | ChildEvent): unknown =>
  'bp' in e
    ? [e.s, e.ep, e.bp, e.ap, e.bv, e.av, e.bf, e.af]
    : [e.symbol, e.connectionEpoch, e.bidPrices, e.askPrices, e.bidVolumes, e.askVolumes, e.bidFlag, e.askFlag];

describeWithBinary(natsServerBinary, 'relay over NATS JetStream (simulator -> relay -> nats-server -> consumer processes)', () => {
  let nats: NatsServer;
  let sim: Simulator;
  let relay: Relay;
  let direct: Feed;
  const directEvents = new Map<string, FullBidOffer[]>(SYMBOLS.map((s) => [s, []]));
  const received = new Map<string, Received[]>(SYMBOLS.map((s) => [s, []]));
  const unpublished = new Map<string, Map<number, string>>(SYMBOLS.map((s) => [s, new Map()]));
  const consumers: Consumer[] = [];
  let drainTimer: NodeJS.Timeout;

  const relayed = (): number => relay.stats().received;

  beforeAll(async () => {
    nats = await NatsServer.launch();
    sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 60, seed: 7 });
    const { baseUrl, credentials } = await sim.start();
    // The direct pipeline on the same simulator: what the consumers' events must equal.
    direct = await createFeed({ ...credentials, baseUrl, baseDelayMs: 50, symbols: SYMBOLS, fullDepth: true, worker: false, logger: silentLogger });
    drainTimer = setInterval(() => {
      for (const e of direct.dispatcher.poll(10_000) as FullBidOffer[]) directEvents.get(e.symbol)!.push(e);
    }, 10);
    relay = await createRelay({
      settrade: { ...credentials, baseUrl, baseDelayMs: 50 },
      servers: nats.url,
      symbols: SYMBOLS,
      ackTimeoutMs: 1000,
      natsReconnectWaitMs: 100,
      // Small, so the outage below overflows it: drops the consumers must see as gaps.
      bufferSize: 20,
      logger: silentLogger,
    });
    relay.on('received', (symbol, seq, epoch, recvTs, payload) => received.get(symbol)!.push({ seq, epoch, recvTs, payload: Buffer.from(payload) }));
    relay.on('unpublished', (symbol, seq, reason) => unpublished.get(symbol)!.set(seq, reason));
  }, 30_000);

  afterAll(async () => {
    clearInterval(drainTimer);
    for (const c of consumers) c.kill();
    await relay?.shutdown(1000);
    await direct?.shutdown();
    await sim?.stop();
    await nats?.stop();
  });

  it('three consumer processes receive every relayed message', async () => {
    // Everything since before the relay started: each consumer sees the whole run.
    const since = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 3; i++) consumers.push(new Consumer({ servers: nats.url, symbols: SYMBOLS, from: { startTime: since } }));
    await until(() => consumers.every((c) => c.ready), 'consumers ready', 20_000);
    await until(() => consumers.every((c) => SYMBOLS.every((s) => c.count(s) >= 30)), 'consumers receiving', 15_000);
  }, 30_000);

  it('nats-server killed with -9 and restarted: the relay keeps its Settrade session and resumes', async () => {
    await nats.kill9();
    const before = relayed();
    // The Settrade side keeps ingesting while NATS is down.
    await until(() => relayed() >= before + 60 && relay.stats().nats.state === 'reconnecting', 'ingestion while NATS is down', 10_000);
    expect(relay.stats().settrade.state).toBe('CONNECTED');
    expect(relay.stats().settrade.reconnectEpoch).toBe(0);
    await nats.start();
    await until(() => relay.stats().nats.state === 'connected', 'relay reconnected to NATS', 15_000);
    const acked = relay.stats().acked;
    await until(() => relay.stats().acked > acked + 30, 'publishing resumed', 10_000);
    const s = relay.stats();
    // Whatever was in flight when the server died is accounted for: acked, failed, dropped, or still on its way.
    expect(s.acked + s.failed + s.dropped + s.pending + s.inFlight).toBe(s.received);
    expect(s.dropped).toBeGreaterThan(0);
  }, 40_000);

  it('a Settrade-side reconnect shows as an epoch increase at the consumers', async () => {
    expect(sim.faults.dropConnections()).toBeGreaterThanOrEqual(2);
    await until(() => consumers.every((c) => c.events.some((e) => e.ep === 1)), 'epoch 1 at every consumer', 15_000);
    for (const c of consumers) expect(c.reconnects).toContain(1);
    // Enough of epoch 1 on both sessions for the comparison at the end.
    const epoch1 = (list: readonly { connectionEpoch?: number; epoch?: number }[]): number => list.filter((e) => (e.connectionEpoch ?? e.epoch) === 1).length;
    await until(() => SYMBOLS.every((s) => epoch1(directEvents.get(s)!) >= 30 && epoch1(received.get(s)!) >= 30), 'epoch 1 on both sessions', 15_000);
  }, 20_000);

  it("a late consumer with from: 'last' gets the last book of every symbol before any live message", async () => {
    await until(() => {
      const s = relay.stats();
      return s.pending === 0 && s.inFlight === 0;
    }, 'relay settled', 10_000);
    // Stored before the consumer starts: its first book of each symbol can be no older.
    const storedBefore = SYMBOLS.map((s) => received.get(s)!.at(-1)!.seq);
    const late = new Consumer({ servers: nats.url, symbols: SYMBOLS, from: 'last' });
    consumers.push(late);
    await until(() => SYMBOLS.every((s) => late.count(s) >= 5), 'late consumer books and live messages', 20_000);
    const seqOf = new Map<string, number>();
    for (const [, list] of received) for (const r of list) seqOf.set(r.recvTs.toString(), r.seq);
    // One book per symbol first...
    const firsts = late.events.slice(0, SYMBOLS.length);
    expect(firsts.map((e) => e.s).sort()).toEqual([...SYMBOLS].sort());
    for (const symbol of SYMBOLS) {
      const seqs = late.events.filter((e) => e.s === symbol).map((e) => seqOf.get(e.ts)!);
      // ...the last one stored when it joined (no older)...
      expect(seqs[0]!).toBeGreaterThanOrEqual(storedBefore[SYMBOLS.indexOf(symbol)]!);
      // ...then the live messages right after it, none skipped, none twice.
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    }
  }, 40_000);

  it('accounts for every message: byte-identical in the stream, in order, equal to the direct feed, gaps = what the relay could not publish', async () => {
    sim.faults.stallFeed(60_000);
    await until(() => relay.stats().pending === 0 && relay.stats().inFlight === 0, 'relay settled', 10_000);
    // What JetStream holds, read back with a plain ordered consumer.
    const stored = await readStream(nats.url);
    const expectedCount = [...stored.values()].reduce((n, m) => n + m.size, 0);
    await until(() => consumers.slice(0, 3).every((c) => c.events.length >= expectedCount), 'consumers caught up', 15_000);
    for (const c of consumers) await c.quit();

    const acked = relay.stats().acked;
    let storedTotal = 0;
    for (const symbol of SYMBOLS) {
      const got = received.get(symbol)!;
      const inStream = stored.get(symbol)!;
      const lost = unpublished.get(symbol)!;
      storedTotal += inStream.size;
      for (const r of got) {
        const m = inStream.get(r.seq);
        if (m === undefined) {
          // Not stored: the relay counted it as failed or dropped. Nothing unexplained.
          expect(lost.has(r.seq), `${symbol} seq ${r.seq} missing from the stream and not counted`).toBe(true);
          continue;
        }
        expect(Buffer.compare(m.payload, r.payload), `${symbol} seq ${r.seq} payload`).toBe(0);
        expect(m.epoch).toBe(r.epoch);
        expect(m.recvTs).toBe(r.recvTs);
      }
      // The consumers that read from the start: every stored message, in order, decoded as the relay's bytes decode.
      const want = got.filter((r) => inStream.has(r.seq)).map((r) => decodeFullBidOffer(r.payload, { recvTs: r.recvTs, connectionEpoch: r.epoch }));
      for (const c of consumers.slice(0, 3)) {
        const mine = c.events.filter((e) => e.s === symbol);
        expect(mine.map((e) => e.ts)).toEqual(want.map((e) => e.recvTs.toString()));
        expect(mine.map(values)).toEqual(want.map(values));
        // Every gap is made of messages the relay counted as not published.
        for (const g of c.gaps.filter((x) => x.symbol === symbol)) {
          for (let q = g.expected; q < g.got; q++) expect(lost.has(q), `${symbol} gap at ${q}`).toBe(true);
        }
        const missed = c.gaps.filter((x) => x.symbol === symbol).reduce((n, g) => n + g.got - g.expected, 0);
        expect(missed).toBe(got.length - want.length);
      }
      // The direct createFeed on the same simulator saw the same books with the same epochs. The two
      // sessions connect (and reconnect) at slightly different moments: compare each epoch where both listened.
      const all = got.map((r) => decodeFullBidOffer(r.payload, { recvTs: r.recvTs, connectionEpoch: r.epoch }));
      const d = directEvents.get(symbol)!;
      for (const epoch of [0, 1]) {
        const a = all.filter((e) => e.connectionEpoch === epoch).map((e) => JSON.stringify(values(e)));
        const b = d.filter((e) => e.connectionEpoch === epoch).map((e) => JSON.stringify(values(e)));
        let i = 0;
        let j = b.indexOf(a[0]!);
        if (j < 0) {
          j = 0;
          i = a.indexOf(b[0]!);
        }
        expect(i, `${symbol} epoch ${epoch}: the two sessions share books`).toBeGreaterThanOrEqual(0);
        const overlap = Math.min(a.length - i, b.length - j);
        expect(overlap).toBeGreaterThan(10);
        expect(a.slice(i, i + overlap)).toEqual(b.slice(j, j + overlap));
      }
    }
    // Acked messages all survived the kill -9.
    expect(storedTotal).toBeGreaterThanOrEqual(acked);
    for (const c of consumers.slice(0, 3)) {
      expect(c.final!.badHeaders).toBe(0);
      expect(c.final!.missed).toBeGreaterThan(0);
      expect(c.final!.gaps).toBe(c.gaps.length);
    }
  }, 40_000);
});

interface StoredMessage {
  epoch: number;
  recvTs: bigint;
  payload: Buffer;
}

async function readStream(url: string): Promise<Map<string, Map<number, StoredMessage>>> {
  const nc: NatsConnection = await connect({ servers: url });
  const out = new Map<string, Map<number, StoredMessage>>(SYMBOLS.map((s) => [s, new Map()]));
  try {
    const js = jetstream(nc);
    const c = await js.consumers.get('SETTRADE_BIDOFFERV3');
    const info = await c.info();
    let left = info.num_pending;
    if (left === 0) return out;
    const messages = await c.consume();
    for await (const m of messages) {
      const symbol = m.subject.split('.').at(-1)!;
      out.get(symbol)!.set(Number(m.headers!.get(RelayHeader.seq)), {
        epoch: Number(m.headers!.get(RelayHeader.epoch)),
        recvTs: BigInt(m.headers!.get(RelayHeader.recvTs)),
        payload: Buffer.from(m.data),
      });
      if (--left === 0) break;
    }
  } finally {
    await nc.close();
  }
  return out;
}
