/**
 * One MQTT session: one MQTT.js client over one transport, never reconnected
 * by MQTT.js itself (`reconnectPeriod: 0`): the state machine in client.ts
 * decides when to build the next one. This module only translates MQTT.js
 * events into three callbacks and tags nothing: the caller binds the
 * generation in the closures it passes.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Endpoint } from './endpoint.js';
import { SettradeConnectionError } from './errors.js';
import { PublishFastPath } from './publish-fast-path.js';

type MqttModule = typeof import('mqtt');
let mqttModule: MqttModule | undefined;

/**
 * Loads MQTT.js (once). It is imported on the first connection attempt, not
 * with the package: a process that consumes a worker feed never connects on
 * its own thread and so never pays for it (about 17 MB of RSS).
 */
export async function loadMqtt(): Promise<void> {
  mqttModule ??= await import('mqtt');
}

/** Callbacks of a session. `onFailed` and `onClosed` fire at most once, and never both. */
export interface SessionHandlers {
  /** CONNACK received (accepted). */
  onConnected(): void;
  /** The session ended before a CONNACK (refused, unreachable, timed out). */
  onFailed(err: SettradeConnectionError): void;
  /** An established session closed (not through `close()`). */
  onClosed(reason: string): void;
  /** A PUBLISH. `payload` is MQTT.js's Buffer (a Uint8Array), valid during the call. */
  onMessage(topic: string, payload: Uint8Array): void;
}

/** Parameters of an MQTT connection. */
export interface SessionParams {
  readonly keepaliveSec: number;
  readonly connectTimeoutMs: number;
  readonly clientIdPrefix: string;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps an MQTT.js error before CONNACK to our error (401/403 upgrades and CONNACK 4/5 are auth). */
function toConnectError(err: unknown): SettradeConnectionError {
  const msg = describe(err);
  const code = (err as { code?: unknown } | null)?.code;
  const authByConnack = code === 4 || code === 5 || code === 134 || code === 135;
  const authByUpgrade = /Unexpected server response: 40[13]\b/.test(msg);
  if (authByConnack || authByUpgrade) {
    return new SettradeConnectionError('ERR_MQTT_AUTH_REJECTED', `MQTT connection refused: ${msg}`);
  }
  return new SettradeConnectionError('ERR_MQTT_CONNECT_FAILED', `MQTT connection failed: ${msg}`);
}

/**
 * MQTT.js reads its transport through exactly one `stream.pipe(parser)` per
 * connection. Taking that pipe's place lets the PUBLISH fast path see every
 * chunk first; everything it does not take reaches MQTT.js's parser as before
 * (with the same backpressure). Error, close, write and end stay MQTT.js's.
 * Exported for bench/fast-path.ts only (not part of the package's API).
 */
export function readThrough(client: MqttClient, fast: PublishFastPath, onStreamError: (err: Error) => void = () => {}, onData: () => void = () => {}): void {
  // `streamBuilder` is private in MQTT.js's typings but is the documented
  // constructor argument; with manualConnect nothing has been built yet.
  const holder = client as unknown as { streamBuilder: (c: MqttClient) => Duplex };
  const build = holder.streamBuilder;
  holder.streamBuilder = (c) => {
    const stream = build(c);
    // MQTT.js does not re-emit every transport error (a refused WebSocket
    // upgrade, 'Unexpected server response: 401', only shows up here).
    stream.on('error', onStreamError);
    stream.pipe = <T extends NodeJS.WritableStream>(dest: T): T => {
      // MQTT.js's parser input is a stream.Writable: `_write` runs synchronously when
      // nothing is queued, and `writableLength` is 0 once every write was handled.
      const input = dest as T & { readonly writableLength: number };
      let paused = false;
      fast.setInput({
        write: (bytes) => {
          if (!input.write(bytes) && !paused) {
            paused = true;
            stream.pause();
            input.once('drain', () => {
              paused = false;
              stream.resume();
            });
          }
        },
        idle: () => input.writableLength === 0,
      });
      stream.on('data', (chunk: Buffer | Uint8Array) => {
        onData();
        fast.process(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      });
      stream.once('end', () => dest.end());
      return dest;
    };
    return stream;
  };
}

export class MqttSession {
  readonly #client: MqttClient;
  readonly #fast: PublishFastPath;
  #phase: 'connecting' | 'open' | 'done' = 'connecting';
  #receivedAt = 0;

  constructor(endpoint: Endpoint, params: SessionParams, handlers: SessionHandlers) {
    const opts: IClientOptions = {
      protocolVersion: 4,
      clean: true,
      keepalive: params.keepaliveSec,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      connectTimeout: params.connectTimeoutMs,
      clientId: params.clientIdPrefix + randomBytes(6).toString('hex'),
      // mqtt-packet's default number cache is 65,536 two-byte Buffers (~7 MB
      // of heap per isolate), built by the first packet written. This client
      // writes a handful of packets per session (CONNECT, SUBSCRIBE, PINGREQ);
      // it allocates their few 2-byte numbers instead.
      writeCache: false,
      // TLS stays verified: rejectUnauthorized is MQTT.js's/ws's default (true) and is never overridden.
      wsOptions: endpoint.wsHeaders ? { headers: { ...endpoint.wsHeaders } } : {},
    };
    if (mqttModule === undefined) throw new Error('MqttSession: loadMqtt() must resolve first');
    const client = mqttModule.connect(endpoint.url, { ...opts, manualConnect: true });
    this.#client = client;
    this.#fast = new PublishFastPath((topic, payload) => {
      if (this.#phase === 'open') handlers.onMessage(topic, payload);
    });
    let lastError: unknown;
    readThrough(
      client,
      this.#fast,
      (err) => {
        lastError ??= err;
      },
      // One clock read per chunk read, not per message (Date.now() costs ~100 ns here).
      () => {
        this.#receivedAt = Date.now();
      },
    );
    client.on('connect', () => {
      if (this.#phase !== 'connecting') return;
      this.#phase = 'open';
      this.#fast.active = true;
      handlers.onConnected();
    });
    client.on('message', (topic: string, payload: Buffer) => {
      if (this.#phase === 'open') handlers.onMessage(topic, payload);
    });
    client.on('error', (err: unknown) => {
      lastError = err;
      if (this.#phase === 'connecting') {
        this.#phase = 'done';
        this.#fast.stop();
        client.end(true);
        handlers.onFailed(toConnectError(err));
      } else if (this.#phase === 'open') {
        // On a parse error MQTT.js only emits `error` and its parser goes on
        // with whatever comes next; a corrupt stream cannot be trusted, so
        // nothing more is delivered and the session ends (the client
        // reconnects). A parse error is raised inside the fast path's write to
        // MQTT.js, so stop() comes before any later packet. Other errors while
        // open (socket reset, keepalive timeout) end the connection anyway.
        this.#phase = 'done';
        this.#fast.stop();
        client.end(true);
        handlers.onClosed(describe(err));
      }
    });
    client.on('close', () => {
      const phase = this.#phase;
      this.#phase = 'done';
      this.#fast.stop();
      if (phase === 'connecting') {
        handlers.onFailed(
          lastError !== undefined
            ? toConnectError(lastError)
            : new SettradeConnectionError('ERR_MQTT_CONNECT_FAILED', 'MQTT connection closed before CONNACK'),
        );
      } else if (phase === 'open') {
        handlers.onClosed(lastError !== undefined ? describe(lastError) : 'connection closed');
      }
    });
    client.connect();
  }

  /** Wall clock (ms) when the last chunk of bytes arrived: the arrival time of the message being delivered. */
  get receivedAt(): number {
    return this.#receivedAt;
  }

  /** SUBSCRIBE (QoS 0) to every topic in one packet. */
  subscribe(topics: readonly string[], onError: (err: Error) => void): void {
    if (topics.length === 0 || this.#phase !== 'open') return;
    for (const t of topics) this.#fast.add(t);
    this.#client.subscribe([...topics], { qos: 0 }, (err) => {
      if (err) onError(err);
    });
  }

  /** UNSUBSCRIBE. */
  unsubscribe(topics: readonly string[], onError: (err: Error) => void): void {
    if (topics.length === 0 || this.#phase !== 'open') return;
    for (const t of topics) this.#fast.remove(t);
    this.#client.unsubscribe([...topics], (err) => {
      // A session closed before the UNSUBACK has no subscription left to fail.
      if (err && this.#phase === 'open') onError(err);
    });
  }

  /** Closes at once without callbacks; resolves when the socket is closed. */
  close(): Promise<void> {
    this.#phase = 'done';
    this.#fast.stop();
    return new Promise((resolve) => {
      this.#client.end(true, {}, () => resolve());
    });
  }
}
