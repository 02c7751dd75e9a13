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
import type { ResolvedRecordOptions } from '../record/options.js';
import type { RecordingStats } from '../record/writer.js';

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
  /** The `record` option, when the feed records (the worker writes the file). */
  readonly record?: WorkerRecording;
}

/** What a feed worker needs to record. */
export interface WorkerRecording {
  readonly options: ResolvedRecordOptions;
  /**
   * One Int32 holding the rotation index of the last file a worker started
   * (-1 before any): a restarted worker continues with the next index, so it
   * never overwrites what the dead one wrote.
   */
  readonly fileCell: SharedArrayBuffer;
  /** This worker replaces one that died (its first session is recorded as a reconnect). */
  readonly restarted: boolean;
}

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly status?: number;
  readonly causeCode?: string;
  /** ERR_RECORDING_WRITE only: the file and the failed step. */
  readonly path?: string;
  readonly step?: string;
}

/** Client + adapter counters, as the side running them reports them. */
export interface ProducerStats {
  readonly client: SettradeClientStats;
  readonly adapter: BidOfferAdapterStats;
  /** With `record`: the recording's counters (of the current worker in worker mode). */
  readonly recording?: RecordingStats;
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
    const rec = e as { path?: unknown; step?: unknown };
    return {
      ...(own && err.code === 'ERR_RECORDING_WRITE' && typeof rec.path === 'string' && typeof rec.step === 'string'
        ? { path: rec.path, step: rec.step }
        : {}),
      name: e.name,
      code: own ? err.code : 'ERR_INTERNAL',
      message: e.message,
      status: typeof e.status === 'number' ? e.status : undefined,
      causeCode: typeof cause?.code === 'string' ? cause.code : foreignCode,
    };
  }
  return { name: 'Error', code: 'ERR_INTERNAL', message: String(err) };
}
