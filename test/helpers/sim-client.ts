/**
 * Tiny test-side helpers to log in to the simulator and open MQTT sessions,
 * signing with node:crypto directly (independent of src/transport/auth.ts).
 */
import { createECDH, createPrivateKey, sign } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { bidOfferType, type PublishedBook, type SimulatorStartInfo } from '../../src/sim/index.js';

/** Signs `${apiKey}.${params}.${timestamp}` with the base64 P-256 scalar; returns DER hex. */
export function signLogin(appSecret: string, apiKey: string, params: string, timestamp: string): string {
  const d = Buffer.from(appSecret, 'base64');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey(); // 0x04 || X || Y
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  return sign('sha256', Buffer.from(`${apiKey}.${params}.${timestamp}`), { key, dsaEncoding: 'der' }).toString('hex');
}

/** POSTs a login body; returns status and parsed JSON. */
export async function postLogin(info: SimulatorStartInfo, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { brokerId, appCode } = info.credentials;
  const res = await fetch(`${info.baseUrl}/api/oam/v1/${brokerId}/broker-apps/${appCode}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A correctly signed login body (overrides for negative tests). */
export function loginBody(info: SimulatorStartInfo, over: { appSecret?: string; apiKey?: string; timestamp?: string } = {}): Record<string, string> {
  const apiKey = over.apiKey ?? info.credentials.appId;
  const timestamp = over.timestamp ?? String(Date.now());
  const signature = signLogin(over.appSecret ?? info.credentials.appSecret, apiKey, '', timestamp);
  return { apiKey, params: '', signature, timestamp };
}

/** Logs in and returns the access token. */
export async function login(info: SimulatorStartInfo): Promise<string> {
  const { status, json } = await postLogin(info, loginBody(info));
  if (status !== 200) throw new Error(`login failed: ${status} ${String(json.code)}`);
  return json.access_token as string;
}

/** GETs the dispatcher token with an access token. */
export async function getDispatcher(info: SimulatorStartInfo, accessToken: string | undefined): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` };
  const res = await fetch(`${info.baseUrl}/api/dispatcher/v3/${info.credentials.brokerId}/token`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The MQTT WebSocket URL for a dispatcher response (ws:// on the loopback simulator). */
export function mqttUrl(info: SimulatorStartInfo, host: string): string {
  return `ws://${host}/api/dispatcher/v3/${info.credentials.brokerId}/mqtt`;
}

/** Login + dispatcher token; returns the MQTT URL and dispatcher token. */
export async function mqttTarget(info: SimulatorStartInfo): Promise<{ url: string; token: string }> {
  const { json } = await getDispatcher(info, await login(info));
  const hosts = json.hosts as string[];
  return { url: mqttUrl(info, hosts[0]), token: json.token as string };
}

/**
 * Connects MQTT.js (v3.1.1, no reconnect) with the given Bearer token (none
 * when undefined). Rejects on 'close' too: MQTT.js's own connectAsync never
 * settles when the WebSocket upgrade is refused and reconnectPeriod is 0.
 */
export function connectMqtt(url: string, token: string | undefined): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    wsOptions: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      cleanup();
      client.end(true);
      reject(err);
    };
    const onError = (err: Error): void => fail(err);
    const onClose = (): void => fail(new Error('connection closed before CONNACK'));
    const onConnect = (): void => {
      cleanup();
      resolve(client);
    };
    const cleanup = (): void => {
      client.off('error', onError);
      client.off('close', onClose);
      client.off('connect', onConnect);
    };
    client.on('error', onError);
    client.on('close', onClose);
    client.on('connect', onConnect);
  });
}

/** A decoded book (prices in THB as units + nanos * 1e-9). */
export type DecodedBook = PublishedBook & { symbol: string };

/** Decodes BidOfferV3 with protobufjs into a flat book. */
export function decode(payload: Uint8Array): DecodedBook {
  const o = bidOfferType().toObject(bidOfferType().decode(payload), { longs: Number, enums: Number, defaults: true }) as Record<string, unknown>;
  const price = (m: unknown): number => {
    const money = m as { units: number; nanos: number } | null;
    return money === null ? 0 : money.units + money.nanos * 1e-9;
  };
  const levels = (prefix: string, f: (v: unknown) => number): number[] => Array.from({ length: 10 }, (_, i) => f(o[`${prefix}${i + 1}`]));
  return {
    symbol: o.symbol as string,
    bidPrices: levels('bidPrice', price),
    askPrices: levels('askPrice', price),
    bidVolumes: levels('bidVolume', Number),
    askVolumes: levels('askVolume', Number),
    bidFlag: o.bidFlag as number,
    askFlag: o.askFlag as number,
  };
}

/** Collects `n` messages (topic, payload) that pass `filter`. */
export function collect(client: MqttClient, n: number, filter: (topic: string, payload: Buffer) => boolean = () => true): Promise<Array<{ topic: string; payload: Buffer }>> {
  return new Promise((resolve) => {
    const got: Array<{ topic: string; payload: Buffer }> = [];
    const onMessage = (topic: string, payload: Buffer): void => {
      if (!filter(topic, payload)) return;
      got.push({ topic, payload });
      if (got.length === n) {
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

/** Attempts a raw WebSocket upgrade and returns the HTTP status (101 when accepted). */
export async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(url, 'mqtt', { headers });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('error', (e) => reject(e));
  });
}

