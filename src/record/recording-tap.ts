/**
 * RecordingTap: sits between a SettradeClient and the BidOfferAdapter when a
 * feed records. It is the adapter's message source (subscribe, unsubscribe,
 * on, off go to the client), and for each message the client delivers it
 *
 *   1. stamps it once (monotonic `process.hrtime.bigint()`, wall clock from it),
 *   2. appends it to the recording (a memory copy: the file I/O is batched elsewhere),
 *   3. hands it to the adapter with that stamp,
 *
 * so the live consumer's events carry exactly the receive times a replay of
 * the file reproduces. It also records the feed's own events that matter on
 * replay: connect (epoch), reconnect (epoch, reason), subscribe, unsubscribe,
 * subscribeError. Without `record`, no tap exists and nothing changes.
 */
import { wallClockAt } from '../codec/clock.js';
import { BIDOFFER_TOPIC_PREFIX } from '../protocol/symbol.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import type { ClientState, MessageListener, ReconnectInfo, SettradeClient, SettradeClientEvents } from '../transport/client.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { PUSH_STAMP_SEQUENCE, pushStampWords } from '../dispatcher/push-stamp.js';
import type { RecordingWriter } from './writer.js';

/** Options of {@link RecordingTap}. */
export interface RecordingTapOptions {
  readonly client: SettradeClient;
  readonly writer: RecordingWriter;
  /**
   * A feed worker restarted after a crash: its client's first session is
   * recorded as `reconnect` (reason 'worker-restart') rather than `connect`.
   */
  readonly restarted?: boolean;
}

/** The adapter's message source while recording; see the module comment. */
export class RecordingTap extends TypedEmitter<SettradeClientEvents> {
  readonly #client: SettradeClient;
  readonly #writer: RecordingWriter;
  #connectedOnce: boolean;
  #restarted: boolean;
  #closed = false;
  // The adapter's message listeners, kept here on every change so the hot path does no Map lookup.
  #messageListeners: readonly MessageListener[] | undefined;
  /** Listener errors (the adapter isolates its own; counted for completeness). */
  callbackErrors = 0;

  constructor(options: RecordingTapOptions) {
    super();
    this.#client = options.client;
    this.#writer = options.writer;
    this.#restarted = options.restarted ?? false;
    this.#connectedOnce = false;
    this.#client.on('message', this.#onMessage);
    this.#client.on('subscribeError', this.#onSubscribeError);
    this.#client.on('state', this.#onState);
    this.#client.on('reconnect', this.#onReconnect);
  }

  override on<K extends keyof SettradeClientEvents>(event: K, listener: SettradeClientEvents[K]): this {
    super.on(event, listener);
    if (event === 'message') this.#messageListeners = this.listenersOf('message');
    return this;
  }

  override off<K extends keyof SettradeClientEvents>(event: K, listener: SettradeClientEvents[K]): this {
    super.off(event, listener);
    if (event === 'message') this.#messageListeners = this.listenersOf('message');
    return this;
  }

  override removeAllListeners(): this {
    super.removeAllListeners();
    this.#messageListeners = undefined;
    return this;
  }

  /** The writer's counters. */
  get writer(): RecordingWriter {
    return this.#writer;
  }

  /** Subscribes through the client and records it. */
  subscribe(topic: string): void {
    const known = this.#client.subscriptions.includes(topic);
    this.#client.subscribe(topic);
    if (!known) this.#writer.feedEvent({ kind: 'subscribe', symbol: symbolOf(topic) }, this.#client.reconnectEpoch);
  }

  /** Unsubscribes through the client and records it. */
  unsubscribe(topic: string): void {
    const known = this.#client.subscriptions.includes(topic);
    this.#client.unsubscribe(topic);
    if (known && !this.#closed) this.#writer.feedEvent({ kind: 'unsubscribe', symbol: symbolOf(topic) }, this.#client.reconnectEpoch);
  }

  /** Detaches from the client, then writes what is buffered and closes the file (never rejects). */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.off('message', this.#onMessage);
      this.#client.off('subscribeError', this.#onSubscribeError);
      this.#client.off('state', this.#onState);
      this.#client.off('reconnect', this.#onReconnect);
    }
    return this.#writer.close();
  }

  // Hot path. With the addon, the writer arms the native target and the
  // adapter's push (which stamps the message) frames its record too: nothing
  // more per message here. Otherwise (no addon, a topic not defined in this
  // file yet, no room in the chunk) one append after the listeners, with the
  // stamps the push wrote into the thread's push-stamp cell: file and event
  // agree to the nanosecond either way. A message that reached no push (a
  // topic no longer subscribed, a listener that threw first) is stamped here.
  readonly #onMessage: MessageListener = (topic, payload, epoch) => {
    const writer = this.#writer;
    const armed = writer.arm(topic, payload.length, epoch);
    const words = pushStampWords;
    const before = words[PUSH_STAMP_SEQUENCE];
    const list = this.#messageListeners;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        try {
          list[i]!(topic, payload, epoch);
        } catch {
          this.callbackErrors++;
        }
      }
    }
    if (armed && writer.disarm()) return;
    if (words[PUSH_STAMP_SEQUENCE] !== before) {
      writer.messageStamped(topic, payload, epoch, words);
    } else {
      const mono = process.hrtime.bigint();
      writer.message(topic, payload, epoch, wallClockAt(mono), mono);
    }
  };

  readonly #onSubscribeError = (event: SubscribeErrorEvent): void => {
    this.#writer.feedEvent(
      {
        kind: 'subscribeError',
        ...(event.symbol !== undefined ? { symbol: event.symbol } : {}),
        ...(event.topic !== undefined ? { topic: event.topic } : {}),
        message: event.message,
      },
      this.#client.reconnectEpoch,
    );
    this.emit('subscribeError', event);
  };

  // CONNECTED is reported inside the CONNACK step, before any message of the session.
  readonly #onState = (state: ClientState): void => {
    if (state !== 'CONNECTED' || this.#connectedOnce) return;
    this.#connectedOnce = true;
    const epoch = this.#client.reconnectEpoch;
    if (this.#restarted) {
      this.#restarted = false;
      this.#writer.feedEvent({ kind: 'reconnect', epoch, reason: 'worker-restart' }, epoch);
    } else {
      this.#writer.feedEvent({ kind: 'connect', epoch }, epoch);
    }
  };

  readonly #onReconnect = (info: ReconnectInfo): void => {
    this.#writer.feedEvent({ kind: 'reconnect', epoch: info.epoch, reason: info.reason }, info.epoch);
  };
}

function symbolOf(topic: string): string {
  return topic.startsWith(BIDOFFER_TOPIC_PREFIX) ? topic.slice(BIDOFFER_TOPIC_PREFIX.length) : topic;
}
