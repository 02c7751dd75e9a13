/**
 * Dispatcher: a bounded SPSC queue of events in a SharedArrayBuffer ring
 * (docs/ring-protocol.md). One producer and one consumer, in the same thread
 * or in two threads (`handle` + `Dispatcher.attach`).
 */
import { backend as loadedBackend, nativeBinding } from '../native.js';
import { slotMemory, type EventKind, type SlotMemory } from '../events/slot-layout.js';
import { slotReader, SlotView, type SlotReader } from '../events/slot-reader.js';
import { checkReceiveMeta, writeCheckedEvent, writeMeta } from '../events/slot-writer.js';
import type { AcceptedEvent, EventOf, ReceiveMeta } from '../events/types.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { DropMonitor } from './drop-monitor.js';
import { InvalidOptionError } from './errors.js';
import { InvalidArgTypeError } from '../errors.js';
import { JsRingConsumer, JsRingProducer, RingMemory, type RingConsumer, type RingProducer } from './js-ring.js';
import { NativeRing } from './native-ring.js';
import { InPlaceConsumer } from './in-place-consumer.js';
import {
  parseAttachOptions,
  parseDispatcherOptions,
  parseEventsOptions,
  ringBytes,
  type AttachOptions,
  type EventsOptions,
  type DispatcherOptions,
  type ResolvedDispatcherOptions,
  type RingBackend,
} from './options.js';
import { monoNs, wallClockAt } from '../codec/clock.js';
import { decodeIntoSlot } from '../codec/js-decoder.js';
import { ParseError } from '../codec/status.js';
import * as layout from './ring-layout.js';
import { createRing, readRingConfig, type OverflowPolicy } from './ring-layout.js';
import { waitAsync } from './wait.js';
import { describeValue, isValidated, markValidated } from '../util/options-schema.js';
import { preTouchMemory } from './pre-touch.js';
import { notePushStamp } from './push-stamp.js';
import { AdaptiveSpin } from './adaptive-spin.js';

/**
 * Structured-cloneable description of a ring: post it to a worker and
 * `Dispatcher.attach` it there. `K` is the ring's event kind: a handle typed
 * `DispatcherHandle<'fullBidOffer'>` attaches as a `Dispatcher<'fullBidOffer'>`.
 */
export interface DispatcherHandle<K extends EventKind = EventKind> extends ResolvedDispatcherOptions<K> {
  /** The ring memory (shared, not copied, by postMessage). */
  readonly buffer: SharedArrayBuffer;
}

export type { AttachOptions } from './options.js';

/** Counters of `stats()`. Exact when both sides are at rest: totalPushed - totalDropped - totalPolled == queueLen. */
export interface DispatcherStats {
  /** Push attempts (accepted or refused). */
  readonly totalPushed: number;
  /** Events handed to the consumer (by poll, drain or events()). */
  readonly totalPolled: number;
  /** Events evicted (drop-oldest) or refused (reject-newest). */
  readonly totalDropped: number;
  /**
   * Events in the ring now; on the consumer's own Dispatcher, plus the ones
   * it took out of the ring but has not handed over yet (after a throwing
   * drain callback: the next poll/drain delivers them first).
   */
  readonly queueLen: number;
  /** Capacity. */
  readonly maxSize: number;
}

/** What `health()` returns. */
export interface DispatcherHealth {
  /** EMA over push attempts of "this push dropped an event" (0..1). */
  readonly dropRateEma: number;
  /** queueLen / maxSize. */
  readonly queueUtilization: number;
  readonly totalDropped: number;
  readonly totalPushed: number;
}

export type { EventsOptions } from './options.js';

// Local copies (some loaders turn imported bindings into per-access getters).
const PUSH_ACCEPTED = layout.PUSH_ACCEPTED;
const PUSH_WAKE = layout.PUSH_WAKE;
const W = { ...layout.W } as const;
const W_WRITE = W.writeIndex;

const W_POLLED = W.polled;

const MAX_TIMER_MS = 2 ** 31 - 1;

// A poll/drain count: a positive integer (drain also takes Infinity, its default).
function checkCount(n: unknown, infinityOk: boolean): number {
  if (typeof n === 'number' && ((Number.isInteger(n) && n > 0) || (infinityOk && n === Number.POSITIVE_INFINITY))) return n;
  throw new InvalidOptionError('maxEvents', `must be a positive integer${infinityOk ? ' or Infinity' : ''}, got ${describeValue(n)}`);
}

// A new ring, its pages faulted in up front when `preTouchMemory` says so.
function newRing(o: ResolvedDispatcherOptions, logger: Logger): SharedArrayBuffer {
  let buffer: SharedArrayBuffer;
  try {
    buffer = createRing(o.kind, o.maxSize, o.overflow, o.emaAlpha);
  } catch (err) {
    // Under the 4 GiB cap the allocation can still fail (address space, limits): say which option and how much.
    if (!(err instanceof RangeError)) throw err;
    throw new InvalidOptionError('maxSize', `a ring of ${o.maxSize} events (${ringBytes(o.kind, o.maxSize)} bytes) could not be allocated: ${err.message}`);
  }
  if (!o.preTouchMemory) return buffer;
  const result = preTouchMemory(buffer);
  if (result === 'skipped' || result === 'failed') {
    logger.warn(
      { ringBytes: buffer.byteLength, preTouchMemory: result },
      'ring memory not pre-touched (not enough free memory): pages are faulted in as the ring fills',
    );
  }
  return buffer;
}

/**
 * `K` is the ring's event kind, inferred from `options.kind` (or the handle
 * of `attach`): `poll()` of a `Dispatcher<'fullBidOffer'>` returns
 * `FullBidOffer[]`. Without a literal kind it is `EventKind`, and events are
 * the union (the runtime default kind is 'bestBidAsk').
 */
export class Dispatcher<K extends EventKind = EventKind> {
  /** Event kind of the ring. */
  readonly kind: K;
  /** Capacity in events. */
  readonly maxSize: number;
  /** Overflow policy. */
  readonly overflow: OverflowPolicy;
  /** Which implementation this side uses. */
  readonly backend: RingBackend;
  /** Structured-cloneable handle for `Dispatcher.attach` in another thread. */
  readonly handle: DispatcherHandle<K>;

  private readonly ring: RingMemory;
  private readonly producer: RingProducer;
  private readonly consumer: RingConsumer;
  private readonly native: NativeRing | undefined;
  private readonly scratch: SlotMemory;
  private readonly out: SlotMemory;
  private readonly slotSize: number;
  private readonly batch: number;
  private readonly monitor: DropMonitor;
  private readonly view: SlotView<K>;
  private readonly read: SlotReader<K>;
  // poll() reads events straight out of the ring (either backend: the
  // protocol is the same, and this side keeps no state the other lacks).
  private readonly inPlace: InPlaceConsumer;
  // Events already moved out of the ring but not yet handed over (drain's
  // callback threw): served first by the next poll/drain.
  private pendingPos = 0;
  private pendingLen = 0;
  // How many of those pending events are not counted in totalPolled (the
  // ring counts a batch when it moves it out; settle() takes back what was
  // not handed over). Equals pendingLen - pendingPos after every poll/drain.
  private uncounted = 0;
  private readonly spin: AdaptiveSpin;

  /**
   * Creates a ring. Throws InvalidOptionError naming the option at fault.
   * @param options see DispatcherOptions; every field has a default (DISPATCHER_DEFAULTS).
   * @param existingRing internal: the ring memory of a handle (`Dispatcher.attach`); omitted, a new ring is created.
   */
  constructor(options: DispatcherOptions<K> = {}, existingRing?: SharedArrayBuffer) {
    const o = parseDispatcherOptions(options);
    const backend = o.backend ?? loadedBackend;
    if (backend === 'native' && !nativeBinding) {
      throw new InvalidOptionError('backend', "'native' requested but the native addon is not loaded");
    }
    const logger = o.logger ?? defaultLogger();
    const buffer = existingRing ?? newRing(o, logger);
    const config = readRingConfig(buffer);
    // The ring's kind is options.kind (validated) or, attached, the handle's
    // (checked against the header by attach): K by construction.
    const kind = config.kind as K;
    this.kind = kind;
    this.maxSize = config.capacity;
    this.overflow = config.overflow;
    this.backend = backend;
    this.slotSize = config.slotSize;
    this.batch = Math.min(o.pollBatchSize, config.capacity);
    this.spin = new AdaptiveSpin(o.spinBeforeSleepUs / 1000);
    this.handle = Object.freeze({
      buffer,
      kind,
      maxSize: config.capacity,
      overflow: config.overflow,
      dropWarningThreshold: o.dropWarningThreshold,
      emaAlpha: config.emaAlpha,
      pollBatchSize: o.pollBatchSize,
      spinBeforeSleepUs: o.spinBeforeSleepUs,
      preTouchMemory: o.preTouchMemory,
    });
    this.ring = new RingMemory(buffer, config);
    this.scratch = slotMemory(new ArrayBuffer(config.slotSize));
    this.out = slotMemory(new ArrayBuffer(config.slotSize * this.batch));
    if (backend === 'native') {
      this.native = new NativeRing(nativeBinding!, buffer, this.scratch, this.out, config.slotSize);
      this.producer = this.native;
      this.consumer = this.native;
    } else {
      this.native = undefined;
      this.producer = new JsRingProducer(this.ring, this.scratch);
      this.consumer = new JsRingConsumer(this.ring, this.out);
    }
    this.monitor = new DropMonitor(this.ring.i32, this.ring.f64, o.dropWarningThreshold, logger);
    this.view = new SlotView(kind, this.out);
    this.read = slotReader(kind);
    this.inPlace = new InPlaceConsumer(this.ring, slotMemory(buffer));
  }

  /**
   * Opens the ring described by `handle` (from another Dispatcher, usually in
   * another thread). Both objects then share one queue: use one as the
   * producer and the other as the consumer.
   */
  static attach<K extends EventKind = EventKind>(handle: DispatcherHandle<K>, options: AttachOptions = {}): Dispatcher<K> {
    if (typeof handle !== 'object' || handle === null || !(handle.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError('handle', 'must be a Dispatcher handle with a SharedArrayBuffer');
    }
    const own = parseAttachOptions(options);
    const config = readRingConfig(handle.buffer);
    if (handle.kind !== config.kind) {
      throw new InvalidOptionError('handle', `kind '${String(handle.kind)}' does not match the ring's '${config.kind}'`);
    }
    // Options the library vouched for (prevalidatedAttachOptions: a feed
    // worker attaching to its feed's own rings) make the ring options taken
    // from the handle trusted too, so that thread never loads zod.
    const trusted = isValidated(options) ? markValidated : <T>(o: T): T => o;
    return new Dispatcher<K>(
      trusted({
        kind: handle.kind,
        maxSize: config.capacity,
        overflow: config.overflow,
        emaAlpha: config.emaAlpha,
        dropWarningThreshold: handle.dropWarningThreshold,
        pollBatchSize: handle.pollBatchSize,
        spinBeforeSleepUs: own.spinBeforeSleepUs ?? handle.spinBeforeSleepUs,
        preTouchMemory: handle.preTouchMemory,
        logger: own.logger,
        backend: own.backend,
      }),
      handle.buffer,
    );
  }

  // ---- producer side ----

  /**
   * Enqueues an event (written into a slot). drop-oldest: always true (the
   * oldest event is evicted and counted when full); reject-newest: false when
   * full (counted as a drop). Throws InvalidEventError (code ERR_INVALID_EVENT) naming
   * the field for an event a slot cannot carry as given (see `checkEvent`:
   * empty or over-long symbol, NaN price, fractional or negative volume,
   * flag outside 0-255, ...), before touching the ring.
   */
  push(event: AcceptedEvent<K>): boolean {
    writeCheckedEvent(this.kind, event, this.scratch, 0);
    return this.commit(this.producer.pushScratch());
  }

  /** The seed's `put_if_fits`: same as `push`; false when reject-newest refused the event. */
  tryPush(event: AcceptedEvent<K>): boolean {
    return this.push(event);
  }

  /**
   * Decodes a BidOfferV3 payload straight into a slot and enqueues it (one
   * native call with the native backend). Missing meta: recvTs/recvMonoNs
   * now, connectionEpoch 0; meta given is checked as `push` checks it
   * (InvalidEventError naming the field). Throws the codec's ParseError on
   * malformed input; the ring is then untouched (nothing evicted, nothing counted).
   */
  pushPayload(payload: Uint8Array, meta?: Partial<ReceiveMeta>): boolean {
    if (!(payload instanceof Uint8Array)) throw new InvalidArgTypeError('payload must be a Uint8Array (or Buffer)');
    if (meta !== undefined) checkReceiveMeta(meta);
    const epoch = meta?.connectionEpoch ?? 0;
    let result: number;
    if (this.native !== undefined) {
      // Without given timestamps the native push stamps its own (no bigint per message).
      let recvTs = meta?.recvTs;
      let recvMonoNs = meta?.recvMonoNs;
      if (recvTs !== undefined || recvMonoNs !== undefined) {
        recvMonoNs ??= monoNs();
        recvTs ??= wallClockAt(recvMonoNs);
      }
      result = this.native.pushPayload(payload, epoch, recvTs, recvMonoNs);
      if (result < 0) throw new ParseError(-result);
    } else {
      // Decode into the scratch slot first: a bad payload never reaches the ring.
      // (The decoder writes every byte but the metadata, written next.)
      const status = decodeIntoSlot(this.kind, payload, this.scratch, 0);
      if (status !== 0) throw new ParseError(status);
      const mono = meta?.recvMonoNs ?? monoNs();
      const ts = meta?.recvTs ?? wallClockAt(mono);
      writeMeta(this.scratch, 0, ts, mono, epoch);
      notePushStamp(ts, mono);
      result = this.producer.pushScratch();
    }
    return this.commit(result);
  }

  /**
   * Low-level producer path (tests, benchmarks): `fill` writes the next event
   * straight into the scratch slot (`SlotLayout` offsets, byte offset 0),
   * then it is enqueued as by `push`.
   * @internal
   */
  pushSlot(fill: (mem: SlotMemory) => void): boolean {
    fill(this.scratch);
    return this.commit(this.producer.pushScratch());
  }

  private commit(result: number): boolean {
    // The native producer cannot call Atomics.notify: it reports PUSH_WAKE.
    if ((result & PUSH_WAKE) !== 0) Atomics.notify(this.ring.i32, W_WRITE);
    this.monitor.afterPush(result);
    return (result & PUSH_ACCEPTED) !== 0;
  }

  // ---- consumer side ----

  // Makes sure the out buffer holds undelivered events (up to `max`); returns how many.
  private fill(max: number): number {
    if (this.pendingPos < this.pendingLen) return this.pendingLen - this.pendingPos;
    this.pendingPos = 0;
    this.pendingLen = this.consumer.poll(max < this.batch ? max : this.batch);
    return this.pendingLen;
  }

  // totalPolled counts what was handed over: the ring counted whole batches
  // as it moved them out, so take back the events still pending (and give
  // back those delivered since). A plain store: the consumer is the only writer.
  private settle(): void {
    const held = this.pendingLen - this.pendingPos;
    if (held === this.uncounted) return;
    const f64 = this.ring.f64;
    f64[W_POLLED] = f64[W_POLLED]! + this.uncounted - held;
    this.uncounted = held;
  }

  /**
   * Removes and returns up to `maxEvents` events (a positive integer; default
   * `pollBatchSize`), oldest first, as frozen objects. Never blocks.
   */
  poll(maxEvents?: number): EventOf<K>[] {
    const max = maxEvents === undefined ? this.batch : checkCount(maxEvents, false);
    const events: EventOf<K>[] = [];
    while (events.length < max) {
      if (this.pendingPos < this.pendingLen) {
        // Left over from a drain whose callback threw: already out of the ring.
        const end = Math.min(this.pendingLen, this.pendingPos + (max - events.length));
        for (let k = this.pendingPos; k < end; k++) events.push(this.read(this.out, k * this.slotSize));
        this.pendingPos = end;
        continue;
      }
      if (this.pollInPlace(events, max - events.length) === 0) break;
    }
    this.settle();
    return events;
  }

  // Appends up to `max` events read straight from the ring slots, then takes
  // them out of the ring; returns how many (0: empty). Events whose slots the
  // producer evicted while they were read are dropped again (they may be torn).
  private pollInPlace(events: EventOf<K>[], max: number): number {
    const ring = this.inPlace;
    const read = this.read;
    const mem = ring.mem;
    const size = this.slotSize;
    for (;;) {
      const n = ring.peek(max);
      if (n === 0) return 0;
      const first = events.length;
      const end = ring.endOffset();
      let off = ring.firstOffset();
      for (let k = 0; k < n; k++) {
        events.push(read(mem, off));
        off += size;
        if (off === end) off = ring.wrapOffset();
      }
      const skipped = ring.commit(n);
      if (skipped === 0) return n;
      events.splice(first, skipped);
      if (skipped < n) return n - skipped;
    }
  }

  /**
   * Hands up to `maxEvents` events (a positive integer, or Infinity: the
   * default, everything queued), oldest first, to `fn` through one reusable
   * view (no allocation per event; the view is valid only during the call:
   * `view.toEvent()` keeps a copy). Returns how many were handed over. If
   * `fn` throws, the error propagates; the events up to and including that
   * call count as polled, and the rest stay pending (in `queueLen`) for the
   * next poll/drain.
   */
  drain(fn: (view: SlotView<K>) => void, maxEvents?: number): number {
    if (typeof fn !== 'function') throw new InvalidArgTypeError(`fn: must be a function, got ${describeValue(fn)}`);
    const max = maxEvents === undefined ? Number.POSITIVE_INFINITY : checkCount(maxEvents, true);
    let count = 0;
    const view = this.view;
    try {
      while (count < max) {
        const n = this.fill(Math.min(max - count, this.batch));
        if (n === 0) break;
        const end = Math.min(this.pendingLen, this.pendingPos + (max - count));
        while (this.pendingPos < end) {
          view.at(this.pendingPos * this.slotSize);
          this.pendingPos++;
          count++;
          fn(view);
        }
      }
    } finally {
      this.settle();
    }
    return count;
  }

  /**
   * Resolves true as soon as an event is available, false after `timeoutMs`,
   * on abort, or once the ring is closed (`close()`) and empty (then on the
   * next turn of the event loop, so a loop that ignores the result still
   * lets timers and messages run; check `closed` to stop it). Sleeps in
   * Atomics.waitAsync; the producer notifies only while this side sleeps. Before sleeping it checks the ring for up to
   * `spinBeforeSleepUs`, but only while that pays (AdaptiveSpin: an empty
   * spin window skips the spin for the next 1, 2, 4 ... 64 waits), so
   * sparse or idle traffic parks at once and burns next to nothing.
   */
  async waitForEvents(timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<boolean> {
    if (!(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
      throw new InvalidOptionError('timeoutMs', `must be a number of milliseconds >= 0 (Infinity: no timeout), got ${describeValue(timeoutMs)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidOptionError('signal', `must be an AbortSignal, got ${describeValue(signal)}`);
    }
    const i32 = this.ring.i32;
    const start = performance.now();
    const deadline = start + timeoutMs;
    if (this.pendingPos < this.pendingLen) return true;
    const spin = this.spin;
    if (spin.shouldSpin()) {
      const spinUntil = start + Math.min(spin.windowMs, timeoutMs);
      let now = start;
      for (; now < spinUntil && !signal?.aborted; now = performance.now()) {
        if (Atomics.load(i32, W.writeIndex) !== Atomics.load(i32, W.readIndex)) {
          spin.afterSpin(true, now - start);
          return true;
        }
      }
      spin.afterSpin(false, now - start);
    }
    const wake = (): void => {
      Atomics.notify(i32, W.writeIndex);
    };
    signal?.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        if (this.pendingPos < this.pendingLen) return true;
        if (Atomics.load(i32, W.writeIndex) !== Atomics.load(i32, W.readIndex)) return true;
        if (Atomics.load(i32, W.closed) !== 0) {
          // Through a macrotask: a loop that ignores the result must not starve its event loop.
          await new Promise((resolve) => setImmediate(resolve));
          return false;
        }
        if (signal?.aborted) return false;
        const remaining = deadline - performance.now();
        if (remaining <= 0) return false;
        // Dekker with the producer (seq-cst both sides): set the flag, re-check, then sleep.
        Atomics.store(i32, W.sleeping, 1);
        const w = Atomics.load(i32, W.writeIndex);
        if (w !== Atomics.load(i32, W.readIndex)) {
          Atomics.store(i32, W.sleeping, 0);
          return true;
        }
        // No V8 timeout: a pending waitAsync does not keep Node's event loop
        // alive and its timeout task can be lost when the loop exits first.
        // A ref'd timer both keeps the loop alive and ends the wait (notify).
        const r = waitAsync(i32, W.writeIndex, w);
        if (r.async) {
          // close() stores the flag, then notifies. Checked after registering
          // as a waiter: either that notify finds us, or we see the flag here.
          if (Atomics.load(i32, W.closed) !== 0) wake();
          const timer = setTimeout(wake, Math.min(remaining, MAX_TIMER_MS));
          try {
            await r.value;
          } finally {
            clearTimeout(timer);
          }
        }
        Atomics.store(i32, W.sleeping, 0);
      }
    } finally {
      signal?.removeEventListener('abort', wake);
    }
  }

  /**
   * Whether the next wait starts with a spin (adaptive, see waitForEvents).
   * @internal tests
   */
  get spinsBeforeSleeping(): boolean {
    return this.spin.enabled;
  }

  /**
   * Async iterator over events as they arrive; sleeps while the ring is
   * empty. Ends after `timeoutMs` without an event, when `signal` aborts, or
   * when the ring is closed (`close()`, from any thread) once it is drained.
   */
  async *events(options: EventsOptions = {}): AsyncGenerator<EventOf<K>, void, undefined> {
    const { timeoutMs = Number.POSITIVE_INFINITY, signal } = parseEventsOptions(options);
    for (;;) {
      if (signal?.aborted) return;
      const batch = this.poll(this.batch);
      if (batch.length > 0) {
        for (const e of batch) yield e;
        continue;
      }
      if (!(await this.waitForEvents(timeoutMs, signal))) return;
    }
  }

  // ---- either side ----

  /**
   * Closes the ring for good: no producer will push again (the feed calls it
   * when it shuts down or gives up on its worker). Consumers in every thread
   * still get the events already queued; then `waitForEvents` resolves false
   * and `events()` ends, a sleeping consumer woken at once. Irreversible
   * (`clear()` keeps it); idempotent. Pushing after it is a caller bug: the
   * events are queued but a consumer that saw the ring closed may be gone.
   */
  close(): void {
    Atomics.store(this.ring.i32, W.closed, 1);
    Atomics.notify(this.ring.i32, W.writeIndex);
  }

  /**
   * Call only while no producer runs on this ring, nor will until it
   * returns (the feed does before it restarts a worker that died): undoes
   * the count of a push a terminated JS producer had counted but not
   * published, so `totalPushed - totalDropped - totalPolled == queueLen`
   * holds again. Returns whether there was one. (A native push cannot be
   * interrupted.)
   * @internal
   */
  settleDeadProducer(): boolean {
    return this.ring.settleInterruptedPush();
  }

  /** Whether `close()` was called on this ring (by any thread). */
  get closed(): boolean {
    return Atomics.load(this.ring.i32, W.closed) !== 0;
  }

  /** Counters (see DispatcherStats). */
  stats(): DispatcherStats {
    const { i32, f64 } = this.ring;
    const r = Atomics.load(i32, W.readIndex);
    const w = Atomics.load(i32, W.writeIndex);
    return {
      totalPushed: f64[W.pushed]!,
      totalPolled: f64[W.polled]!,
      totalDropped: f64[W.dropped]!,
      // Events this consumer moved out but has not handed over yet still count as queued.
      queueLen: Math.min(this.ring.distance(w, r), this.maxSize) + this.uncounted,
      maxSize: this.maxSize,
    };
  }

  /** Drop-rate EMA and queue utilization (see DispatcherHealth). */
  health(): DispatcherHealth {
    const s = this.stats();
    return {
      dropRateEma: this.ring.f64[W.dropRateEma]!,
      queueUtilization: s.queueLen / s.maxSize,
      totalDropped: s.totalDropped,
      totalPushed: s.totalPushed,
    };
  }

  /**
   * Empties the queue and resets counters and the EMA. Call it only while
   * the other side is not pushing/polling (it is not a concurrent operation).
   */
  clear(): void {
    this.ring.clear();
    this.pendingPos = 0;
    this.pendingLen = 0;
    this.uncounted = 0;
  }
}
