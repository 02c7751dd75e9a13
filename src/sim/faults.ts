/**
 * Fault injection. `SimulatorFaults` is the public face (`sim.faults`); the
 * stall bookkeeping lives in `StallClock`, which the generator consults on
 * every tick.
 */
import { SimulatorError } from './errors.js';
import { SYMBOL_RE } from './options.js';

/** Operations the simulator performs for the fault API. */
export interface FaultHost {
  dropConnections(): number;
  expireTokens(): void;
  publishMalformed(count: number): number;
  outage(ms: number): void;
  readonly stalls: StallClock;
}

/** When the feed, or a symbol, is stalled (monotonic ms, performance.now()). */
export class StallClock {
  private feedUntil = 0;
  private readonly symbolUntil = new Map<string, number>();

  /** Stalls the whole feed until `until`. */
  stallFeed(until: number): void {
    this.feedUntil = Math.max(this.feedUntil, until);
  }

  /** Stalls one symbol until `until`. */
  stallSymbol(symbol: string, until: number): void {
    this.symbolUntil.set(symbol, Math.max(this.symbolUntil.get(symbol) ?? 0, until));
  }

  /** True while the whole feed is stalled. */
  feedStalled(now: number): boolean {
    return now < this.feedUntil;
  }

  /** True while `symbol` is stalled (the whole-feed stall not included). */
  symbolStalled(symbol: string, now: number): boolean {
    const until = this.symbolUntil.get(symbol);
    if (until === undefined) return false;
    if (now < until) return true;
    this.symbolUntil.delete(symbol);
    return false;
  }

  /** Ends every stall. */
  clear(): void {
    this.feedUntil = 0;
    this.symbolUntil.clear();
  }
}

function checkMs(name: string, ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 86_400_000) {
    throw new SimulatorError('ERR_SIM_ARGUMENT', `${name}: must be a number of milliseconds between 0 and 86400000`);
  }
}

/** Fault injection on a running simulator (`sim.faults`). */
export class SimulatorFaults {
  /** @internal */
  constructor(private readonly host: FaultHost) {}

  /** Cuts every MQTT connection abruptly; returns how many were cut. */
  dropConnections(): number {
    return this.host.dropConnections();
  }

  /**
   * Every token expires now: access tokens (the dispatcher-token endpoint
   * answers 401), dispatcher tokens (upgrades are refused), and every
   * connected MQTT client is disconnected. New logins get fresh tokens.
   */
  expireTokens(): void {
    this.host.expireTokens();
  }

  /** Publishes nothing for `symbol` for `ms` milliseconds (no backlog afterwards). */
  stallSymbol(symbol: string, ms: number): void {
    if (typeof symbol !== 'string' || !SYMBOL_RE.test(symbol)) {
      throw new SimulatorError('ERR_SIM_ARGUMENT', 'symbol: must be an upper-case SET symbol');
    }
    checkMs('ms', ms);
    this.host.stalls.stallSymbol(symbol, performance.now() + ms);
  }

  /** Publishes nothing at all for `ms` milliseconds (connections stay up). */
  stallFeed(ms: number): void {
    checkMs('ms', ms);
    this.host.stalls.stallFeed(performance.now() + ms);
  }

  /**
   * A network outage of `ms` milliseconds: every live MQTT connection is cut
   * now, and until it ends WebSocket upgrades and REST calls are answered
   * 503. Counted in `stats().outages`. A second call extends the outage.
   */
  outage(ms: number): void {
    checkMs('ms', ms);
    this.host.outage(ms);
  }

  /**
   * Publishes `count` payloads that no conforming decoder accepts (truncated
   * varints, lengths past the end, invalid wire types), round-robin over the
   * topics that have a subscriber. Returns how many were published (0 when
   * nobody is subscribed).
   */
  publishMalformed(count: number): number {
    if (!Number.isInteger(count) || count < 0 || count > 1_000_000) {
      throw new SimulatorError('ERR_SIM_ARGUMENT', 'count: must be an integer between 0 and 1000000');
    }
    return this.host.publishMalformed(count);
  }
}
