/**
 * The MQTT side: an aedes broker behind a `ws` WebSocketServer that shares the
 * simulator's HTTP server. The upgrade is accepted only at the dispatcher path
 * and only with `Authorization: {token type} <valid, unexpired dispatcher
 * token>`, and never during an outage (503); a connection is cut when its
 * token expires. Tracks which symbols have subscribers so the generator
 * publishes only what someone listens to. A SUBSCRIBE to a BidOfferV3 topic
 * outside the universe is granted (as the service does) but gets no data:
 * instead one JSON `{ topic, message }` on the subscribe-error topic, sent to
 * that client if it subscribed to the error topic.
 *
 * aedes is the control plane only: the market feed is written by the
 * FastPublisher (fast-publisher.ts) straight into each connection's batched
 * outbound stream, which aedes' own writes share (see there for ordering).
 */
import { dispatcherMqttPath } from '../protocol/paths.js';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { schemeToken } from './rest-server.js';
import { SUBSCRIBE_ERROR_TOPIC } from '../protocol/subscribe-error.js';
import type { TokenStore } from './token-store.js';
import { SYMBOL_RE } from './options.js';
import { symbolOfTopic } from '../protocol/symbol.js';
import { FastPublisher, type Outbound, type PublisherAccounting } from './fast-publisher.js';

/** What the gateway reports back to the simulator. */
export interface GatewayHooks {
  onUpgradeRejected(status: number, code: string): void;
  onClientConnected(): void;
  /** A client's PINGREQ (aedes answers it). */
  onPing(): void;
  onClientDisconnected(reason: 'closed' | 'token-expired' | 'dropped'): void;
  onSymbolSubscribed(symbol: string): void;
  /** `count` feed messages reached a connection's kernel socket buffer. */
  onDelivered(count: number): void;
  /** A SUBSCRIBE named a symbol outside the universe. */
  onSubscribeRejected(symbol: string): void;
  /** True during an outage: upgrades are refused with 503. */
  unavailable(): boolean;
}

/** What the gateway accepts. */
export interface GatewayConfig {
  /** Symbols the service knows. */
  readonly universe: ReadonlySet<string>;
  /** The scheme of the upgrade's Authorization header. */
  readonly tokenType: string;
}

interface Connection {
  readonly ws: WebSocket;
  readonly out: Outbound;
  timer: NodeJS.Timeout | undefined;
  reason: 'closed' | 'token-expired' | 'dropped';
}

function noop(): void {}

type WritevFn = (chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void) => void;
type WriteFn = (chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void) => void;

/** aedes + ws at `/api/dispatcher/v3/{brokerId}/mqtt`. */
export class MqttGateway {
  private broker: Aedes | undefined;
  private wss: WebSocketServer | undefined;
  private readonly connections = new Set<Connection>();
  /** symbol -> clients subscribed to it. */
  private readonly subscribers = new Map<string, Set<Client>>();
  /** Clients subscribed to the subscribe-error topic. */
  private readonly errorListeners = new Set<Client>();
  /** The aedes connection stream -> its outbound (aedes hands us the client, whose `conn` is that stream). */
  private readonly outOf = new WeakMap<object, Outbound>();
  private readonly fast: FastPublisher;
  private readonly path: string;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.upgrade(req, socket, head);

  constructor(
    brokerId: string,
    private readonly tokens: TokenStore,
    private readonly hooks: GatewayHooks,
    private readonly config: GatewayConfig,
  ) {
    this.path = dispatcherMqttPath(brokerId);
    this.fast = new FastPublisher({ onDelivered: (n) => this.hooks.onDelivered(n) });
  }

  /** Creates the broker and starts accepting upgrades on `server`. */
  async start(server: Server): Promise<void> {
    const broker = await Aedes.createBroker({
      // The market feed is read-only: clients may subscribe, never publish.
      authorizePublish: (_client, _packet, cb) => cb(new Error('publishing is not allowed')),
      // A subscriber that stops reading must not stall everyone else for long.
      drainTimeout: 10_000,
    });
    broker.on('subscribe', (subs, client) => {
      // The error topic first: a packet naming it and a bad symbol hears about the symbol.
      if (subs.some((s) => s.topic === SUBSCRIBE_ERROR_TOPIC && (s.qos as number) !== 128)) this.errorListeners.add(client);
      const out = this.outOf.get(client.conn);
      for (const s of subs) {
        if ((s.qos as number) === 128) continue;
        const symbol = symbolOf(s.topic);
        if (symbol !== undefined && !this.config.universe.has(symbol)) {
          this.rejectSubscription(client, s.topic, symbol);
          continue;
        }
        if (out !== undefined) this.fast.subscribe(out, s.topic);
        if (symbol === undefined) continue;
        let set = this.subscribers.get(symbol);
        if (set === undefined) this.subscribers.set(symbol, (set = new Set()));
        const first = set.size === 0;
        set.add(client);
        if (first) this.hooks.onSymbolSubscribed(symbol);
      }
    });
    broker.on('unsubscribe', (topics, client) => {
      const out = this.outOf.get(client.conn);
      for (const t of topics) {
        if (t === SUBSCRIBE_ERROR_TOPIC) this.errorListeners.delete(client);
        if (out !== undefined) this.fast.unsubscribe(out, t);
        const symbol = symbolOf(t);
        if (symbol !== undefined) this.forget(symbol, client);
      }
    });
    broker.on('clientDisconnect', (client) => {
      this.errorListeners.delete(client);
      for (const symbol of [...this.subscribers.keys()]) this.forget(symbol, client);
    });
    broker.on('ping', () => this.hooks.onPing());
    broker.on('clientError', noop);
    broker.on('connectionError', noop);
    this.broker = broker;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 1 << 20,
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    });
    server.on('upgrade', this.onUpgrade);
  }

  /** Symbols with at least one subscriber. */
  subscribedSymbols(): IterableIterator<string> {
    return this.subscribers.keys();
  }

  /** Number of open WebSocket connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Publishes a QoS 0 message on `symbol`'s topic to every subscribed
   * connection through the fast path; returns false when the gateway is not
   * running. A connection too far behind has it shed (counted per
   * connection); nobody subscribed is counted per symbol. The payload is
   * copied, so the buffer may be shared between calls.
   */
  publish(symbol: string, payload: Uint8Array, malformed = false): boolean {
    const broker = this.broker;
    if (broker === undefined || broker.closed) return false;
    this.fast.publish(symbol, payload, malformed);
    return true;
  }

  /** Feed messages shed for connections too far behind, in all. */
  get shed(): number {
    return this.fast.totalShed;
  }

  /** Per-symbol and per-connection counts of the data plane. */
  accounting(): PublisherAccounting {
    return this.fast.accounting();
  }

  /** Cuts every connection abruptly (like a network failure). */
  dropConnections(reason: Connection['reason'] = 'dropped'): number {
    let n = 0;
    for (const c of this.connections) {
      c.reason = reason;
      // First: nothing more is written to it, and what was in flight is recorded.
      this.fast.closeConnection(c.out, reason);
      c.ws.terminate();
      n++;
    }
    return n;
  }

  /** Closes every connection and the broker; idempotent. */
  async stop(server: Server | undefined): Promise<void> {
    server?.off('upgrade', this.onUpgrade);
    this.dropConnections('closed');
    for (const c of this.connections) clearTimeout(c.timer);
    this.connections.clear();
    this.subscribers.clear();
    this.errorListeners.clear();
    const wss = this.wss;
    this.wss = undefined;
    if (wss !== undefined) await new Promise<void>((resolve) => wss.close(() => resolve()));
    const broker = this.broker;
    this.broker = undefined;
    if (broker !== undefined && !broker.closed) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }

  private rejectSubscription(client: Client, topic: string, symbol: string): void {
    this.hooks.onSubscribeRejected(symbol);
    if (!this.errorListeners.has(client)) return;
    const payload = Buffer.from(JSON.stringify({ topic, message: `unknown symbol ${symbol}: subscription rejected` }), 'utf8');
    client.publish({ cmd: 'publish', topic: SUBSCRIBE_ERROR_TOPIC, payload, qos: 0, retain: false, dup: false }, noop);
  }

  private forget(symbol: string, client: Client): void {
    const set = this.subscribers.get(symbol);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) this.subscribers.delete(symbol);
  }

  private reject(socket: Duplex, status: number, code: string, message: string): void {
    this.hooks.onUpgradeRejected(status, code);
    const body = JSON.stringify({ code, message });
    socket.on('error', noop);
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.wss;
    const path = (req.url ?? '/').split('?')[0];
    if (wss === undefined) return this.reject(socket, 503, 'UNAVAILABLE', 'simulator is stopping');
    if (this.hooks.unavailable()) return this.reject(socket, 503, 'SERVICE_UNAVAILABLE', 'service unavailable');
    if (path !== this.path) return this.reject(socket, 404, 'NOT_FOUND', 'no such endpoint');
    const token = schemeToken(req.headers.authorization, this.config.tokenType);
    if (token === undefined) return this.reject(socket, 401, 'UNAUTHORIZED', `missing ${this.config.tokenType} dispatcher token`);
    const check = this.tokens.check(token, 'dispatcher');
    if (check === 'expired') return this.reject(socket, 401, 'TOKEN_EXPIRED', 'dispatcher token expired');
    if (check !== 'ok') return this.reject(socket, 401, 'INVALID_TOKEN', 'invalid dispatcher token');
    wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, req, token));
  }

  private attach(ws: WebSocket, req: IncomingMessage, token: string): void {
    const broker = this.broker;
    if (broker === undefined) {
      ws.terminate();
      return;
    }
    const out = this.fast.addConnection(ws);
    const conn: Connection = { ws, out, timer: undefined, reason: 'closed' };
    this.connections.add(conn);
    const remaining = (this.tokens.expiresAt(token) ?? 0) - Date.now();
    conn.timer = setTimeout(() => {
      conn.reason = 'token-expired';
      this.fast.closeConnection(out, 'token-expired');
      ws.terminate();
    }, Math.max(0, remaining));
    ws.on('close', () => {
      clearTimeout(conn.timer);
      this.fast.closeConnection(out, conn.reason);
      if (this.connections.delete(conn)) this.hooks.onClientDisconnected(conn.reason);
    });
    ws.on('error', noop);
    const stream = createWebSocketStream(ws, { writableHighWaterMark: 256 * 1024 });
    // aedes' writes join the connection's outbound batch, in order, so they
    // and the fast path's PUBLISH frames share one ordered byte stream.
    // mqtt-packet corks while it writes a packet, so each _writev holds whole packets.
    const s = stream as Duplex & { _writev: WritevFn; _write: WriteFn };
    s._writev = (chunks, cb) => {
      for (const c of chunks) out.appendControl(c.chunk);
      cb();
    };
    s._write = (chunk, _encoding, cb) => {
      out.appendControl(chunk);
      cb();
    };
    this.outOf.set(stream, out);
    stream.on('error', noop);
    broker.handle(stream, req);
    this.hooks.onClientConnected();
  }
}

/** The symbol of a BidOfferV3 topic, or undefined for any other topic or a wildcard. */
export function symbolOf(topic: string): string | undefined {
  const symbol = symbolOfTopic(topic);
  return symbol !== undefined && SYMBOL_RE.test(symbol) ? symbol : undefined;
}
