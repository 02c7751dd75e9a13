/**
 * The soak: a compressed trading day against the embedded simulator, with
 * the project's own feed (createFeed, FullBidOffer, default ring) consuming,
 * and exact accounting of every message at the end (src/sim/accounting.ts).
 *
 * The day, scaled to the duration (the close is at least the feed-dead
 * timeout plus 1.5 s, so the silence is observed):
 *
 *   pre-open   ATO: auction flags, zero prices, a low rate
 *   open       a burst at the full `rate` (msg/s in all, every symbol)
 *   continuous NORMAL at a tenth of the rate
 *   ATC        auction again, a low rate
 *   close      silence: FeedHealth must report the feed dead
 *
 * With faults, the simulator's faults are injected round-robin through the
 * session (fault-schedule.ts); stall windows excuse a symbol's staleness,
 * nothing else does.
 */
import { SlotLayout } from '../events/slot-layout.js';
import { readInt64, type SlotView } from '../events/slot-reader.js';
import type { Feed } from '../feed/index.js';
import type { FeedHealth } from '../health/index.js';
import type { AccountingReport, ClientCounts } from '../sim/accounting.js';
import type { Logger } from '../util/logger.js';
import type { HealthSink } from './book-state.js';
import type { CliFeed } from './run-feed.js';
import type { RemoteSimulator } from './soak-sim.js';
import { FAULT_KINDS, FaultSchedule, type FaultTarget } from './fault-schedule.js';

/** Soak settings. */
export interface SoakOptions {
  /** Length of the whole day (s). */
  readonly durationSec: number;
  /** Peak rate at the open, msg/s over all symbols. */
  readonly rate: number;
  readonly symbols: readonly string[];
  /** Inject the simulator's faults through the session. */
  readonly faults: boolean;
  /** Client + adapter in a worker thread (true) or on the main thread. */
  readonly worker: boolean;
  /** Simulator seed. */
  readonly seed?: number;
  /** Largest allowed RSS growth over the second half of the run (MB). */
  readonly maxRssGrowthMb?: number;
  /** FeedHealth whole-feed timeout (s); default scales with the duration (1 to 5). */
  readonly globalTimeoutSec?: number;
  /** FeedHealth per-symbol timeout (s); default scales with the duration (2 to 10). */
  readonly symbolTimeoutSec?: number;
  readonly logger?: Logger;
  /** Called about every `progressMs` with the run so far. */
  readonly onProgress?: (p: SoakProgress) => void;
  readonly progressMs?: number;
  /** Ends the day early (the close and the accounting still run). */
  readonly signal?: AbortSignal;
  /** Test only: the consumer takes one event out of the ring without counting it (the accounting must notice). */
  readonly vanishOneForTest?: boolean;
}

/** Defaults of {@link SoakOptions}. */
export const SOAK_DEFAULTS = {
  durationSec: 60,
  rate: 100_000,
  symbols: ['AOT', 'PTT', 'CPALL', 'ADVANC', 'KBANK', 'SCB', 'BBL', 'DELTA', 'GULF', 'BDMS', 'PTTEP', 'SCC', 'TRUE', 'BH', 'CRC', 'IVL', 'MINT', 'OR', 'TOP', 'BANPU-W5'] as readonly string[],
  maxRssGrowthMb: 64,
} as const;

/** Phases of the day. */
export type SoakPhase = 'connecting' | 'pre-open' | 'open' | 'continuous' | 'ATC' | 'close' | 'accounting' | 'done';

/** A progress snapshot. */
export interface SoakProgress {
  readonly phase: SoakPhase;
  readonly elapsedSec: number;
  readonly durationSec: number;
  readonly publishedPerSec: number;
  readonly receivedPerSec: number;
  readonly published: number;
  readonly received: number;
  readonly ringDrops: number;
  readonly reconnects: number;
  readonly faultsInjected: number;
  readonly lastFault: string | undefined;
  readonly staleAlarms: number;
  readonly rssMb: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** The soak's result (`--json` prints it). */
export interface SoakResult {
  readonly mode: 'worker' | 'in-thread';
  readonly backend: string;
  readonly durationSec: number;
  readonly rate: number;
  readonly symbols: number;
  readonly phasesSec: Readonly<Record<string, number>>;
  readonly published: number;
  readonly received: number;
  readonly parseErrors: number;
  readonly ringDrops: number;
  readonly simShed: number;
  readonly lostInFaults: number;
  readonly unexplained: number;
  readonly reconnects: number;
  readonly faultsInjected: number;
  readonly faultsByKind: Readonly<Record<string, number>>;
  readonly staleAlarms: number;
  readonly staleAlarmSymbols: readonly string[];
  readonly feedDeadAtClose: boolean;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  readonly maxRssMb: number;
  readonly rssGrowthMb: number;
  readonly maxRssGrowthMb: number;
  /** Process CPU during the session per published message: simulator, client worker and consumer (one process). */
  readonly cpuUsPerMessage: number;
  readonly peakReceivedPerSec: number;
  readonly accounting: AccountingReport;
  /** Why the soak failed (empty: it passed). */
  readonly failures: readonly string[];
}

/** Hand-off latency histogram: 1 us buckets up to 100 ms, then one overflow bucket. */
class LatencyHistogram {
  private readonly buckets = new Uint32Array(100_001);
  private count = 0;
  max = 0;

  record(us: number): void {
    const b = us < 0 ? 0 : us >= 100_000 ? 100_000 : Math.floor(us);
    this.buckets[b]!++;
    this.count++;
    if (us > this.max) this.max = us;
  }

  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i === 100_000 ? this.max : i + 1;
    }
    return this.max;
  }
}

const RECV_MONO_NS_OFFSET = SlotLayout.recvMonoNsOffset;

/** What a {@link SoakConsumer} consumes and whom it tells. */
interface SoakConsumerOptions {
  readonly dispatcher: CliFeed['dispatcher'];
  readonly health: HealthSink;
  readonly symbols: readonly string[];
  /** Take the 1000th event out of the ring without counting it (the accounting must notice). */
  readonly vanishOneForTest: boolean;
}

/**
 * The soak's consumer, started on construction: drains the ring, counts
 * every event per symbol, records its hand-off latency, and tells FeedHealth
 * once per symbol per drained batch.
 */
class SoakConsumer {
  /** Events counted so far. */
  received = 0;
  readonly latency = new LatencyHistogram();
  // Per-symbol counts in a Map of small objects; FeedHealth told once per symbol per drained batch.
  readonly #perSymbol = new Map<string, { count: number; seenInBatch: boolean }>();
  readonly #seenInBatch: string[] = [];
  readonly #health: HealthSink;
  #vanishAt: number;
  #nowNs = 0;
  #nowBig = 0n;
  #consuming = true;
  readonly #stopped = new AbortController();
  readonly #loop: Promise<void>;

  constructor(options: SoakConsumerOptions) {
    for (const s of options.symbols) this.#perSymbol.set(s, { count: 0, seenInBatch: false });
    this.#health = options.health;
    this.#vanishAt = options.vanishOneForTest ? 1000 : -1;
    this.#loop = this.#consume(options.dispatcher);
  }

  /** Events counted per symbol (what the accounting calls received). */
  receivedBySymbol(): Record<string, number> {
    return Object.fromEntries([...this.#perSymbol].map(([s, c]) => [s, c.count]));
  }

  /** Stops consuming; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.#consuming = false;
    this.#stopped.abort();
    await this.#loop;
  }

  async #consume(d: CliFeed['dispatcher']): Promise<void> {
    while (this.#consuming) {
      this.#nowBig = process.hrtime.bigint();
      this.#nowNs = Number(this.#nowBig);
      const n = d.drain(this.#onView, 4096);
      this.#endBatch();
      if (n === 0) await d.waitForEvents(100, this.#stopped.signal);
    }
  }

  // An arrow so the drain loop passes it without binding per batch.
  readonly #onView = (view: SlotView): void => {
    if (this.#vanishAt >= 0 && this.received + 1 === this.#vanishAt) {
      this.#vanishAt = -1; // taken out of the ring, never counted: the accounting must show it
      return;
    }
    const symbol = view.symbol;
    this.received++;
    let c = this.#perSymbol.get(symbol);
    if (c === undefined) this.#perSymbol.set(symbol, (c = { count: 0, seenInBatch: false }));
    c.count++;
    if (!c.seenInBatch) {
      c.seenInBatch = true;
      this.#seenInBatch.push(symbol);
    }
    this.latency.record((this.#nowNs - readInt64(view.mem, view.offset + RECV_MONO_NS_OFFSET)) / 1000);
  };

  #endBatch(): void {
    for (const s of this.#seenInBatch) {
      this.#health.onEvent(s, this.#nowBig);
      this.#perSymbol.get(s)!.seenInBatch = false;
    }
    this.#seenInBatch.length = 0;
  }
}

interface DayPlan {
  preOpenMs: number;
  openMs: number;
  continuousMs: number;
  atcMs: number;
  closeMs: number;
}

/** How the day's duration is split. */
export function planDay(durationSec: number, globalTimeoutSec: number): DayPlan {
  const total = durationSec * 1000;
  const closeMs = Math.max(0.15 * total, globalTimeoutSec * 1000 + 1500);
  const rest = Math.max(0, total - closeMs);
  return { preOpenMs: 0.12 * rest, openMs: 0.25 * rest, continuousMs: 0.5 * rest, atcMs: 0.13 * rest, closeMs };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** The day's settings, derived from the options. */
interface SoakSettings {
  readonly symbols: string[];
  readonly globalTimeoutSec: number;
  readonly symbolTimeoutSec: number;
  readonly maxRssGrowthMb: number;
  readonly plan: DayPlan;
  /** Pre-open to the end of the ATC (ms): when faults are injected. */
  readonly sessionMs: number;
  readonly auctionPerSymbol: number;
  readonly continuousPerSymbol: number;
}

function soakSettings(options: SoakOptions): SoakSettings {
  const symbols = [...options.symbols];
  const n = symbols.length;
  const D = options.durationSec;
  const globalTimeoutSec = options.globalTimeoutSec ?? clamp(D / 40, 1, 5);
  const plan = planDay(D, globalTimeoutSec);
  return {
    symbols,
    globalTimeoutSec,
    symbolTimeoutSec: options.symbolTimeoutSec ?? clamp(D / 20, 2, 10),
    maxRssGrowthMb: options.maxRssGrowthMb ?? SOAK_DEFAULTS.maxRssGrowthMb,
    plan,
    sessionMs: plan.preOpenMs + plan.openMs + plan.continuousMs + plan.atcMs,
    auctionPerSymbol: Math.max(5, options.rate / 50 / n),
    continuousPerSymbol: Math.max(5, options.rate / 10 / n),
  };
}

/** What the running soak shares between the day, the sampler and the result. */
interface SoakRun {
  readonly options: SoakOptions;
  readonly settings: SoakSettings;
  readonly sim: RemoteSimulator;
  readonly feed: Feed<'fullBidOffer'>;
  readonly consumer: SoakConsumer;
  readonly health: FeedHealth;
  readonly alarms: StaleAlarms;
  readonly rates: SoakRates;
  readonly t0: number;
  phase: SoakPhase;
  reconnects: number;
  schedule: FaultSchedule | undefined;
}

/** The CPU time and messages of the session, and whether FeedHealth saw the close. */
interface DayOutcome {
  readonly cpu: NodeJS.CpuUsage;
  readonly publishedInRun: number;
  readonly feedDeadAtClose: boolean;
}

/** Runs the soak; resolves to its result (never throws for a failed check: see `failures`). */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const [{ createFeed }, { FeedHealth }, { RemoteSimulator }, { reconcile }, { backend }, { silentLogger }] = await Promise.all([
    import('../feed/index.js'),
    import('../health/index.js'),
    import('./soak-sim.js'),
    import('../sim/accounting.js'),
    import('../native.js'),
    import('../util/logger.js'),
  ]);
  const settings = soakSettings(options);
  const { symbols, globalTimeoutSec, symbolTimeoutSec } = settings;

  // The simulator gets its own thread: at the open it must not take the consumer's.
  const sim = await RemoteSimulator.start({ symbols, ratePerSymbol: 0, seed: options.seed ?? 1, phase: 'ATO', tickIntervalMs: 5 });
  const allSubscribed = watchSubscriptions(sim, symbols.length);
  const health = new FeedHealth({ globalTimeoutSec, symbolTimeoutSec });
  const feed = await createFeed({
    ...sim.credentials,
    baseUrl: sim.baseUrl,
    symbols,
    fullDepth: true,
    worker: options.worker,
    logger: options.logger ?? silentLogger,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetries: Number.POSITIVE_INFINITY,
  });
  const consumer = new SoakConsumer({ dispatcher: feed.dispatcher, health, symbols, vanishOneForTest: options.vanishOneForTest === true });
  const t0 = performance.now();
  const run: SoakRun = {
    options,
    settings,
    sim,
    feed,
    consumer,
    health,
    alarms: new StaleAlarms(symbolTimeoutSec),
    rates: new SoakRates(sim, t0),
    t0,
    phase: 'connecting',
    reconnects: 0,
    schedule: undefined,
  };
  feed.on('reconnect', () => run.reconnects++);
  feed.on('error', () => undefined);

  // Periodic sampling: rates, RSS, stale alarms, progress.
  const sampler = setInterval(() => {
    const now = performance.now();
    run.rates.sample(now, consumer.received);
    if (run.phase === 'pre-open' || run.phase === 'open' || run.phase === 'continuous' || run.phase === 'ATC') {
      run.alarms.check(health.staleSymbols(process.hrtime.bigint()), now);
    }
    options.onProgress?.(soakProgress(run, now));
  }, options.progressMs ?? 100);

  const day = await playDay(run, allSubscribed);
  const counts = await settledCounts(() => clientCounts(feed, consumer));
  const report = reconcile(await sim.accounting(), counts);
  clearInterval(sampler);
  await consumer.stop();
  await feed.shutdown();
  await sim.stop();
  run.phase = 'done';
  return soakResult(run, day, report, backend);
}

/** Plays the day from the pre-open to the close, the faults with it; the phase is 'accounting' after it, even after a throw. */
async function playDay(run: SoakRun, allSubscribed: () => Promise<void>): Promise<DayOutcome> {
  const { options, settings, sim } = run;
  const { plan } = settings;
  let cpuAtStart = process.cpuUsage();
  let publishedAtStart = 0;
  try {
    await allSubscribed();
    cpuAtStart = process.cpuUsage();
    publishedAtStart = (await sim.totals()).published;
    if (options.faults) run.schedule = soakFaultSchedule(sim, settings.symbols, settings.sessionMs, settings.symbolTimeoutSec, run.alarms.stallWindows);
    await playSession({
      sim,
      plan,
      auctionPerSymbol: settings.auctionPerSymbol,
      continuousPerSymbol: settings.continuousPerSymbol,
      burstRate: options.rate,
      schedule: run.schedule,
      signal: options.signal,
      enter: (p) => {
        run.phase = p;
      },
    });
    // The close: silence.
    run.phase = 'close';
    run.schedule?.stop();
    await sim.call({ method: 'setRatePerSymbol', rate: 0 });
    const cpu = process.cpuUsage(cpuAtStart);
    const publishedInRun = (await sim.totals()).published - publishedAtStart;
    const feedDeadAtClose = await feedDeadAfterClose(plan.closeMs, settings.globalTimeoutSec, run.health, options.signal);
    return { cpu, publishedInRun, feedDeadAtClose };
  } finally {
    run.phase = 'accounting';
    run.schedule?.stop();
  }
}

function soakProgress(run: SoakRun, now: number): SoakProgress {
  const ds = run.feed.dispatcher.stats();
  const { latency } = run.consumer;
  return {
    phase: run.phase,
    elapsedSec: (now - run.t0) / 1000,
    durationSec: run.options.durationSec,
    publishedPerSec: run.rates.publishedPerSec,
    receivedPerSec: run.rates.receivedPerSec,
    published: run.rates.simPublished,
    received: run.consumer.received,
    ringDrops: ds.totalDropped,
    reconnects: run.reconnects,
    faultsInjected: run.schedule?.injected ?? 0,
    lastFault: run.schedule?.last,
    staleAlarms: run.alarms.count,
    rssMb: process.memoryUsage.rss() / 1048576,
    p50Us: latency.percentile(0.5),
    p99Us: latency.percentile(0.99),
  };
}

function soakResult(run: SoakRun, day: DayOutcome, report: AccountingReport, backend: string): SoakResult {
  const { options, settings, rates, alarms, schedule } = run;
  const D = options.durationSec;
  const rssGrowthMb = rssGrowthOverSecondHalf(rates.rssSamples, D * 1000 - settings.plan.closeMs);
  return {
    mode: options.worker ? 'worker' : 'in-thread',
    backend,
    durationSec: Math.round((performance.now() - run.t0) / 100) / 10,
    rate: options.rate,
    symbols: settings.symbols.length,
    phasesSec: phasesInSec(settings.plan),
    published: report.published,
    received: report.received,
    parseErrors: report.parseErrors,
    ringDrops: report.ringDrops,
    simShed: report.simShed,
    lostInFaults: report.lostInFaults,
    unexplained: report.unexplained,
    reconnects: run.reconnects,
    faultsInjected: schedule?.injected ?? 0,
    faultsByKind: schedule ? { ...schedule.byKind } : {},
    staleAlarms: alarms.count,
    staleAlarmSymbols: [...alarms.symbols].sort(),
    feedDeadAtClose: day.feedDeadAtClose,
    ...latencyFigures(run.consumer.latency),
    maxRssMb: Math.round(rates.maxRssMb * 10) / 10,
    rssGrowthMb,
    maxRssGrowthMb: settings.maxRssGrowthMb,
    cpuUsPerMessage: Math.round(((day.cpu.user + day.cpu.system) / Math.max(1, day.publishedInRun)) * 1000) / 1000,
    peakReceivedPerSec: Math.round(rates.peakReceivedPerSec),
    accounting: report,
    failures: soakFailures(report, day.feedDeadAtClose, rssGrowthMb, settings.maxRssGrowthMb),
  };
}

/** The client side's counts for the accounting: the feed's own figures, and what the consumer counted. */
async function clientCounts(feed: Feed, consumer: SoakConsumer): Promise<ClientCounts> {
  // Drain first so `queued` is what the consumer has not yet reached.
  const st = await feed.stats();
  const ds = feed.dispatcher.stats();
  const a = st.adapter;
  return {
    receivedBySymbol: consumer.receivedBySymbol(),
    parseErrors: a.parseErrors,
    ringDrops: ds.totalDropped,
    queued: ds.queueLen,
    staleDropped: st.client.staleMessagesDropped,
    callbackErrors: a.callbackErrors,
    ignored: st.client.messagesReceived - a.messagesParsed - a.parseErrors - a.callbackErrors,
  };
}

/**
 * Watches the subscriptions reaching the simulator (from before the feed
 * starts, so none is missed). The returned function resolves once all `n`
 * have arrived, or throws after 10 s saying how many did.
 */
function watchSubscriptions(sim: RemoteSimulator, n: number): () => Promise<void> {
  const subscribed = new Set<string>();
  const allSubscribed = new Promise<void>((resolve) => {
    sim.on('subscribed', (s) => {
      subscribed.add(s);
      if (subscribed.size === n) resolve();
    });
  });
  return async () => {
    await Promise.race([allSubscribed, sleep(10_000)]);
    if (subscribed.size < n) throw new Error(`soak: only ${subscribed.size} of ${n} subscriptions reached the simulator`);
  };
}

/** What {@link playSession} plays. */
interface SessionScript {
  readonly sim: RemoteSimulator;
  readonly plan: DayPlan;
  /** Per-symbol rate of the auctions (pre-open, ATC). */
  readonly auctionPerSymbol: number;
  /** Per-symbol rate of the continuous session. */
  readonly continuousPerSymbol: number;
  /** The open's burst, msg/s over all symbols. */
  readonly burstRate: number;
  /** Started with the pre-open (the caller stops it). */
  readonly schedule: FaultSchedule | undefined;
  readonly signal: AbortSignal | undefined;
  /** Told as each phase starts (the sampler reports it and checks staleness only in session). */
  readonly enter: (phase: SoakPhase) => void;
}

/** Drives the simulator from the pre-open to the end of the ATC (the close is the caller's: it checks the feed goes dead). */
async function playSession(script: SessionScript): Promise<void> {
  const { sim, plan, auctionPerSymbol, continuousPerSymbol, schedule, signal, enter } = script;
  // Pre-open: ATO auction books at a low rate.
  enter('pre-open');
  await sim.call({ method: 'setPhase', phase: 'ATO' });
  await sim.call({ method: 'setRatePerSymbol', rate: auctionPerSymbol });
  schedule?.start();
  await sleep(plan.preOpenMs, signal);
  // The open: the peak burst over every symbol (the normal rate pauses while it runs).
  enter('open');
  await sim.call({ method: 'setPhase', phase: 'NORMAL' });
  await sim.call({ method: 'setRatePerSymbol', rate: continuousPerSymbol });
  if (!signal?.aborted && plan.openMs >= 1) {
    const ended = new Promise<void>((resolve) => sim.on('burstEnd', () => resolve()));
    await sim.call({ method: 'burst', rate: script.burstRate, ms: plan.openMs });
    await Promise.race([ended, sleep(plan.openMs + 2000, signal)]);
  }
  enter('continuous');
  await sleep(plan.continuousMs, signal);
  enter('ATC');
  await sim.call({ method: 'setPhase', phase: 'ATC' });
  await sim.call({ method: 'setRatePerSymbol', rate: auctionPerSymbol });
  await sleep(plan.atcMs, signal);
}

/** A window in which a symbol (or, `undefined`, every symbol) is stalled on purpose: its staleness is excused. */
interface StallWindow {
  readonly symbol: string | undefined;
  readonly from: number;
  readonly until: number;
}

/**
 * The soak's rates and memory, sampled at most once a second: received and
 * published msg/s, the peak received rate, and RSS. The simulator's
 * published total is fetched in the background (it lives in another thread),
 * one request at a time, so a sample never waits for it.
 */
class SoakRates {
  receivedPerSec = 0;
  publishedPerSec = 0;
  peakReceivedPerSec = 0;
  maxRssMb = 0;
  /** RSS (MB) at `t` ms after the start. */
  readonly rssSamples: Array<{ t: number; mb: number }> = [];
  /** The simulator's published total, as last fetched. */
  simPublished = 0;
  readonly #sim: RemoteSimulator;
  readonly #t0: number;
  #lastSampleAt: number;
  #lastReceived = 0;
  #lastPublished = 0;
  #simTotalsInFlight = false;

  constructor(sim: RemoteSimulator, t0: number) {
    this.#sim = sim;
    this.#t0 = t0;
    this.#lastSampleAt = t0;
  }

  /** Samples at `now` (performance.now() ms) if a second has passed, with `received` events so far; then asks for fresh simulator totals. */
  sample(now: number, received: number): void {
    const dt = (now - this.#lastSampleAt) / 1000;
    if (dt >= 1) {
      this.receivedPerSec = (received - this.#lastReceived) / dt;
      const pub = this.simPublished;
      this.publishedPerSec = (pub - this.#lastPublished) / dt;
      this.#lastPublished = pub;
      this.#lastReceived = received;
      this.#lastSampleAt = now;
      if (this.receivedPerSec > this.peakReceivedPerSec) this.peakReceivedPerSec = this.receivedPerSec;
      const mb = process.memoryUsage.rss() / 1048576;
      this.rssSamples.push({ t: now - this.#t0, mb });
      if (mb > this.maxRssMb) this.maxRssMb = mb;
    }
    this.#refreshSimTotals();
  }

  #refreshSimTotals(): void {
    if (this.#simTotalsInFlight) return;
    this.#simTotalsInFlight = true;
    void this.#sim.totals().then(
      (t) => {
        this.simPublished = t.published;
        this.#simTotalsInFlight = false;
      },
      () => (this.#simTotalsInFlight = false),
    );
  }
}

/**
 * Counts stale-symbol alarms: a symbol going stale raises one alarm (until it
 * is fresh again), unless a stall injected on purpose explains it.
 */
class StaleAlarms {
  /** Stalls injected on purpose (the fault target records them). */
  readonly stallWindows: StallWindow[] = [];
  /** Alarms raised. */
  count = 0;
  /** Symbols that raised one. */
  readonly symbols = new Set<string>();
  /** Stale now and already counted. */
  readonly #alarmed = new Set<string>();
  /** How long after a stall ends its symbol's staleness stays excused (it takes a timeout to be seen fresh). */
  readonly #graceMs: number;

  constructor(symbolTimeoutSec: number) {
    this.#graceMs = symbolTimeoutSec * 1000 + 500;
  }

  /** Raises an alarm for each newly stale symbol not excused at `now` (performance.now() ms). */
  check(staleSymbols: Iterable<string>, now: number): void {
    const stale = new Set(staleSymbols);
    for (const s of stale) {
      if (this.#alarmed.has(s) || this.#excused(s, now)) continue;
      this.#alarmed.add(s);
      this.symbols.add(s);
      this.count++;
    }
    for (const s of this.#alarmed) if (!stale.has(s)) this.#alarmed.delete(s);
  }

  #excused(symbol: string, now: number): boolean {
    const grace = this.#graceMs;
    return this.stallWindows.some((w) => (w.symbol === undefined || w.symbol === symbol) && now >= w.from && now <= w.until + grace);
  }
}

/**
 * The session's fault schedule over the simulator's thread, about six faults
 * over the session; each stall it injects is recorded in `stallWindows`.
 */
function soakFaultSchedule(
  sim: RemoteSimulator,
  symbols: readonly string[],
  sessionMs: number,
  symbolTimeoutSec: number,
  stallWindows: StallWindow[],
): FaultSchedule {
  const whenConnected = async (): Promise<void> => {
    for (let i = 0; i < 100 && (await sim.totals()).connections === 0; i++) await sleep(50);
  };
  const intervalMs = clamp(sessionMs / 6.5, 300, 10_000);
  const target: FaultTarget = {
    // A cut is injected once the client is connected again: cutting nothing would test no recovery.
    dropConnections: () => whenConnected().then(() => sim.call({ method: 'dropConnections' })),
    expireTokens: () => whenConnected().then(() => sim.call({ method: 'expireTokens' })),
    publishMalformed: (count) => sim.call({ method: 'publishMalformed', count }),
    stallSymbol: (symbol, ms) => {
      const now = performance.now();
      stallWindows.push({ symbol, from: now, until: now + ms });
      return sim.call({ method: 'stallSymbol', symbol, ms });
    },
    stallFeed: (ms) => {
      const now = performance.now();
      stallWindows.push({ symbol: undefined, from: now, until: now + ms });
      return sim.call({ method: 'stallFeed', ms });
    },
  };
  return new FaultSchedule({
    target,
    symbols,
    intervalMs,
    stallMs: Math.min(intervalMs * 0.6, symbolTimeoutSec * 1000 + 1000),
    malformedCount: 5,
    maxFaults: Math.max(FAULT_KINDS.length, Math.floor(sessionMs / intervalMs) - 1),
  });
}

/** The client's counts once they stop moving (worker stats are fetched by message), or after 5 s. */
async function settledCounts(clientCounts: () => Promise<ClientCounts>): Promise<ClientCounts> {
  let counts = await clientCounts();
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const next = await clientCounts();
    if (JSON.stringify(next) === JSON.stringify(counts)) break;
    counts = next;
  }
  return counts;
}

/**
 * RSS growth over the session's second half (MB, one decimal; 0 without
 * samples): the mean of the samples around its end less those around its
 * middle, so one-off spikes weigh little.
 */
function rssGrowthOverSecondHalf(rssSamples: ReadonlyArray<{ t: number; mb: number }>, sessionEndMs: number): number {
  const sessionEnd = rssSamples.filter((s) => s.t <= sessionEndMs);
  const near = (t: number): number => {
    const xs = sessionEnd.filter((s) => Math.abs(s.t - t) <= 2000).map((s) => s.mb);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
  };
  const growth = near(sessionEndMs) - near(sessionEndMs / 2);
  return Number.isFinite(growth) ? Math.round(growth * 10) / 10 : 0;
}

/**
 * Waits out the close, and at least the feed-dead timeout plus 200 ms (even
 * when aborted, so the check means something); then asks FeedHealth whether
 * the feed is dead.
 */
async function feedDeadAfterClose(closeMs: number, globalTimeoutSec: number, health: Pick<FeedHealth, 'isFeedDead'>, signal: AbortSignal | undefined): Promise<boolean> {
  const closeStart = performance.now();
  // Let every written message arrive (or stop moving) before the dead check at the end of the close.
  await sleep(closeMs, signal?.aborted ? undefined : signal);
  const left = globalTimeoutSec * 1000 + 200 - (performance.now() - closeStart);
  if (left > 0) await sleep(left);
  return health.isFeedDead(process.hrtime.bigint());
}

/** Why the soak failed (empty: it passed). */
function soakFailures(report: AccountingReport, feedDeadAtClose: boolean, rssGrowthMb: number, maxRssGrowthMb: number): string[] {
  const failures: string[] = [];
  if (report.unexplained !== 0) failures.push(`${report.unexplained} message(s) unexplained`);
  if (!feedDeadAtClose) failures.push('the feed was not reported dead at the close');
  if (rssGrowthMb > maxRssGrowthMb) failures.push(`RSS grew ${rssGrowthMb} MB over the second half (bound ${maxRssGrowthMb} MB)`);
  return failures;
}

/** The day's phases in seconds (one decimal), for the result. */
function phasesInSec(plan: DayPlan): SoakResult['phasesSec'] {
  return {
    preOpen: round1(plan.preOpenMs / 1000),
    open: round1(plan.openMs / 1000),
    continuous: round1(plan.continuousMs / 1000),
    atc: round1(plan.atcMs / 1000),
    close: round1(plan.closeMs / 1000),
  };
}

/** The hand-off latency figures of the result (whole microseconds). */
function latencyFigures(latency: LatencyHistogram): Pick<SoakResult, 'p50Us' | 'p99Us' | 'p999Us' | 'maxUs'> {
  return {
    p50Us: Math.round(latency.percentile(0.5)),
    p99Us: Math.round(latency.percentile(0.99)),
    p999Us: Math.round(latency.percentile(0.999)),
    maxUs: Math.round(latency.max),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
