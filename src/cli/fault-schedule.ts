/**
 * `demo --faults`: injects the simulator's faults one after another on a
 * timer, so a user watches the pipeline recover (reconnect with a new epoch,
 * parse errors counted, a stale symbol, a dead feed coming back).
 */

/** The simulator's fault controls the schedule uses (`sim.faults`). */
export interface FaultTarget {
  dropConnections(): unknown;
  expireTokens(): unknown;
  stallSymbol(symbol: string, ms: number): unknown;
  stallFeed(ms: number): unknown;
  publishMalformed(count: number): unknown;
}

/** The kinds of fault, in the order they are injected. */
// Malformed payloads go first, while the first connection is surely up (QoS 0: nothing is queued for a client that is reconnecting).
export const FAULT_KINDS = ['publishMalformed', 'dropConnections', 'stallSymbol', 'expireTokens', 'stallFeed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options of {@link FaultSchedule}. */
export interface FaultScheduleOptions {
  readonly target: FaultTarget;
  readonly symbols: readonly string[];
  /** Time between two faults (ms). */
  readonly intervalMs: number;
  /** How long a stall lasts (ms). */
  readonly stallMs: number;
  /** Malformed payloads per injection. */
  readonly malformedCount: number;
  /** Inject at most this many faults (with a fixed run time: leaves time to show recovery). */
  readonly maxFaults?: number;
  /** Told about each fault as it is injected (e.g. to note the event count then). */
  readonly onFault?: (kind: FaultKind, description: string) => void;
}

/** Defaults of the schedule's timings. */
export const FAULT_SCHEDULE_DEFAULTS = { intervalMs: 2000, stallMs: 2500, malformedCount: 5 } as const;

/** Injects faults round-robin on a timer. */
export class FaultSchedule {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private startedAt = 0;
  /** Faults injected per kind. */
  readonly byKind: Record<FaultKind, number> = { dropConnections: 0, publishMalformed: 0, stallSymbol: 0, expireTokens: 0, stallFeed: 0 };
  /** Faults injected in all. */
  injected = 0;
  /** Description of the last fault. */
  last: string | undefined;
  /** When the last fault was injected (ms since start()). */
  lastAtMs: number | undefined;

  constructor(private readonly options: FaultScheduleOptions) {}

  /** Starts the timer; the first fault comes after one interval. */
  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.injectNext(), this.options.intervalMs);
  }

  /** Stops injecting (faults already running, such as a stall, run out by themselves). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Injects the next fault of the cycle now. */
  injectNext(): void {
    const elapsed = performance.now() - this.startedAt;
    if (this.options.maxFaults !== undefined && this.injected >= this.options.maxFaults) {
      this.stop();
      return;
    }
    const kind = FAULT_KINDS[this.next % FAULT_KINDS.length];
    const { target, symbols, stallMs, malformedCount } = this.options;
    let description: string;
    switch (kind) {
      case 'dropConnections':
        target.dropConnections();
        description = 'dropped every MQTT connection';
        break;
      case 'publishMalformed':
        target.publishMalformed(malformedCount);
        description = `published ${malformedCount} malformed payloads`;
        break;
      case 'stallSymbol': {
        const symbol = symbols[Math.floor(this.next / FAULT_KINDS.length) % symbols.length];
        target.stallSymbol(symbol, stallMs);
        description = `stalled ${symbol} for ${(stallMs / 1000).toFixed(1)}s`;
        break;
      }
      case 'expireTokens':
        target.expireTokens();
        description = 'expired every token';
        break;
      case 'stallFeed':
        target.stallFeed(stallMs);
        description = `stalled the whole feed for ${(stallMs / 1000).toFixed(1)}s`;
        break;
    }
    this.next++;
    this.injected++;
    this.byKind[kind]++;
    this.last = description;
    this.lastAtMs = elapsed;
    this.options.onFault?.(kind, description);
  }
}
