/**
 * SettradeClient: the connection state machine (see docs/design.md "Transport").
 *
 *   INIT -> CONNECTING -> CONNECTED <-> RECONNECTING ; any -> SHUTDOWN
 *
 * - CONNECTED only after the MQTT CONNACK.
 * - Every attempt asks the endpoint provider for a fresh target (login and a
 *   new dispatcher token by default) and builds a new MQTT session; MQTT.js
 *   never reconnects by itself.
 * - A generation number is bumped whenever a session is superseded; callbacks
 *   of an older session are ignored, so no message of a dead connection is
 *   delivered after the new one is up.
 * - On every CONNACK all subscriptions are replayed, then (from the second
 *   connection on) `reconnectEpoch` is incremented: every message of the new
 *   session carries the new epoch.
 * - Failures back off exponentially with jitter up to `maxDelayMs`, and by
 *   default never stop (`maxRetries: Infinity`): the state stays
 *   RECONNECTING and `stats()` shows the attempt in progress and the time of
 *   the last message. With a finite `maxRetries`, after that many consecutive
 *   failed retries the client emits `error` (ERR_RETRIES_EXHAUSTED) and ends in
 *   SHUTDOWN with `stats().failed` set. Auth rejections follow the same
 *   backoff (never a storm) and each one is surfaced as `error`; only a login
 *   refused before the first connection ever succeeded ends the client at
 *   once (ERR_AUTH_REJECTED: wrong credentials do not fix themselves).
 * - Tokens are renewed (refresh-token endpoint, else a login) by a controlled
 *   reconnect `tokenRefreshBeforeExpSec` before they expire.
 * - On every connect the client also subscribes to SUBSCRIBE_ERROR_TOPIC; its
 *   messages become `subscribeError` events, never `message` events.
 */
import { SUBSCRIBE_ERROR_TOPIC, parseSubscribeError, type SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { backoffDelay } from './backoff.js';
import { requireField } from './auth.js';
import { assertSafeUrl, settradeEndpoint, staticEndpoint, type Endpoint, type EndpointProvider } from './endpoint.js';
import { SettradeAuthError, SettradeConnectionError, SettradeError, isAuthRejection, type SettradeErrorCode } from './errors.js';
import { resolveClientOptions, type ResolvedClientOptions, type SettradeClientOptions } from './options.js';
import { loadMqtt, MqttSession } from './session.js';
import { TypedEmitter } from './typed-emitter.js';

/** Errors no retry can fix (bad configuration): the client gives up at once. */
const FATAL_CODES: ReadonlySet<SettradeErrorCode> = new Set<SettradeErrorCode>(['ERR_CONFIG_INVALID', 'ERR_INSECURE_URL', 'ERR_SECRET_INVALID']);

/** Connection states. */
export type ClientState = 'INIT' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING' | 'SHUTDOWN';

/** Why a (re)connection happened. */
export type ReconnectReason = 'connection-lost' | 'token-refresh';

/** Payload of the `reconnect` event: a new session is up and subscriptions are replayed. */
export interface ReconnectInfo {
  /** The new `reconnectEpoch` (carried by every message of this session). */
  readonly epoch: number;
  readonly reason: ReconnectReason;
  /** Number of subscriptions replayed. */
  readonly subscriptions: number;
}

/**
 * When a message was received, stamped once where it is recorded or replayed
 * (src/record): decoders take these instead of stamping the decode time, so a
 * replay's events carry the very timestamps the live feed's did.
 */
export interface ReceiveStamp {
  /** Wall clock, ns since the Unix epoch. */
  recvTs: bigint;
  /** Monotonic ns (`process.hrtime.bigint()` of the receiving process). */
  recvMonoNs: bigint;
}

/**
 * Listener of raw messages. `payload` is only valid during the call (copy it
 * to keep it). `stamp` is absent from a live client (decoders stamp the time
 * of decoding) and given by a recording tap or a replay.
 */
export type MessageListener = (topic: string, payload: Uint8Array, epoch: number, stamp?: ReceiveStamp) => void;

/** Typed events of {@link SettradeClient}. */
export interface SettradeClientEvents {
  /** Every state transition. */
  state: (state: ClientState, previous: ClientState) => void;
  /** A failed attempt, an auth rejection, a failed SUBSCRIBE, or the final ERR_RETRIES_EXHAUSTED. */
  error: (err: SettradeError) => void;
  /** A reconnection completed (not emitted for the first connection). */
  reconnect: (info: ReconnectInfo) => void;
  /** A PUBLISH from the current session. */
  message: MessageListener;
  /** The service rejected a subscription (reported on SUBSCRIBE_ERROR_TOPIC). */
  subscribeError: (event: SubscribeErrorEvent) => void;
}

/** Snapshot of {@link SettradeClient.stats}. */
export interface SettradeClientStats {
  readonly state: ClientState;
  readonly connected: boolean;
  /** Messages of the current generation handed to listeners. */
  readonly messagesReceived: number;
  /** Listener invocations that threw (each isolated). */
  readonly callbackErrors: number;
  /** Reconnection attempts started after a connection was lost or refreshed. */
  readonly reconnectCount: number;
  /** Attempts started since the last successful connection (the one in progress included); 0 while connected. */
  readonly reconnectAttempts: number;
  /** Wall clock (ms) of the last message delivered (or subscribe error), 0 if never. */
  readonly lastMessageTs: number;
  /** Messages received on SUBSCRIBE_ERROR_TOPIC (each one a `subscribeError` event). */
  readonly subscribeErrors: number;
  /** `initialEpoch` (0) on the first connection, +1 per completed reconnection. */
  readonly reconnectEpoch: number;
  /** Wall clock (ms) of the last CONNACK, 0 if never. */
  readonly lastConnectTs: number;
  /** Wall clock (ms) of the last loss or refresh of a connection, 0 if never. */
  readonly lastDisconnectTs: number;
  /** Failed attempts since the last successful connection. */
  readonly consecutiveFailures: number;
  /** Messages dropped because they came from a superseded session. */
  readonly staleMessagesDropped: number;
  /** True when the client gave up (retries exhausted or unusable endpoint). */
  readonly failed: boolean;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Settrade Open API market-data connection (MQTT over WebSocket), with reconnection and token refresh. */
export class SettradeClient extends TypedEmitter<SettradeClientEvents> {
  readonly #opts: ResolvedClientOptions;
  readonly #endpoint: EndpointProvider;
  readonly #log: Logger;
  readonly #listenerErrors: RateLimitedLog;
  readonly #subs = new Set<string>();

  #state: ClientState = 'INIT';
  #gen = 0;
  #session: MqttSession | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #refreshTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #retries = 0;
  #attempts = 0;
  #lastMessageTs = 0;
  #subscribeErrors = 0;
  #connectedOnce = false;
  #pendingReason: ReconnectReason = 'connection-lost';
  #waiters: Waiter[] = [];
  #shutdownPromise: Promise<void> | null = null;

  #epoch = 0;
  #messages = 0;
  #callbackErrors = 0;
  #reconnects = 0;
  #stale = 0;
  #lastConnectTs = 0;
  #lastDisconnectTs = 0;
  #failed = false;

  /**
   * Validates the options (throws {@link SettradeConfigError}, code
   * ERR_CONFIG_INVALID, naming the field: unknown keys, bad values, missing
   * credentials); does not connect.
   */
  constructor(options: SettradeClientOptions) {
    super();
    const opts = resolveClientOptions(options);
    this.#opts = opts;
    this.#epoch = opts.initialEpoch;
    this.#log = opts.logger ?? defaultLogger();
    this.#listenerErrors = new RateLimitedLog(this.#log);
    if (typeof opts.endpoint === 'string') {
      this.#endpoint = staticEndpoint(opts.endpoint);
    } else if (typeof opts.endpoint === 'function') {
      this.#endpoint = opts.endpoint;
    } else {
      this.#endpoint = settradeEndpoint({
        appId: requireField('appId', opts.appId),
        appSecret: requireField('appSecret', opts.appSecret),
        appCode: requireField('appCode', opts.appCode),
        brokerId: requireField('brokerId', opts.brokerId),
        baseUrl: opts.baseUrl,
        httpTimeoutMs: opts.httpTimeoutMs,
        refreshMarginMs: opts.tokenRefreshBeforeExpSec * 1000,
      });
    }
  }

  /** Current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Reconnect epoch: `initialEpoch` (0) on the first connection, +1 per completed reconnection. */
  get reconnectEpoch(): number {
    return this.#epoch;
  }

  /** Topics subscribed (replayed on every connect). */
  get subscriptions(): readonly string[] {
    return [...this.#subs];
  }

  /**
   * Starts connecting (if not yet) and resolves once CONNECTED. By default it
   * waits through any outage. Rejects if the login is refused before any
   * connection succeeded (ERR_AUTH_REJECTED), if a finite `maxRetries` runs out
   * (ERR_RETRIES_EXHAUSTED, with the last failure as `cause`), on a configuration
   * error, or if the client is shut down first.
   */
  connect(): Promise<void> {
    if (this.#state === 'CONNECTED') return Promise.resolve();
    if (this.#state === 'SHUTDOWN') {
      return Promise.reject(new SettradeConnectionError('ERR_SHUTDOWN', 'client is shut down'));
    }
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === 'INIT') {
      this.#setState('CONNECTING');
      void this.#attempt();
    }
    return p;
  }

  /** Subscribes to a topic now (if connected) and on every future connection. Idempotent. */
  subscribe(topic: string): void {
    if (typeof topic !== 'string' || topic === '') throw new SettradeError('ERR_CONFIG_INVALID', 'topic: must be a non-empty string');
    if (this.#subs.has(topic)) return;
    this.#subs.add(topic);
    if (this.#state === 'CONNECTED') this.#session?.subscribe([topic], (e) => this.#subscribeFailed(topic, e));
  }

  /** Unsubscribes; no-op for an unknown topic. */
  unsubscribe(topic: string): void {
    if (!this.#subs.delete(topic)) return;
    if (this.#state === 'CONNECTED') {
      this.#session?.unsubscribe([topic], (e) => this.#log.warn({ topic, err: e.message }, 'unsubscribe failed'));
    }
  }

  /** Counters and state (see {@link SettradeClientStats}). */
  stats(): SettradeClientStats {
    return {
      state: this.#state,
      connected: this.#state === 'CONNECTED',
      messagesReceived: this.#messages,
      callbackErrors: this.#callbackErrors,
      reconnectCount: this.#reconnects,
      reconnectAttempts: this.#attempts,
      lastMessageTs: this.#lastMessageTs,
      subscribeErrors: this.#subscribeErrors,
      reconnectEpoch: this.#epoch,
      lastConnectTs: this.#lastConnectTs,
      lastDisconnectTs: this.#lastDisconnectTs,
      consecutiveFailures: this.#failures,
      staleMessagesDropped: this.#stale,
      failed: this.#failed,
    };
  }

  /** Closes the connection, clears every timer, ends in SHUTDOWN. Idempotent; resolves when the socket is closed. */
  shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#teardown(new SettradeConnectionError('ERR_SHUTDOWN', 'client shut down'));
    return this.#shutdownPromise;
  }

  protected override onListenerError(event: keyof SettradeClientEvents, err: unknown): void {
    this.#callbackErrors++;
    this.#listenerErrors.error('listener', () => ({ event, err: err instanceof Error ? err.message : String(err) }), 'listener threw');
  }

  // ---- state machine ----

  #setState(next: ClientState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    this.emit('state', next, prev);
  }

  async #attempt(renewToken = false): Promise<void> {
    const gen = ++this.#gen;
    this.#attempts++;
    let endpoint: Endpoint;
    try {
      endpoint = await this.#endpoint({ renewToken });
      assertSafeUrl('endpoint.url', endpoint.url, ['wss', 'ws', 'mqtts', 'mqtt']);
      await loadMqtt();
    } catch (err) {
      if (gen !== this.#gen || this.#state === 'SHUTDOWN') return;
      this.#attemptFailed(gen, err);
      return;
    }
    if (gen !== this.#gen || this.#state === 'SHUTDOWN') return;
    this.#session = new MqttSession(endpoint, this.#opts, {
      onConnected: () => {
        if (gen === this.#gen) this.#connected(endpoint);
      },
      onFailed: (err) => {
        if (gen === this.#gen) this.#attemptFailed(gen, err);
      },
      onClosed: (reason) => {
        if (gen === this.#gen) this.#connectionLost(reason);
      },
      onMessage: (topic, payload) => {
        if (gen === this.#gen) this.#deliver(topic, payload);
        else this.#stale++;
      },
    });
  }

  #connected(endpoint: Endpoint): void {
    this.#failures = 0;
    this.#retries = 0;
    this.#attempts = 0;
    this.#lastConnectTs = Date.now();
    // Replay first, then bump the epoch: nothing of this session can arrive
    // before this synchronous block returns, so all of it carries the new epoch.
    // The service's error topic goes first, so rejections of the replay are heard.
    const topics = [...this.#subs];
    const packet = [SUBSCRIBE_ERROR_TOPIC, ...topics.filter((t) => t !== SUBSCRIBE_ERROR_TOPIC)];
    this.#session?.subscribe(packet, (e) => this.#subscribeFailed(packet.join(','), e));
    const reconnected = this.#connectedOnce;
    if (reconnected) this.#epoch++;
    this.#connectedOnce = true;
    this.#scheduleRefresh(endpoint);
    this.#setState('CONNECTED');
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
    if (reconnected) this.emit('reconnect', { epoch: this.#epoch, reason: this.#pendingReason, subscriptions: topics.length });
  }

  #deliver(topic: string, payload: Uint8Array): void {
    this.#lastMessageTs = this.#session?.receivedAt ?? this.#lastMessageTs;
    if (topic === SUBSCRIBE_ERROR_TOPIC) {
      this.#subscribeRejected(payload);
      return;
    }
    this.#messages++;
    const list = this.listenersOf('message');
    if (!list) return;
    const epoch = this.#epoch;
    // Plain loop, no spread/closure: this runs for every message.
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as MessageListener)(topic, payload, epoch);
      } catch (err) {
        this.onListenerError('message', err);
      }
    }
  }

  #attemptFailed(gen: number, err: unknown): void {
    void this.#dropSession();
    const error =
      err instanceof SettradeError ? err : new SettradeConnectionError('ERR_MQTT_CONNECT_FAILED', String(err), { cause: err });
    this.#failures++;
    this.#log.warn({ code: error.code, attempt: this.#failures }, `connection attempt failed: ${error.message}`);
    this.#emitError(error);
    if (gen !== this.#gen || this.#state === 'SHUTDOWN') return; // an error listener shut us down
    if (FATAL_CODES.has(error.code) || this.#credentialsRejected(error)) {
      this.#giveUp(error);
      return;
    }
    this.#scheduleRetry(error);
  }

  /** A login refused before any connection succeeded: the credentials are wrong, retrying cannot help. */
  #credentialsRejected(err: SettradeError): boolean {
    return !this.#connectedOnce && err instanceof SettradeAuthError && err.step === 'login' && err.code === 'ERR_AUTH_REJECTED';
  }

  #connectionLost(reason: string): void {
    this.#lastDisconnectTs = Date.now();
    this.#clearRefresh();
    void this.#dropSession();
    this.#gen++; // anything still buffered from that session is stale
    this.#log.warn({ reason, epoch: this.#epoch }, 'connection lost; reconnecting');
    this.#pendingReason = 'connection-lost';
    this.#setState('RECONNECTING');
    this.#scheduleRetry(null);
  }

  #scheduleRetry(lastError: SettradeError | null): void {
    if (this.#retries >= this.#opts.maxRetries) {
      this.#giveUp(lastError ?? new SettradeConnectionError('ERR_MQTT_CONNECT_FAILED', 'connection lost'));
      return;
    }
    if (this.#connectedOnce) this.#setState('RECONNECTING');
    const delay = backoffDelay(this.#opts, this.#retries++);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state === 'SHUTDOWN') return;
      if (this.#connectedOnce) this.#reconnects++;
      void this.#attempt();
    }, delay);
  }

  #scheduleRefresh(endpoint: Endpoint): void {
    this.#clearRefresh();
    if (endpoint.expiresAtMs === undefined) return;
    const lifetime = endpoint.expiresAtMs - Date.now();
    // Short-lived tokens (shorter than the margin) are refreshed half way.
    const delay = Math.max(lifetime - this.#opts.tokenRefreshBeforeExpSec * 1000, lifetime / 2, 0);
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      this.#refresh();
    }, Math.min(delay, 2_147_000_000));
  }

  #refresh(): void {
    if (this.#state !== 'CONNECTED') return;
    this.#log.info({ epoch: this.#epoch }, 'refreshing token (controlled reconnect)');
    this.#lastDisconnectTs = Date.now();
    this.#gen++;
    void this.#dropSession();
    this.#pendingReason = 'token-refresh';
    this.#reconnects++;
    this.#setState('RECONNECTING');
    void this.#attempt(true);
  }

  #subscribeRejected(payload: Uint8Array): void {
    this.#subscribeErrors++;
    const event = parseSubscribeError(payload);
    this.#log.warn({ symbol: event.symbol, topic: event.topic, reason: event.message }, 'subscription rejected by the service');
    this.emit('subscribeError', event);
  }

  #subscribeFailed(topic: string, err: Error): void {
    this.#log.warn({ topic, err: err.message }, 'subscribe failed');
    this.#emitError(new SettradeConnectionError('ERR_MQTT_CONNECT_FAILED', `SUBSCRIBE ${topic} failed: ${err.message}`));
  }

  #emitError(err: SettradeError): void {
    if (this.listenerCount('error') === 0) return; // every caller logged it already
    this.emit('error', err);
  }

  #giveUp(lastError: SettradeError): void {
    const attempts = this.#failures;
    const err =
      FATAL_CODES.has(lastError.code) || this.#credentialsRejected(lastError)
        ? lastError
        : new SettradeConnectionError(
            'ERR_RETRIES_EXHAUSTED',
            `gave up after ${attempts} failed attempt${attempts === 1 ? '' : 's'}` +
              `${isAuthRejection(lastError) ? ' (credentials rejected)' : ''}: ${lastError.message}`,
            { cause: lastError },
          );
    this.#failed = true;
    this.#log.error({ code: err.code }, err.message);
    if (err !== lastError) this.#emitError(err); // a fatal failure was emitted as it happened
    this.#shutdownPromise ??= this.#teardown(err);
  }

  #clearRefresh(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
  }

  #dropSession(): Promise<void> {
    const s = this.#session;
    this.#session = null;
    return s ? s.close() : Promise.resolve();
  }

  async #teardown(reason: Error): Promise<void> {
    this.#gen++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#clearRefresh();
    const closing = this.#dropSession();
    if (this.#state === 'CONNECTED') this.#lastDisconnectTs = Date.now();
    this.#setState('SHUTDOWN');
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(reason);
    await closing;
  }
}
