/**
 * The embedded Settrade Open API simulator: REST login + dispatcher token,
 * an MQTT broker over WebSocket at the dispatcher path, and a market
 * generator publishing BidOfferV3 books, all on 127.0.0.1.
 *
 * Host decision shared with the client: the dispatcher response carries
 * `hosts: ['127.0.0.1:<port>']` (with the port); a client uses ws:// when the
 * base URL is http:// on loopback, wss:// otherwise.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../util/logger.js';
import { generateAppKeys, type AppKeys } from './auth-keys.js';
import { SimulatorError } from './errors.js';
import { SimulatorFaults, StallClock } from './faults.js';
import { MarketGenerator } from './market-generator.js';
import { MqttGateway } from './mqtt-gateway.js';
import { topicOf } from '../protocol/symbol.js';
import { parseBurst, resolveSimulatorOptions, type BurstOptions, type MarketPhase, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';
import { encodeBook, MALFORMED_PAYLOADS, type SimBook } from './proto-encoder.js';
import { BurstRunner, type BurstStats } from './burst.js';
import type { PublisherAccounting } from './fast-publisher.js';
import { createRestHandler, type RestRequestInfo } from './rest-server.js';
import { TokenStore } from './token-store.js';

/** Credentials of the simulator's one app. `appSecret` is a secret: do not log it. */
export interface SimulatorCredentials {
  /** App id (the login `apiKey`). */
  appId: string;
  /** base64 of the 32-byte big-endian P-256 private scalar. */
  appSecret: string;
  /** App code in the login path. */
  appCode: string;
  /** Broker id in every path. */
  brokerId: string;
}

/** What {@link Simulator.start} resolves to. */
export interface SimulatorStartInfo {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Credentials that log in to this simulator. */
  credentials: SimulatorCredentials;
}

/** A published book, as the decoders should see it (prices in THB as units + nanos * 1e-9). */
export interface PublishedBook {
  bidPrices: number[];
  askPrices: number[];
  bidVolumes: number[];
  askVolumes: number[];
  /** Wire BidAskFlag (1 NORMAL, 2 ATO, 3 ATC). */
  bidFlag: number;
  /** Wire BidAskFlag (1 NORMAL, 2 ATO, 3 ATC). */
  askFlag: number;
}

/** Payload of the 'published' event. */
export interface PublishedMessage {
  symbol: string;
  topic: string;
  payload: Uint8Array;
  book: PublishedBook;
}

/** The simulator side of the accounting (see {@link Simulator.accounting}). */
export interface SimAccounting extends PublisherAccounting {
  /** Well-formed messages published per symbol (as in `stats()`). */
  readonly publishedBySymbol: Record<string, number>;
  /** Malformed payloads published per symbol. */
  readonly malformedBySymbol: Record<string, number>;
}

/** Counters from {@link Simulator.stats}. */
export interface SimulatorStats {
  /** Well-formed messages published per symbol. */
  publishedBySymbol: Record<string, number>;
  /** Well-formed messages published in all. */
  totalPublished: number;
  /** Malformed payloads published. */
  malformed: number;
  /** Messages not written to a connection that was too far behind (QoS 0 load shedding, per connection). */
  shed: number;
  /** Open MQTT connections. */
  connections: number;
  /** MQTT connections accepted since start. */
  totalConnections: number;
  /** MQTT upgrades refused. */
  rejectedUpgrades: number;
  /** Successful logins. */
  logins: number;
  /** Refused logins. */
  rejectedLogins: number;
  /** Successful refresh-token calls. */
  refreshes: number;
  /** Refused refresh-token calls (used, expired or unknown refresh tokens). */
  rejectedRefreshes: number;
  /** MQTT PINGREQs answered (keepalive round trips). */
  pings: number;
  /** SUBSCRIBEs to a symbol outside the universe (each answered on the subscribe-error topic). */
  rejectedSubscriptions: number;
  /** Outages started by `faults.outage()`. */
  outages: number;
  /** True while an outage lasts. */
  outageActive: boolean;
  /** Current market phase. */
  phase: MarketPhase;
  /** The current or last burst, if any. */
  burst: BurstStats | undefined;
}

/** Typed events of {@link Simulator}. */
export interface SimulatorEvents {
  /** A well-formed message was published (emitted only when listened to). */
  published: [PublishedMessage];
  /** An MQTT client completed the WebSocket upgrade. */
  clientConnected: [];
  /** An MQTT connection closed. */
  clientDisconnected: [reason: 'closed' | 'token-expired' | 'dropped'];
  /** A symbol got its first subscriber. */
  subscribed: [symbol: string];
  /** An upgrade was refused. */
  upgradeRejected: [info: { status: number; code: string }];
  /** A login attempt finished. */
  login: [info: { ok: boolean; code: string }];
  /** A refresh-token call finished. */
  refresh: [info: { ok: boolean; code: string }];
  /** A REST request arrived (method, path and the client's User-Agent and Content-Type). */
  request: [info: RestRequestInfo];
  /** A SUBSCRIBE named a symbol outside the universe. */
  subscribeRejected: [symbol: string];
  /** The phase changed. */
  phase: [phase: MarketPhase];
  /** A burst finished. */
  burstEnd: [stats: BurstStats];
}

interface SymbolState {
  carry: number;
  published: number;
}

type LifeState = 'idle' | 'starting' | 'running' | 'stopped';

/** The embedded Settrade Open API simulator. */
export class Simulator extends EventEmitter<SimulatorEvents> {
  /** Fault injection. */
  readonly faults: SimulatorFaults;
  private readonly opts: ResolvedSimulatorOptions;
  private readonly log: Logger;
  private readonly keys: AppKeys;
  private readonly appId = 'sim-' + randomBytes(8).toString('hex');
  private readonly tokens = new TokenStore();
  private readonly gateway: MqttGateway;
  private readonly generator: MarketGenerator;
  private readonly stalls = new StallClock();
  private readonly symbols = new Map<string, SymbolState>();
  private readonly burstRunner: BurstRunner;
  private server: Server | undefined;
  private port = 0;
  private life: LifeState = 'idle';
  private stopping: Promise<void> | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private phaseTimer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private currentPhase: MarketPhase;
  private tokenLifetimeSec: number;
  private ratePerSymbol: number;
  private readonly malformedBySymbol = new Map<string, number>();
  private malformedIndex = 0;
  /** Round-robin position over the subscribed topics, kept across calls. */
  private malformedTopicIndex = 0;
  /** End of the current outage (performance.now() ms); 0 when none. */
  private outageUntil = 0;
  private counters = {
    shed: 0,
    malformed: 0,
    totalPublished: 0,
    totalConnections: 0,
    rejectedUpgrades: 0,
    logins: 0,
    rejectedLogins: 0,
    refreshes: 0,
    rejectedRefreshes: 0,
    pings: 0,
    rejectedSubscriptions: 0,
    outages: 0,
  };

  /** Validates options (throws SimulatorError naming the field) and generates the app key pair. */
  constructor(options: SimulatorOptions = {}) {
    super();
    this.opts = resolveSimulatorOptions(options);
    this.log = this.opts.logger ?? silentLogger;
    this.currentPhase = this.opts.phase;
    this.tokenLifetimeSec = this.opts.tokenLifetimeSec;
    this.ratePerSymbol = this.opts.ratePerSymbol;
    this.keys = generateAppKeys();
    this.generator = new MarketGenerator(this.opts.seed, this.opts.initialPrices);
    this.gateway = new MqttGateway(this.opts.brokerId, this.tokens, {
      onUpgradeRejected: (status, code) => {
        this.counters.rejectedUpgrades++;
        this.log.info({ status, code }, 'sim: upgrade rejected');
        this.emit('upgradeRejected', { status, code });
      },
      onClientConnected: () => {
        this.counters.totalConnections++;
        this.emit('clientConnected');
      },
      onClientDisconnected: (reason) => this.emit('clientDisconnected', reason),
      onPing: () => this.counters.pings++,
      onSymbolSubscribed: (symbol) => this.emit('subscribed', symbol),
      onDelivered: (count) => this.burstRunner.delivered(performance.now(), count),
      onSubscribeRejected: (symbol) => {
        this.counters.rejectedSubscriptions++;
        this.log.info({ symbol }, 'sim: subscription outside the universe rejected');
        this.emit('subscribeRejected', symbol);
      },
      unavailable: () => this.inOutage(),
    }, { universe: this.opts.universe, tokenType: this.opts.tokenType });
    this.burstRunner = new BurstRunner((symbol, payload) => this.gateway.publish(symbol, payload), (s) =>
      this.emit('burstEnd', s),
    );
    this.faults = new SimulatorFaults({
      dropConnections: () => this.gateway.dropConnections(),
      expireTokens: () => {
        this.tokens.expireAll();
        this.gateway.dropConnections('token-expired');
      },
      publishMalformed: (count) => this.publishMalformed(count),
      outage: (ms) => {
        this.outageUntil = Math.max(this.outageUntil, performance.now() + ms);
        this.counters.outages++;
        this.log.info({ ms }, 'sim: outage');
        this.gateway.dropConnections();
      },
      stalls: this.stalls,
    });
  }

  /** The credentials of the simulator's app (valid before and after start). */
  get credentials(): SimulatorCredentials {
    return { appId: this.appId, appSecret: this.keys.appSecret, appCode: this.opts.appCode, brokerId: this.opts.brokerId };
  }

  /** `http://127.0.0.1:<port>` once started. */
  get baseUrl(): string {
    if (this.life !== 'running') throw new SimulatorError('ERR_SIM_STATE', 'simulator is not running');
    return `http://127.0.0.1:${this.port}`;
  }

  /** The current market phase. */
  get phase(): MarketPhase {
    return this.currentPhase;
  }

  /** Starts listening on 127.0.0.1 and publishing. Can be called once. */
  async start(): Promise<SimulatorStartInfo> {
    if (this.life !== 'idle') throw new SimulatorError('ERR_SIM_STATE', `start() called on a ${this.life} simulator`);
    this.life = 'starting';
    const server = createServer(
      createRestHandler({
        brokerId: this.opts.brokerId,
        appCode: this.opts.appCode,
        appId: this.appId,
        publicKey: this.keys.publicKey,
        tokens: this.tokens,
        tokenType: this.opts.tokenType,
        unavailable: () => this.inOutage(),
        tokenLifetimeSec: () => this.tokenLifetimeSec,
        clockSkewSec: this.opts.clockSkewSec,
        mqttHost: () => `127.0.0.1:${this.port}`,
        onLogin: (ok, code) => {
          if (ok) this.counters.logins++;
          else this.counters.rejectedLogins++;
          this.emit('login', { ok, code });
        },
        onRefresh: (ok, code) => {
          if (ok) this.counters.refreshes++;
          else this.counters.rejectedRefreshes++;
          this.emit('refresh', { ok, code });
        },
        onRequest: (info) => {
          if (this.listenerCount('request') > 0) this.emit('request', info);
        },
      }),
    );
    this.server = server;
    try {
      await this.gateway.start(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.life = 'stopped';
      await this.gateway.stop(server);
      server.close();
      throw err;
    }
    this.port = (server.address() as AddressInfo).port;
    this.life = 'running';
    this.lastTick = performance.now();
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickIntervalMs);
    if (this.opts.phaseSchedule !== undefined) this.runSchedule(0);
    if (this.opts.burst !== undefined) this.burst(this.opts.burst.ratePerSecond, this.opts.burst.durationMs, { symbols: this.opts.burst.symbols });
    this.log.info({ baseUrl: this.baseUrl, brokerId: this.opts.brokerId }, 'sim: started');
    return { baseUrl: this.baseUrl, credentials: this.credentials };
  }

  /** Closes every socket, the broker and every timer. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    const wasRunning = this.life === 'running' || this.life === 'starting';
    this.life = 'stopped';
    clearInterval(this.tickTimer);
    clearTimeout(this.phaseTimer);
    this.burstRunner.stop();
    this.stalls.clear();
    const server = this.server;
    this.stopping = (async () => {
      if (!wasRunning || server === undefined) return;
      await this.gateway.stop(server);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      this.log.info({}, 'sim: stopped');
    })();
    return this.stopping;
  }

  /** Sets the market phase now (auction phases publish zero prices with ATO/ATC flags). */
  setPhase(phase: MarketPhase): void {
    if (phase !== 'ATO' && phase !== 'NORMAL' && phase !== 'ATC') {
      throw new SimulatorError('ERR_SIM_ARGUMENT', 'phase: must be ATO, NORMAL or ATC');
    }
    clearTimeout(this.phaseTimer);
    this.applyPhase(phase);
  }

  /** Lifetime of tokens issued from now on (seconds, may be fractional). */
  setTokenLifetimeSec(sec: number): void {
    if (typeof sec !== 'number' || !(sec > 0) || sec > 2_000_000) {
      throw new SimulatorError('ERR_SIM_ARGUMENT', 'tokenLifetimeSec: must be a number of seconds in (0, 2000000]');
    }
    this.tokenLifetimeSec = sec;
  }

  /**
   * Burst mode: publish `ratePerSecond` messages a second in all (spread over
   * the active symbols, or over `target.symbols` only, from pre-encoded
   * payloads) for `durationMs`, instead of the normal rate: symbols outside
   * the burst are silent until it ends. The achieved rate is in `stats().burst`.
   * Throws SimulatorError naming the field for a bad rate, duration, an empty
   * symbol list or a symbol the simulator does not publish.
   */
  burst(ratePerSecond: number, durationMs: number, target: Pick<BurstOptions, 'symbols'> = {}): void {
    const active = this.activeSymbols();
    const b = parseBurst(ratePerSecond, durationMs, target, active);
    if (this.life !== 'running') throw new SimulatorError('ERR_SIM_STATE', 'burst() needs a running simulator');
    const variants = new Map<string, Array<{ payload: Uint8Array; book: SimBook }>>();
    for (const symbol of b.symbols ?? active) {
      const sb = this.generator.book(symbol);
      const list = [];
      for (let i = 0; i < 64; i++) {
        const book = sb.next(this.currentPhase);
        list.push({ payload: encodeBook(symbol, book), book: cloneBook(book) });
      }
      variants.set(symbol, list);
    }
    this.burstRunner.begin(b, variants, performance.now());
  }

  /**
   * Messages per second per active symbol from now on (the normal rate;
   * 0 publishes nothing). Throws SimulatorError for a bad rate.
   */
  setRatePerSymbol(ratePerSymbol: number): void {
    if (typeof ratePerSymbol !== 'number' || !(ratePerSymbol >= 0) || ratePerSymbol > 1_000_000) {
      throw new SimulatorError('ERR_SIM_ARGUMENT', 'ratePerSymbol: must be a number from 0 to 1000000');
    }
    this.ratePerSymbol = ratePerSymbol;
  }

  /**
   * The data plane's accounting: per symbol what was published (well-formed
   * and malformed) and what went to no subscriber, per connection what was
   * written, shed, and still in flight when it closed. Pair it with the
   * client's counts in `reconcile()` (accounting.ts).
   */
  accounting(): SimAccounting {
    const g = this.gateway.accounting();
    const malformedBySymbol: Record<string, number> = {};
    for (const [symbol, n] of this.malformedBySymbol) malformedBySymbol[symbol] = n;
    return { ...g, publishedBySymbol: this.stats().publishedBySymbol, malformedBySymbol };
  }

  /** Current counters. */
  stats(): SimulatorStats {
    const publishedBySymbol: Record<string, number> = {};
    for (const [symbol, s] of this.symbols) publishedBySymbol[symbol] = s.published + this.burstRunner.publishedFor(symbol);
    return {
      publishedBySymbol,
      totalPublished: this.counters.totalPublished + this.burstRunner.totalPublished,
      malformed: this.counters.malformed,
      shed: this.counters.shed + this.gateway.shed,
      connections: this.gateway.connectionCount,
      totalConnections: this.counters.totalConnections,
      rejectedUpgrades: this.counters.rejectedUpgrades,
      logins: this.counters.logins,
      rejectedLogins: this.counters.rejectedLogins,
      refreshes: this.counters.refreshes,
      rejectedRefreshes: this.counters.rejectedRefreshes,
      pings: this.counters.pings,
      rejectedSubscriptions: this.counters.rejectedSubscriptions,
      outages: this.counters.outages,
      outageActive: this.inOutage(),
      phase: this.currentPhase,
      burst: this.burstRunner.stats(),
    };
  }

  /** The symbols this simulator knows (a SUBSCRIBE outside them is rejected). */
  get universe(): ReadonlySet<string> {
    return this.opts.universe;
  }

  private inOutage(): boolean {
    if (this.outageUntil === 0) return false;
    if (performance.now() < this.outageUntil) return true;
    this.outageUntil = 0;
    return false;
  }

  private activeSymbols(): Set<string> {
    const set = new Set(this.opts.symbols);
    for (const s of this.gateway.subscribedSymbols()) set.add(s);
    return set;
  }

  private state(symbol: string): SymbolState {
    let s = this.symbols.get(symbol);
    if (s === undefined) this.symbols.set(symbol, (s = { carry: 0, published: 0 }));
    return s;
  }

  private tick(): void {
    const now = performance.now();
    const dtSec = Math.min(now - this.lastTick, 1000) / 1000;
    this.lastTick = now;
    const feedStalled = this.stalls.feedStalled(now);
    if (this.burstRunner.active) {
      if (!feedStalled) this.burstRunner.tick(now, (symbol) => !this.stalls.symbolStalled(symbol, now), this.listenerCount('published') > 0 ? this.emitPublished : undefined);
      else this.burstRunner.tick(now, () => false, undefined);
      for (const symbol of this.activeSymbols()) this.state(symbol).carry = 0;
      return;
    }
    const rate = this.ratePerSymbol;
    for (const symbol of this.activeSymbols()) {
      const s = this.state(symbol);
      if (feedStalled || this.stalls.symbolStalled(symbol, now)) {
        s.carry = 0; // a stall loses messages; it does not queue them
        continue;
      }
      s.carry += rate * dtSec;
      const n = Math.floor(s.carry);
      s.carry -= n;
      for (let i = 0; i < n; i++) this.publishNext(symbol, s);
    }
  }

  private publishNext(symbol: string, s: SymbolState): void {
    const book = this.generator.book(symbol).next(this.currentPhase);
    const payload = encodeBook(symbol, book);
    if (!this.gateway.publish(symbol, payload)) {
      this.counters.shed++;
      return;
    }
    s.published++;
    this.counters.totalPublished++;
    if (this.listenerCount('published') > 0) this.emitPublished(symbol, payload, book);
  }

  private readonly emitPublished = (symbol: string, payload: Uint8Array, book: SimBook): void => {
    this.emit('published', { symbol, topic: topicOf(symbol), payload, book: toPublishedBook(book) });
  };

  private publishMalformed(count: number): number {
    if (this.life !== 'running') throw new SimulatorError('ERR_SIM_STATE', 'publishMalformed() needs a running simulator');
    // Only topics somebody listens to: a payload sent to a configured but
    // unsubscribed symbol reaches no client, and the returned count would lie.
    const symbols = [...this.gateway.subscribedSymbols()];
    if (symbols.length === 0) return 0;
    for (let i = 0; i < count; i++) {
      const payload = MALFORMED_PAYLOADS[this.malformedIndex++ % MALFORMED_PAYLOADS.length];
      const symbol = symbols[this.malformedTopicIndex++ % symbols.length]!;
      if (!this.gateway.publish(symbol, payload, true)) return i;
      this.malformedBySymbol.set(symbol, (this.malformedBySymbol.get(symbol) ?? 0) + 1);
      this.counters.malformed++;
    }
    return count;
  }

  private applyPhase(phase: MarketPhase): void {
    if (phase === this.currentPhase) return;
    this.currentPhase = phase;
    this.log.info({ phase }, 'sim: phase');
    this.emit('phase', phase);
  }

  private runSchedule(i: number): void {
    const steps = this.opts.phaseSchedule;
    if (steps === undefined || i >= steps.length) return;
    this.applyPhase(steps[i].phase);
    if (i + 1 < steps.length) this.phaseTimer = setTimeout(() => this.runSchedule(i + 1), steps[i].durationMs);
  }
}

function satangToThb(satang: number): number {
  // Same arithmetic as the decoders: units + nanos * 1e-9, in double.
  const units = Math.floor(satang / 100);
  const nanos = (satang - units * 100) * 10_000_000;
  return units + nanos * 1e-9;
}

/** The book as decoders should report it. */
export function toPublishedBook(book: SimBook): PublishedBook {
  return {
    bidPrices: Array.from(book.bidPrices, satangToThb),
    askPrices: Array.from(book.askPrices, satangToThb),
    bidVolumes: Array.from(book.bidVolumes),
    askVolumes: Array.from(book.askVolumes),
    bidFlag: book.bidFlag,
    askFlag: book.askFlag,
  };
}

function cloneBook(book: SimBook): SimBook {
  return {
    bidPrices: book.bidPrices.slice(),
    askPrices: book.askPrices.slice(),
    bidVolumes: book.bidVolumes.slice(),
    askVolumes: book.askVolumes.slice(),
    bidFlag: book.bidFlag,
    askFlag: book.askFlag,
  };
}
