/**
 * Creates the relay's JetStream stream, or updates an existing one to the
 * configured limits (so a restarted relay with new limits applies them).
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { RELAY_SUBJECTS } from './protocol.js';

/** Limits of the relay's stream. */
export interface StreamLimits {
  readonly name: string;
  /** Seconds; 0: unlimited. */
  readonly maxAgeSec: number;
  /** -1: unlimited. */
  readonly maxMsgsPerSubject: number;
  readonly storage: 'file' | 'memory';
}

const NS_PER_SEC = 1_000_000_000;

/** Ensures the stream exists with `limits`; returns its info. */
export async function ensureStream(jsm: JetStreamManager, limits: StreamLimits): Promise<StreamInfo> {
  const config = {
    subjects: [RELAY_SUBJECTS],
    retention: RetentionPolicy.Limits,
    // Old market data goes first: never refuse a new book because the stream is full.
    discard: DiscardPolicy.Old,
    max_age: limits.maxAgeSec * NS_PER_SEC,
    max_msgs_per_subject: limits.maxMsgsPerSubject,
  };
  try {
    const info = await jsm.streams.info(limits.name);
    // Storage cannot change on an existing stream: keep what is there.
    return await jsm.streams.update(limits.name, { ...info.config, ...config });
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    return jsm.streams.add({
      name: limits.name,
      storage: limits.storage === 'file' ? StorageType.File : StorageType.Memory,
      ...config,
    });
  }
}

function isStreamNotFound(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; api_error?: { err_code?: number } } | null;
  return e?.name === 'StreamNotFoundError' || /stream not found/i.test(String(e?.message ?? ''));
}
