/**
 * Several consumers: N independent SPSC rings, the producer routing each
 * event by a stable hash of its symbol, so a symbol always lands on the same
 * ring and its events stay in order. Each consumer attaches to one ring.
 */
import type { EventKind } from '../events/slot-layout.js';
import type { AcceptedEvent, ReceiveMeta } from '../events/types.js';
import { Dispatcher, type AttachOptions, type DispatcherHandle, type DispatcherHealth, type DispatcherStats } from './dispatcher.js';
import { describeValue } from '../util/options-schema.js';
import { InvalidOptionError } from './errors.js';
import { InvalidArgTypeError } from '../errors.js';
import { parseShardedDispatcherOptions, type ShardedDispatcherOptions } from './options.js';

export type { ShardedDispatcherOptions } from './options.js';

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

/** `K`: the event kind of every ring, as `Dispatcher<K>`. */
export class ShardedDispatcher<K extends EventKind = EventKind> {
  /** The rings, index = shard number. */
  readonly shards: readonly Dispatcher<K>[];

  /** @param options ring options for every shard, plus `shards`. Throws InvalidOptionError naming the option. */
  constructor(options: ShardedDispatcherOptions<K>) {
    // Validated whole (unknown keys, ring bytes) before the first ring is allocated.
    const { shards } = parseShardedDispatcherOptions(options);
    const { shards: _shards, ...ring } = options;
    this.shards = Object.freeze(Array.from({ length: shards }, () => new Dispatcher<K>(ring)));
  }

  /** Producer-side view over rings created elsewhere (e.g. in the main thread), in shard order. */
  static attach<K extends EventKind = EventKind>(handles: readonly DispatcherHandle<K>[], options: AttachOptions = {}): ShardedDispatcher<K> {
    if (!Array.isArray(handles) || handles.length < 1 || handles.length > 64) {
      throw new InvalidOptionError('handles', 'must be an array of 1 to 64 Dispatcher handles');
    }
    const self = Object.create(ShardedDispatcher.prototype) as { shards: readonly Dispatcher<K>[] };
    self.shards = Object.freeze(handles.map((h) => Dispatcher.attach<K>(h, options)));
    return self as ShardedDispatcher<K>;
  }

  /** Structured-cloneable handles, one per shard: give handle i to consumer i. */
  get handles(): DispatcherHandle<K>[] {
    return this.shards.map((d) => d.handle);
  }

  /** The event kind of every shard. */
  get kind(): K {
    return this.shards[0]!.kind;
  }

  /** The ring `symbol` is routed to. Throws a TypeError unless `symbol` is a non-empty string. */
  shardFor(symbol: string): Dispatcher<K> {
    if (typeof symbol !== 'string' || symbol.length === 0) {
      throw new InvalidArgTypeError(`symbol: must be a non-empty string, got ${describeValue(symbol)}`);
    }
    return this.shards[shardOf(symbol, this.shards.length)]!;
  }

  // The ring of `event`; an event without a usable symbol goes to ring 0,
  // whose push rejects it naming the field (InvalidEventError).
  private ringOf(event: AcceptedEvent<K>): Dispatcher<K> {
    const symbol: unknown = typeof event === 'object' && event !== null ? event.symbol : undefined;
    return typeof symbol === 'string' && symbol.length > 0 ? this.shards[shardOf(symbol, this.shards.length)]! : this.shards[0]!;
  }

  /** Pushes `event` onto its symbol's ring (see Dispatcher.push). */
  push(event: AcceptedEvent<K>): boolean {
    return this.ringOf(event).push(event);
  }

  /** Same as `push` (see Dispatcher.tryPush). */
  tryPush(event: AcceptedEvent<K>): boolean {
    return this.ringOf(event).tryPush(event);
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
