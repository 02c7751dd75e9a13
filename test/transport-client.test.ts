/**
 * SettradeClient against the embedded simulator (real REST, real ECDSA
 * login, real MQTT over WebSocket on loopback).
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator } from '../src/sim/index.js';
import { SettradeClient, SettradeError, staticEndpoint, type SettradeClientOptions } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, multiplier: 2, connectTimeoutMs: 3000, logger: silentLogger };

interface Msg {
  topic: string;
  epoch: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSim(opts: ConstructorParameters<typeof Simulator>[0] = {}) {
  const sim = new Simulator({ ratePerSymbol: 200, ...opts });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, ...info };
}

function makeClient(opts: SettradeClientOptions): SettradeClient {
  const client = new SettradeClient(opts);
  cleanups.push(() => client.shutdown());
  return client;
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

describe('SettradeClient with the simulator', () => {
  it('logs in, connects, receives the subscribed topics only, and leaves nothing open after shutdown', async () => {
    const before = resourceCounts();
    // KBANK is published throughout but never subscribed: it must not arrive.
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['KBANK'] });
    const client = new SettradeClient({ ...credentials, baseUrl, ...fast });
    const msgs: Msg[] = [];
    client.on('message', (topic, _p, epoch) => msgs.push({ topic, epoch }));
    client.subscribe('proto/topic/bidofferv3/AOT');
    client.subscribe('proto/topic/bidofferv3/PTT');
    client.subscribe('proto/topic/bidofferv3/PTT'); // duplicate ignored
    expect(client.subscriptions).toHaveLength(2);
    await client.connect();
    expect(client.stats()).toMatchObject({ state: 'CONNECTED', connected: true, reconnectEpoch: 0 });
    expect(client.stats().lastConnectTs).toBeGreaterThan(0);
    await until(() => new Set(msgs.map((m) => m.topic)).size === 2, 'both topics');
    expect(new Set(msgs.map((m) => m.topic))).toEqual(new Set(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']));
    expect(client.stats().messagesReceived).toBe(msgs.length);
    expect(sim.stats().logins).toBe(1);

    await client.shutdown();
    await client.shutdown();
    expect(client.state).toBe('SHUTDOWN');
    // Nothing arrives after shutdown while the simulator goes on publishing.
    const n = msgs.length;
    const published = sim.stats().totalPublished;
    await until(() => sim.stats().totalPublished >= published + 20, 'the simulator to publish 20 more books');
    expect(msgs.length).toBe(n);
    await expect(client.connect()).rejects.toMatchObject({ code: 'ERR_SHUTDOWN' });
    await sim.stop();
    await until(() => {
      const after = resourceCounts();
      return (after.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0) && (after.Timeout ?? 0) <= (before.Timeout ?? 0);
    }, 'sockets and timers to close', 3000);
  });

  it('a wildcard subscription is served by MQTT.js and an exact one by the fast path, with the same payloads', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT', 'PTT'] });
    const published = new Map<string, Buffer[]>();
    sim.on('published', (p: { symbol: string; payload: Uint8Array }) => {
      const list = published.get(p.symbol) ?? [];
      list.push(Buffer.from(p.payload));
      published.set(p.symbol, list);
    });
    const client = makeClient({ ...credentials, baseUrl, ...fast });
    const got: { topic: string; payload: Buffer }[] = [];
    client.on('message', (topic, payload) => got.push({ topic, payload: Buffer.from(payload) }));
    client.subscribe('proto/topic/bidofferv3/+'); // wildcard: not fast-pathed
    client.subscribe('proto/topic/bidofferv3/AOT'); // exact: fast-pathed (and also matches the wildcard)
    await client.connect();
    await until(() => got.filter((g) => g.topic.endsWith('/PTT')).length >= 20 && got.filter((g) => g.topic.endsWith('/AOT')).length >= 20, 'both symbols');
    await client.shutdown();
    for (const symbol of ['AOT', 'PTT']) {
      const sent = published.get(symbol) ?? [];
      const received = got.filter((g) => g.topic === `proto/topic/bidofferv3/${symbol}`);
      // Every received payload is one the simulator published, byte for byte.
      for (const r of received) expect(sent.some((p) => p.equals(r.payload))).toBe(true);
    }
    // AOT matches both subscriptions; a broker may deliver it once or twice, never zero times.
    expect(got.filter((g) => g.topic.endsWith('/AOT')).length).toBeGreaterThan(0);
  });

  it('keepalive works while the fast path takes every PUBLISH (pings still answered, no disconnect)', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const client = makeClient({ ...credentials, baseUrl, ...fast, keepaliveSec: 1 });
    let n = 0;
    client.on('message', () => n++);
    client.subscribe('proto/topic/bidofferv3/AOT');
    await client.connect();
    // MQTT.js sees no PUBLISH (the fast path takes them all), so it pings
    // every keepalive period; a lost PINGRESP would close the session.
    await until(() => sim.stats().pings >= 3, 'three keepalive round trips', 15_000);
    expect(client.stats()).toMatchObject({ state: 'CONNECTED', reconnectEpoch: 0, reconnectCount: 0 });
    expect(n).toBeGreaterThan(100);
  });

  it('after a forced disconnect: RECONNECTING -> CONNECTED, epoch + 1, subscriptions replayed, no old epoch after the new one', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: [] });
    const client = makeClient({ ...credentials, baseUrl, ...fast });
    const msgs: Msg[] = [];
    const states: string[] = [];
    client.on('message', (topic, _p, epoch) => msgs.push({ topic, epoch }));
    client.on('state', (s) => states.push(s));
    const symbols = ['AOT', 'PTT', 'BANPU-W5'];
    for (const s of symbols) client.subscribe(`proto/topic/bidofferv3/${s}`);
    await client.connect();
    await until(() => msgs.length > 20, 'messages before the drop');

    const reconnect = new Promise<{ epoch: number; reason: string; subscriptions: number }>((r) => client.once('reconnect', r));
    sim.faults.dropConnections();
    const info = await reconnect;
    expect(info).toEqual({ epoch: 1, reason: 'connection-lost', subscriptions: 3 });
    expect(states.slice(-2)).toEqual(['RECONNECTING', 'CONNECTED']);
    expect(client.stats()).toMatchObject({ reconnectEpoch: 1, reconnectCount: 1, state: 'CONNECTED' });
    expect(client.stats().lastDisconnectTs).toBeGreaterThan(0);
    // The access token is still valid: no new login, only a new dispatcher token.
    expect(sim.stats()).toMatchObject({ logins: 1, refreshes: 0 });

    await until(() => symbols.every((s) => msgs.some((m) => m.epoch === 1 && m.topic.endsWith(`/${s}`))), 'every symbol on epoch 1');
    const firstNew = msgs.findIndex((m) => m.epoch === 1);
    expect(firstNew).toBeGreaterThan(0);
    expect(msgs.slice(firstNew).every((m) => m.epoch === 1)).toBe(true);
  });

  it('refreshes the token (refresh-token endpoint) by a controlled reconnect before it expires', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'], tokenLifetimeSec: 1.2 });
    const cutOff: string[] = [];
    sim.on('clientDisconnected', (reason) => cutOff.push(reason));
    const client = makeClient({ ...credentials, baseUrl, ...fast, tokenRefreshBeforeExpSec: 0.5 });
    const reasons: string[] = [];
    const lostStates: string[] = [];
    client.on('reconnect', (i) => reasons.push(i.reason));
    client.on('state', (s) => lostStates.push(s));
    client.subscribe('proto/topic/bidofferv3/AOT');
    await client.connect();
    const rejectedBefore = sim.stats().rejectedUpgrades;
    await until(() => reasons.length >= 2, 'two token refreshes');
    expect(reasons.slice(0, 2)).toEqual(['token-refresh', 'token-refresh']);
    expect(client.stats().reconnectEpoch).toBeGreaterThanOrEqual(2);
    // One signed login; every renewal went through the refresh-token endpoint.
    expect(sim.stats()).toMatchObject({ logins: 1, rejectedRefreshes: 0 });
    expect(sim.stats().refreshes).toBeGreaterThanOrEqual(2);
    // Refreshed before expiry: the simulator never had to cut us off, nothing was refused.
    expect(cutOff).not.toContain('token-expired');
    expect(sim.stats().rejectedUpgrades).toBe(rejectedBefore);
    expect(client.stats().consecutiveFailures).toBe(0);
  });

  it('reconnects with a fresh token when the server expires every token', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const client = makeClient({ ...credentials, baseUrl, ...fast });
    let epochs = 0;
    client.on('message', (_t, _p, e) => (epochs = Math.max(epochs, e)));
    client.subscribe('proto/topic/bidofferv3/AOT');
    await client.connect();
    const reconnect = new Promise<number>((r) => client.once('reconnect', (i) => r(i.epoch)));
    sim.faults.expireTokens();
    expect(await reconnect).toBe(1);
    await until(() => epochs === 1, 'messages on the new connection');
    expect(sim.stats().logins).toBe(2);
  });

  it('wrong credentials on the first connect: fails fast with AUTH_REJECTED, no retry, SHUTDOWN', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const wrongSecret = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64');
    const client = makeClient({ ...credentials, appSecret: wrongSecret, baseUrl, ...fast });
    const errors: SettradeError[] = [];
    client.on('error', (e) => errors.push(e));
    const err = (await client.connect().catch((e: unknown) => e)) as SettradeError;
    expect(err).toBeInstanceOf(SettradeError);
    expect(err).toMatchObject({ code: 'ERR_AUTH_REJECTED', status: 401, step: 'login' });
    expect(err.message).toMatch(/login rejected: HTTP 401 \(INVALID_SIGNATURE\)/);
    expect(client.stats()).toMatchObject({ state: 'SHUTDOWN', failed: true, connected: false });
    expect(sim.stats().rejectedLogins).toBe(1);
    expect(errors).toEqual([err]); // surfaced once, and it is what connect() rejected with
    for (const e of errors) {
      expect(e.message).not.toContain(wrongSecret);
      expect(e.message).not.toContain(credentials.appSecret);
    }
  });

  it('a bounded maxRetries (the tuning guide\'s 5) still gives up with RETRIES_EXHAUSTED', async () => {
    const { sim, baseUrl } = await startSim({ symbols: [] });
    const url = `${baseUrl.replace('http:', 'ws:')}/api/dispatcher/v3/SIM/mqtt`;
    const client = makeClient({ endpoint: staticEndpoint(url, { Authorization: 'Bearer wrong' }), ...fast, baseDelayMs: 5, maxDelayMs: 20, maxRetries: 5 });
    const err = (await client.connect().catch((e: unknown) => e)) as SettradeError & { cause: SettradeError };
    expect(err.code).toBe('ERR_RETRIES_EXHAUSTED');
    expect(err.message).toMatch(/gave up after 6 failed attempts \(credentials rejected\)/);
    expect(err.cause.code).toBe('ERR_MQTT_AUTH_REJECTED');
    expect(sim.stats().rejectedUpgrades).toBe(6); // the first attempt + maxRetries
    expect(client.stats()).toMatchObject({ state: 'SHUTDOWN', failed: true });
  });

  it('by default never gives up: refused upgrades back off (50, 100, 200, 400, 400 ms) instead of storming', async () => {
    const { sim, baseUrl } = await startSim({ symbols: [] });
    const url = `${baseUrl.replace('http:', 'ws:')}/api/dispatcher/v3/SIM/mqtt`;
    const client = makeClient({ endpoint: staticEndpoint(url, { Authorization: 'Bearer wrong' }), ...fast, jitter: 0 });
    const at: number[] = [];
    sim.on('upgradeRejected', () => at.push(performance.now()));
    let errors = 0;
    client.on('error', () => errors++);
    void client.connect().catch(() => {});
    // The server's rejection is seen here before the client reads the 401: wait for both.
    await until(() => at.length >= 7 && errors >= 7, 'seven refused attempts, each reported');
    const gaps = at.slice(1, 7).map((t, i) => t - at[i]!);
    const expected = [50, 100, 200, 400, 400, 400];
    // Timers never fire early (2 ms of clock rounding allowed): the attempts are spaced at least by the backoff.
    gaps.forEach((g, i) => expect(g, `gap ${i}`).toBeGreaterThanOrEqual(expected[i]! - 2));
    expect(client.state).toBe('CONNECTING');
    expect(client.stats().failed).toBe(false);
    expect(client.stats().reconnectAttempts).toBeGreaterThanOrEqual(7);
  });

  it('isolates a throwing message listener and counts it', async () => {
    const { baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const client = makeClient({ ...credentials, baseUrl, ...fast });
    let good = 0;
    client.on('message', () => {
      throw new Error('boom');
    });
    client.on('message', () => good++);
    client.subscribe('proto/topic/bidofferv3/AOT');
    await client.connect();
    await until(() => good >= 10, 'messages');
    const s = client.stats();
    expect(s.callbackErrors).toBeGreaterThanOrEqual(10);
    expect(s.callbackErrors).toBeLessThanOrEqual(s.messagesReceived);
    expect(client.state).toBe('CONNECTED');
  });
});
