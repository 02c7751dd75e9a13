/**
 * Tiny test-side helpers to log in to the simulator and open MQTT sessions,
 * signing with node:crypto directly (independent of src/transport/auth.ts).
 */
import { createECDH, createPrivateKey, sign } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { SimulatorStartInfo } from '../../src/sim/index.js';

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

/** Login + dispatcher token; returns the MQTT URL and dispatcher token. */
export async function mqttTarget(info: SimulatorStartInfo): Promise<{ url: string; token: string }> {
  const { json } = await getDispatcher(info, await login(info));
  const hosts = json.hosts as string[];
  return { url: `ws://${hosts[0]}/api/dispatcher/v3/${info.credentials.brokerId}/mqtt`, token: json.token as string };
}

/** Connects MQTT.js (v3.1.1, no reconnect) with the given Bearer token (none when undefined). */
export function connectMqtt(url: string, token: string | undefined): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    wsOptions: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  });
}
