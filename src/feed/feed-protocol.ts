/**
 * Messages between a feed's calling thread and its worker (structured-clone
 * only: plain objects, no functions, no class instances).
 */
import { SettradeFeedError, type ErrorCode } from '../errors.js';
import type { DispatcherHandle } from '../dispatcher/index.js';
import type { ClientState, ReconnectInfo, SettradeClientStats } from '../transport/client.js';
import type { ResolvedClientOptions } from '../transport/options.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import type { BidOfferAdapterStats } from '../adapter/adapter.js';

/**
 * The client's options as `resolveClientOptions` returned them in the
 * calling thread (validated, defaults filled in), minus what cannot be
 * cloned: no logger, and `endpoint` only as a URL string.
 */
export type WorkerClientOptions = Omit<ResolvedClientOptions, 'logger' | 'endpoint'> & { readonly endpoint?: string };

/** `workerData` of the feed worker. */
export interface FeedWorkerData {
  readonly clientOptions: WorkerClientOptions;
  readonly fullDepth: boolean;
  readonly symbols: readonly string[];
  /** The rings, in shard order (one unless `shards` > 1). */
  readonly handles: readonly DispatcherHandle[];
  /** Forward log records to the caller's logger (else the worker logs on its own stderr). */
  readonly forwardLogs: boolean;
  /**
   * One BigInt64 where the worker stores its client's epoch whenever a session
   * comes up, before any message of it is pushed: the feed reads it after the
   * worker died (its last messages may never arrive) to start the next one past it.
   */
  readonly epochCell: SharedArrayBuffer;
}

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly status?: number;
  readonly causeCode?: string;
}

/** Client + adapter counters, as the side running them reports them. */
export interface ProducerStats {
  readonly client: SettradeClientStats;
  readonly adapter: BidOfferAdapterStats;
}

/**
 * Counters of a feed. `client` and `adapter` are those of the current worker
 * (they start from 0 again when a worker is restarted, like a process's);
 * the feed's own counters survive restarts.
 */
export interface FeedStats extends ProducerStats {
  /** Subscriptions the service rejected (`subscribeError` events). */
  readonly subscribeErrors: number;
  /** Times the worker was restarted after it died (0 in-thread). */
  readonly workerRestarts: number;
}

/** Test-only hook (not part of the public API): make the worker die the way a bug would. */
export type WorkerTestHook =
  | { readonly action: 'crash'; readonly how: 'throw' }
  | { readonly action: 'crash'; readonly how: 'exit'; readonly exitCode: number };

export type ToWorker =
  | { readonly type: 'subscribe'; readonly symbol: string }
  | { readonly type: 'unsubscribe'; readonly symbol: string }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'shutdown' }
  | { readonly type: 'testHook'; readonly hook: WorkerTestHook };

export type FromWorker =
  | { readonly type: 'state'; readonly state: ClientState; readonly previous: ClientState }
  | { readonly type: 'error'; readonly error: SerializedError }
  | { readonly type: 'reconnect'; readonly info: ReconnectInfo }
  | { readonly type: 'subscribeError'; readonly event: SubscribeErrorEvent }
  | { readonly type: 'connected'; readonly epoch: number }
  | { readonly type: 'connectFailed'; readonly error: SerializedError }
  | { readonly type: 'stats'; readonly id: number; readonly stats: ProducerStats }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly obj: object; readonly msg?: string }
  | { readonly type: 'closed' };

/** Flattens an error for postMessage (never includes a stack or a cause object). */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; status?: unknown; cause?: unknown };
    const cause = e.cause as { code?: unknown } | undefined;
    // Only the package's own codes cross as `code`; a foreign one (a Node
    // system error's ECONNREFUSED, say) is kept as causeCode under ERR_INTERNAL.
    const own = err instanceof SettradeFeedError;
    const foreignCode = !own && typeof e.code === 'string' ? e.code : undefined;
    return {
      name: e.name,
      code: own ? err.code : 'ERR_INTERNAL',
      message: e.message,
      status: typeof e.status === 'number' ? e.status : undefined,
      causeCode: typeof cause?.code === 'string' ? cause.code : foreignCode,
    };
  }
  return { name: 'Error', code: 'ERR_INTERNAL', message: String(err) };
}
