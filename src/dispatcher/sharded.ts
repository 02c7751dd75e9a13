/**
 * Several consumers: N independent SPSC rings, the producer routing each
 * event by a stable hash of its symbol, so a symbol always lands on the same
 * ring and its events stay in order. Each consumer attaches to one ring.
 */
import type { BidOfferEvent, ReceiveMeta } from '../events/types.js';
import { Dispatcher, type AttachOptions, type DispatcherHandle, type DispatcherHealth, type DispatcherStats } from './dispatcher.js';
import { InvalidOptionError } from './errors.js';
import type { DispatcherOptions } from './options.js';

/** Options of `new ShardedDispatcher(...)`: the ring options (applied to every shard) plus the shard count. */
export interface ShardedDispatcherOptions extends DispatcherOptions {
  /** Number of rings (one per consumer), 1 to 64. */
  shards: number;
}

/**
 * Shard of `symbol` among `shards`: FNV-1a (32-bit) over the symbol's UTF-16
 * code units, modulo `shards`. Stable across processes, threads and versions
 * (consumers may compute it too).
 */
export function shardOf(symbol: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export class ShardedDispatcher {
  /** The rings, index = shard number. */
  readonly shards: readonly Dispatcher[];

  /** @param options ring options for every shard, plus `shards`. Throws InvalidOptionError naming the option. */
  constructor(options: ShardedDispatcherOptions) {
    const n = options?.shards;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64) {
      throw new InvalidOptionError('shards', `must be an integer from 1 to 64, got ${String(n)}`);
    }
    const { shards: _n, ...ring } = options;
    this.shards = Object.freeze(Array.from({ length: n }, () => new Dispatcher(ring)));
  }

  /** Producer-side view over rings created elsewhere (e.g. in the main thread), in shard order. */
  static attach(handles: readonly DispatcherHandle[], options: AttachOptions = {}): ShardedDispatcher {
    if (!Array.isArray(handles) || handles.length < 1 || handles.length > 64) {
      throw new InvalidOptionError('handles', 'must be an array of 1 to 64 Dispatcher handles');
    }
    const self = Object.create(ShardedDispatcher.prototype) as { shards: readonly Dispatcher[] };
    self.shards = Object.freeze(handles.map((h) => Dispatcher.attach(h, options)));
    return self as ShardedDispatcher;
  }

  /** Structured-cloneable handles, one per shard: give handle i to consumer i. */
  get handles(): DispatcherHandle[] {
    return this.shards.map((d) => d.handle);
  }

  /** The event kind of every shard. */
  get kind(): Dispatcher['kind'] {
    return this.shards[0]!.kind;
  }

  /** The ring `symbol` is routed to. */
  shardFor(symbol: string): Dispatcher {
    return this.shards[shardOf(symbol, this.shards.length)]!;
  }

  /** Pushes `event` onto its symbol's ring (see Dispatcher.push). */
  push(event: BidOfferEvent): boolean {
    return this.shardFor(event.symbol).push(event);
  }

  /** Same as `push` (see Dispatcher.tryPush). */
  tryPush(event: BidOfferEvent): boolean {
    return this.shardFor(event.symbol).tryPush(event);
  }

  /**
   * Decodes `payload` onto the ring of `symbol` (the symbol from the MQTT
   * topic: it is known before decoding). See Dispatcher.pushPayload.
   */
  pushPayload(symbol: string, payload: Uint8Array, meta?: Partial<ReceiveMeta>): boolean {
    return this.shardFor(symbol).pushPayload(payload, meta);
  }

  /** Per-shard counters, in shard order. */
  stats(): DispatcherStats[] {
    return this.shards.map((d) => d.stats());
  }

  /** Per-shard health, in shard order. */
  health(): DispatcherHealth[] {
    return this.shards.map((d) => d.health());
  }

  /** Closes every ring for good (see Dispatcher.close): their consumers drain, then end. */
  close(): void {
    for (const d of this.shards) d.close();
  }

  /** Clears every ring (only while no side is running). */
  clear(): void {
    for (const d of this.shards) d.clear();
  }
}
