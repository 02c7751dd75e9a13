/**
 * The worker side of a feed, supervised: runs client + adapter in a worker
 * thread producing into the feed's rings, and when that worker exits for any
 * reason but `shutdown()` (an uncaught exception, `process.exit`, a
 * `terminate()` from outside) starts a new one on the same rings.
 *
 * - The new worker attaches the same SharedArrayBuffers and resumes at the
 *   rings' shared indices: a push the dead worker had not finished was never
 *   published (the write index moves last), so nothing queued is lost or torn.
 * - It subscribes the feed's current symbols and its client starts at an
 *   epoch past any the dead one reached (read from a shared cell the worker
 *   updates before a session's first message), so every event after the
 *   restart carries a higher `connectionEpoch`; once it is connected the feed
 *   emits `reconnect` with reason 'worker-restart'.
 * - Restarts back off (100 ms doubling, capped at 5 s) and are limited: a
 *   death after `maxWorkerRestarts` restarts within `workerRestartWindowMs`
 *   ends the feed (FeedWorkerExitedError, state SHUTDOWN, rings closed).
 */
import type { ResourceLimits } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { ShardedDispatcher } from '../dispatcher/index.js';
import type { ClientState, ReconnectReason } from '../transport/client.js';
import { SettradeError, type SettradeErrorCode } from '../transport/errors.js';
import { resolveClientOptions, type SettradeClientOptions } from '../transport/options.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import type { Logger } from '../util/logger.js';
import { resolveWorkerScript, startModuleWorker } from '../util/worker-script.js';
import type {
  FeedWorkerData,
  FromWorker,
  ProducerStats,
  SerializedError,
  ToWorker,
  WorkerClientOptions,
  WorkerTestHook,
} from './feed-protocol.js';
import { normalizeSymbol } from '../protocol/symbol.js';
import { RecordingWriteError, type RecordingWriteStep } from '../record/errors.js';
import type { ResolvedRecordOptions } from '../record/options.js';

/** First restart delay; doubled per restart still inside the window. */
export const WORKER_RESTART_BASE_DELAY_MS = 100;
/** Cap on a restart delay. */
export const WORKER_RESTART_MAX_DELAY_MS = 5_000;
/** How long `shutdown()` lets the worker close its connection before terminating it. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Why a feed (re)connected: the client's reasons, or a restarted worker. */
export type FeedReconnectReason = ReconnectReason | 'worker-restart';

/** Payload of a feed's `reconnect` event. */
export interface FeedReconnectInfo {
  /** The new epoch: every event of this session carries it. */
  readonly epoch: number;
  readonly reason: FeedReconnectReason;
  /** Symbols (re)subscribed. */
  readonly subscriptions: number;
  /** 'worker-restart' only: exit code of the worker that died. */
  readonly exitCode?: number;
  /** 'worker-restart' only: the uncaught error that killed it, when there was one. */
  readonly cause?: string;
}

/**
 * The feed's worker kept dying and the feed gave up (code ERR_WORKER_EXITED):
 * `exitCode` and `cause` describe the last death.
 */
export class FeedWorkerExitedError extends SettradeError {
  /** Exit code of the last worker. */
  readonly exitCode: number;
  /** Restarts within the window before this death. */
  readonly restarts: number;

  constructor(exitCode: number, cause: string | undefined, restarts: number, windowMs: number) {
    super(
      'ERR_WORKER_EXITED',
      `feed worker exited (code ${exitCode}${cause ? `: ${cause}` : ''}) after ${restarts} restart${restarts === 1 ? '' : 's'} within ${windowMs} ms; giving up`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'FeedWorkerExitedError';
    this.exitCode = exitCode;
    this.restarts = restarts;
  }
}

/** What an engine tells its feed. */
export interface FeedHost {
  /** A state change of the client (the feed dedupes and emits it). */
  reportState(next: ClientState): void;
  reportError(err: SettradeError): void;
  reportReconnect(info: FeedReconnectInfo): void;
  reportSubscribeError(event: SubscribeErrorEvent): void;
  /** The producer side is gone for good: the feed ends (rings closed, `error`, SHUTDOWN). */
  fail(err: SettradeError): void;
}

/** What differs between the in-thread and the worker feed. */
export interface FeedEngine {
  readonly inWorker: boolean;
  /** Restarts of the worker so far (0 in-thread). */
  readonly restarts: number;
  /** Resolves once the first connection is up; rejects if it never comes up. */
  readonly started: Promise<void>;
  subscribedSymbols(): readonly string[];
  subscribe(symbol: string): string;
  unsubscribe(symbol: string): void;
  stats(): Promise<ProducerStats>;
  /** Stops producing for good (resolves when the producer side is down). */
  close(): Promise<void>;
  /** Test-only hooks. */
  readonly internals: FeedInternals;
}

/**
 * Test-only access to a feed's insides through {@link feedInternals} (not
 * exported by the package): not a public API.
 */
export interface FeedInternals {
  /** The current worker (undefined in-thread, or between a death and its restart). */
  worker(): Worker | undefined;
  /** Makes the worker die (worker mode only). */
  crash(how: 'throw' | { exitCode: number }): void;
}

const internalsOf = new WeakMap<object, FeedInternals>();

/** Records the internals of a feed (createFeed does, for every feed). */
export function registerFeedInternals(feed: object, internals: FeedInternals): void {
  internalsOf.set(feed, internals);
}

/** Tests only: the {@link FeedInternals} of a feed made by createFeed. */
export function feedInternals(feed: object): FeedInternals {
  const internals = internalsOf.get(feed);
  if (!internals) throw new TypeError('not a feed made by createFeed');
  return internals;
}

export function deserializeError(e: SerializedError): SettradeError {
  if (e.code === 'ERR_RECORDING_WRITE' && e.path !== undefined && e.step !== undefined) {
    // The worker's recording failed: the same class as in-thread, its system code kept.
    const cause = Object.assign(new Error(e.causeCode ?? e.message), e.causeCode !== undefined ? { code: e.causeCode } : {});
    return new RecordingWriteError(e.step as RecordingWriteStep, e.path, cause);
  }
  const err = new SettradeError(e.code as SettradeErrorCode, e.message);
  err.name = e.name;
  if (e.status !== undefined) Object.assign(err, { status: e.status });
  if (e.causeCode !== undefined) Object.assign(err, { causeCode: e.causeCode });
  return err;
}

/** Options of {@link WorkerFeedEngine}. */
export interface WorkerFeedEngineOptions {
  readonly host: FeedHost;
  readonly rings: ShardedDispatcher;
  readonly client: SettradeClientOptions;
  readonly fullDepth: boolean;
  readonly symbols: readonly string[];
  readonly maxWorkerRestarts: number;
  readonly workerRestartWindowMs: number;
  /** The worker's V8 heap limits (Node's defaults when undefined). */
  readonly resourceLimits: ResourceLimits | undefined;
  /** The caller's logger (worker logs are forwarded to it when given). */
  readonly userLogger: Logger | undefined;
  /** Where the supervisor logs deaths and restarts. */
  readonly logger: Logger;
  /** The `record` option: every worker records, each restart continuing the rotation. */
  readonly record?: ResolvedRecordOptions;
}

interface PendingStats {
  resolve(stats: ProducerStats): void;
  reject(err: Error): void;
}

export class WorkerFeedEngine implements FeedEngine {
  readonly inWorker = true;
  readonly started: Promise<void>;
  readonly internals: FeedInternals;

  readonly #o: WorkerFeedEngineOptions;
  readonly #script: URL;
  readonly #plainClient: WorkerClientOptions;
  readonly #subscribed: Set<string>;
  readonly #pending = new Map<number, PendingStats>();
  readonly #epochBuffer = new SharedArrayBuffer(8);
  readonly #epochCell = new BigInt64Array(this.#epochBuffer);
  readonly #recordFileBuffer = new SharedArrayBuffer(4);
  #nextId = 1;
  #worker: Worker | undefined;
  #epoch: number;
  /** performance.now() of each restart still inside the window. */
  #recentRestarts: number[] = [];
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Set from a death until the new worker is connected: how the last one ended. */
  #restartOf: { exitCode: number; cause: string | undefined } | undefined;
  #connectedOnce = false;
  #closing = false;
  #failed: SettradeError | undefined;
  #settleStart: { resolve(): void; reject(err: Error): void } | undefined;
  #exited: (() => void) | undefined;

  constructor(options: WorkerFeedEngineOptions) {
    this.#o = options;
    // Resolved here (defaults filled, already validated by createFeed), so
    // the worker takes them as they are and never loads zod.
    const { logger: _logger, ...plain } = resolveClientOptions(options.client);
    this.#plainClient = plain as WorkerClientOptions;
    this.#subscribed = new Set(options.symbols);
    this.#epoch = options.client.initialEpoch ?? 0;
    Atomics.store(this.#epochCell, 0, BigInt(this.#epoch));
    Atomics.store(new Int32Array(this.#recordFileBuffer), 0, -1);
    this.#script = resolveWorkerScript(import.meta.url, 'feed-worker');
    this.started = new Promise<void>((resolve, reject) => (this.#settleStart = { resolve, reject }));
    this.internals = {
      worker: () => this.#worker,
      crash: (how) => this.#testHook(how === 'throw' ? { action: 'crash', how } : { action: 'crash', how: 'exit', exitCode: how.exitCode }),
    };
    this.#spawn();
  }

  get restarts(): number {
    return this.#restarts;
  }

  subscribedSymbols(): readonly string[] {
    return [...this.#subscribed].sort();
  }

  subscribe(symbol: string): string {
    const s = normalizeSymbol(symbol);
    if (!this.#subscribed.has(s)) {
      this.#subscribed.add(s);
      this.#send({ type: 'subscribe', symbol: s });
    }
    return s;
  }

  unsubscribe(symbol: string): void {
    const s = normalizeSymbol(symbol);
    if (this.#subscribed.delete(s)) this.#send({ type: 'unsubscribe', symbol: s });
  }

  stats(): Promise<ProducerStats> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new SettradeError('ERR_SHUTDOWN', 'feed is shut down'));
    const id = this.#nextId++;
    return new Promise<ProducerStats>((resolve, reject) => {
      // Sent now, or by #spawn to the next worker when this one is restarting.
      this.#pending.set(id, { resolve, reject });
      this.#send({ type: 'stats', id });
    });
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const worker = this.#worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => (this.#exited = resolve));
      worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
      const timer = setTimeout(() => void worker.terminate(), SHUTDOWN_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.#rejectPending(new SettradeError('ERR_SHUTDOWN', 'feed is shut down'));
    this.#settleStart?.reject(new SettradeError('ERR_SHUTDOWN', 'feed shut down before it connected'));
  }

  #send(m: ToWorker): void {
    this.#worker?.postMessage(m);
  }

  #testHook(hook: WorkerTestHook): void {
    if (!this.#worker) throw new Error('no worker running');
    this.#send({ type: 'testHook', hook });
  }

  #spawn(): void {
    const initialEpoch = this.#restartOf ? Math.max(this.#epoch, Number(Atomics.load(this.#epochCell, 0))) + 1 : this.#epoch;
    const data: FeedWorkerData = {
      clientOptions: { ...this.#plainClient, initialEpoch },
      fullDepth: this.#o.fullDepth,
      symbols: [...this.#subscribed],
      handles: this.#o.rings.handles,
      forwardLogs: this.#o.userLogger !== undefined,
      epochCell: this.#epochBuffer,
      ...(this.#o.record
        ? { record: { options: this.#o.record, fileCell: this.#recordFileBuffer, restarted: this.#restartOf !== undefined } }
        : {}),
    };
    const worker = startModuleWorker(this.#script, { workerData: data, resourceLimits: this.#o.resourceLimits });
    this.#worker = worker;
    let cause: string | undefined;
    worker.on('message', (m: FromWorker) => {
      if (worker === this.#worker) this.#onMessage(m);
    });
    // An uncaught exception in the worker: 'exit' follows.
    worker.on('error', (err) => (cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err)));
    worker.once('exit', (code) => this.#onExit(worker, code, cause));
    // Stats asked while no worker was running (or of the one that died).
    for (const id of this.#pending.keys()) worker.postMessage({ type: 'stats', id } satisfies ToWorker);
  }

  #onMessage(m: FromWorker): void {
    const host = this.#o.host;
    switch (m.type) {
      case 'state':
        // A restarted worker's client starts over (INIT, CONNECTING): to the feed's users it is reconnecting.
        if (this.#restartOf && this.#connectedOnce && (m.state === 'INIT' || m.state === 'CONNECTING')) host.reportState('RECONNECTING');
        else host.reportState(m.state);
        break;
      case 'error':
        host.reportError(deserializeError(m.error));
        break;
      case 'reconnect':
        this.#epoch = Math.max(this.#epoch, m.info.epoch);
        host.reportReconnect(m.info);
        break;
      case 'subscribeError':
        host.reportSubscribeError(m.event);
        break;
      case 'connected': {
        this.#epoch = Math.max(this.#epoch, m.epoch);
        const restart = this.#restartOf;
        this.#restartOf = undefined;
        if (restart && this.#connectedOnce) {
          host.reportReconnect({ epoch: m.epoch, reason: 'worker-restart', subscriptions: this.#subscribed.size, ...restart });
        }
        this.#connectedOnce = true;
        this.#settleStart?.resolve();
        this.#settleStart = undefined;
        break;
      }
      case 'connectFailed':
        // The client gave up; it has reported SHUTDOWN, which ends the feed.
        this.#settleStart?.reject(deserializeError(m.error));
        this.#settleStart = undefined;
        break;
      case 'stats':
        this.#pending.get(m.id)?.resolve(m.stats);
        this.#pending.delete(m.id);
        break;
      case 'log':
        this.#o.userLogger?.[m.level](m.obj, m.msg);
        break;
      case 'closed':
        break;
    }
  }

  #onExit(worker: Worker, exitCode: number, cause: string | undefined): void {
    if (worker !== this.#worker) return;
    this.#worker = undefined;
    // The worker is gone (joined): settle a push it may have been stopped in the middle of.
    let settled = 0;
    for (const d of this.#o.rings.shards) if (d.settleDeadProducer()) settled++;
    if (settled > 0) this.#o.logger.warn({ exitCode, rings: settled }, 'feed worker stopped mid-push: that event is lost, counts settled');
    if (this.#closing) {
      this.#exited?.();
      return;
    }
    this.#epoch = Math.max(this.#epoch, Number(Atomics.load(this.#epochCell, 0)));
    const now = performance.now();
    const windowMs = this.#o.workerRestartWindowMs;
    this.#recentRestarts = this.#recentRestarts.filter((t) => now - t < windowMs);
    const recent = this.#recentRestarts.length;
    if (recent >= this.#o.maxWorkerRestarts) {
      this.#giveUp(new FeedWorkerExitedError(exitCode, cause, recent, windowMs));
      return;
    }
    const delayMs = Math.min(WORKER_RESTART_BASE_DELAY_MS * 2 ** recent, WORKER_RESTART_MAX_DELAY_MS);
    this.#recentRestarts.push(now);
    this.#restarts++;
    this.#restartOf = { exitCode, cause };
    this.#o.logger.warn({ exitCode, cause, restart: recent + 1, of: this.#o.maxWorkerRestarts, delayMs }, 'feed worker exited; restarting it');
    if (this.#connectedOnce) this.#o.host.reportState('RECONNECTING');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#closing) this.#spawn();
    }, delayMs);
  }

  #giveUp(err: FeedWorkerExitedError): void {
    this.#failed = err;
    this.#closing = true;
    this.#o.logger.error({ code: err.code, exitCode: err.exitCode, restarts: err.restarts }, err.message);
    this.#rejectPending(err);
    this.#settleStart?.reject(err);
    this.#settleStart = undefined;
    this.#o.host.fail(err);
  }

  #rejectPending(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
