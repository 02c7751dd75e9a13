/**
 * The real service's protocol and never giving up, against the embedded
 * simulator (real REST, real MQTT over WebSocket on loopback): outages longer
 * than any bounded retry budget, the refresh-token endpoint and its fallback,
 * the token type in the headers, the REST headers, and rejected subscriptions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BidOfferAdapter } from '../src/adapter/index.js';
import { Simulator, type SimulatorOptions } from '../src/sim/index.js';
import type { BestBidAsk } from '../src/events/types.js';
import {
  SETTRADE_CLIENT_DEFAULTS,
  SettradeClient,
  USER_AGENT,
  type ClientState,
  type SettradeClientOptions,
  type SubscribeErrorEvent,
} from '../src/transport/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSim(opts: SimulatorOptions = {}) {
  const sim = new Simulator({ ratePerSymbol: 200, ...opts });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, ...info };
}

function makeClient(opts: SettradeClientOptions): SettradeClient {
  const client = new SettradeClient({ logger: silentLogger, connectTimeoutMs: 3000, ...opts });
  cleanups.push(() => client.shutdown());
  return client;
}

const AOT = 'proto/topic/bidofferv3/AOT';
const PTT = 'proto/topic/bidofferv3/PTT';

describe('never giving up', () => {
  it('survives an outage three times the tuning guide\'s whole retry budget, with the default maxRetries', async () => {
    // The guide's 5 delays scaled down: 20 + 40 + 80 + 160 + 320 = 620 ms. The outage lasts 1.9 s.
    const budgetMs = [0, 1, 2, 3, 4].reduce((sum, i) => sum + 20 * 2 ** i, 0);
    const outageMs = 1900;
    expect(outageMs).toBeGreaterThanOrEqual(3 * budgetMs);
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const client = makeClient({ ...credentials, baseUrl, baseDelayMs: 20, multiplier: 2, maxDelayMs: 320 });
    expect(SETTRADE_CLIENT_DEFAULTS.maxRetries).toBe(Number.POSITIVE_INFINITY);
    const states: ClientState[] = [];
    client.on('state', (s) => states.push(s));
    let failures = 0;
    client.on('error', () => failures++);
    let lastEpoch = -1;
    client.on('message', (_t, _p, epoch) => (lastEpoch = epoch));
    client.subscribe(AOT);
    await client.connect();
    await until(() => lastEpoch === 0, 'messages before the outage');

    const outageStart = performance.now();
    sim.faults.outage(outageMs);
    expect(sim.stats()).toMatchObject({ outages: 1, outageActive: true });
    await until(() => failures >= 6, 'more failed attempts than maxRetries 5 would allow');
    // Still trying, still RECONNECTING, and the stats say so.
    const during = client.stats();
    expect(during).toMatchObject({ state: 'RECONNECTING', failed: false, connected: false });
    expect(during.reconnectAttempts).toBeGreaterThanOrEqual(6);
    expect(during.lastMessageTs).toBeGreaterThan(0);
    expect(during.lastMessageTs).toBeLessThanOrEqual(Date.now());
    const metrics = await createMetrics({ client }).metrics();
    const attempts = Number(/^settrade_feed_client_reconnect_attempts (\d+)$/m.exec(metrics)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(6);
    const silentSec = Number(/^settrade_feed_client_seconds_since_last_message ([\d.e-]+)$/m.exec(metrics)?.[1]);
    expect(silentSec).toBeGreaterThan(0);

    const reconnect = await new Promise<{ epoch: number }>((r) => client.once('reconnect', r));
    expect(performance.now() - outageStart).toBeGreaterThanOrEqual(outageMs - 5);
    expect(reconnect.epoch).toBe(1);
    await until(() => lastEpoch === 1, 'messages after the outage', 5000);
    expect(states).not.toContain('SHUTDOWN');
    expect(failures).toBeGreaterThan(5);
    expect(client.stats()).toMatchObject({ state: 'CONNECTED', reconnectAttempts: 0, consecutiveFailures: 0, failed: false });
    expect(sim.stats().rejectedUpgrades + sim.stats().rejectedLogins).toBe(0); // refused with 503, not as bad credentials
  });
});

describe('initialEpoch', () => {
  it('the first connection carries initialEpoch, each reconnection one more', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const client = makeClient({ ...credentials, baseUrl, baseDelayMs: 20, initialEpoch: 7 });
    const epochs = new Set<number>();
    client.on('message', (_t, _p, epoch) => epochs.add(epoch));
    client.subscribe(AOT);
    await client.connect();
    await until(() => epochs.has(7), 'epoch 7');
    sim.faults.dropConnections();
    await until(() => epochs.has(8), 'epoch 8');
    expect([...epochs].sort()).toEqual([7, 8]);
    expect(client.reconnectEpoch).toBe(8);
  });
});

describe('token renewal', () => {
  it('a refused refresh (expired refresh token) falls back to a signed login', async () => {
    // Tokens live 30 s, less than the 100 s default margin: every renewal goes to the refresh endpoint first.
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'], tokenLifetimeSec: 30 });
    const client = makeClient({ ...credentials, baseUrl, baseDelayMs: 20, maxDelayMs: 100 });
    const refreshCodes: string[] = [];
    sim.on('refresh', (r) => refreshCodes.push(r.code));
    let lastEpoch = -1;
    client.on('message', (_t, _p, epoch) => (lastEpoch = epoch));
    client.subscribe(AOT);
    await client.connect();
    expect(sim.stats()).toMatchObject({ logins: 1, refreshes: 0 });

    sim.faults.expireTokens(); // access, refresh and dispatcher tokens; connections cut
    await until(() => lastEpoch === 1, 'messages after the reconnect');
    expect(refreshCodes).toEqual(['REFRESH_TOKEN_EXPIRED']);
    expect(sim.stats()).toMatchObject({ logins: 2, refreshes: 0, rejectedRefreshes: 1 });
  });

  it("sends the login's token type: a simulator issuing 'Token' accepts only that scheme", async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'], tokenType: 'Token' });
    const client = makeClient({ ...credentials, baseUrl });
    let n = 0;
    client.on('message', () => n++);
    client.subscribe(AOT);
    await client.connect();
    await until(() => n > 5, 'messages');
    expect(sim.stats()).toMatchObject({ rejectedUpgrades: 0, totalConnections: 1 });
  });
});

describe('REST headers', () => {
  it('every request sends User-Agent settrade-feed/{version} node/{version} and Content-Type application/json', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: ['AOT'] });
    const seen: { path: string; userAgent?: string; contentType?: string }[] = [];
    sim.on('request', (r) => seen.push(r));
    const client = makeClient({ ...credentials, baseUrl });
    await client.connect();
    expect(seen.map((r) => r.path)).toEqual(['/api/oam/v1/SIM/broker-apps/ALGO/login', '/api/dispatcher/v3/SIM/token']);
    for (const r of seen) {
      expect(r.userAgent).toBe(USER_AGENT);
      expect(r.contentType).toBe('application/json');
    }
    expect(USER_AGENT).toMatch(/^settrade-feed\/\d+\.\d+\.\d+\S* node\/v\d+/);
  });
});

describe('rejected subscriptions', () => {
  it('a symbol outside the universe: exactly one subscribeError naming it (client and adapter), the others keep flowing', async () => {
    const { sim, baseUrl, credentials } = await startSim({ symbols: [] });
    expect(sim.universe.has('NOPE')).toBe(false);
    const client = makeClient({ ...credentials, baseUrl });
    const events: BestBidAsk[] = [];
    const adapter = new BidOfferAdapter({ client, fullDepth: false, onEvent: (e) => events.push(e), logger: silentLogger });
    const fromClient: SubscribeErrorEvent[] = [];
    const fromAdapter: SubscribeErrorEvent[] = [];
    client.on('subscribeError', (e) => fromClient.push(e));
    adapter.on('subscribeError', (e) => fromAdapter.push(e));
    const topics: string[] = [];
    client.on('message', (t) => topics.push(t));
    for (const s of ['AOT', 'NOPE', 'PTT']) adapter.subscribe(s);
    await client.connect();
    await until(() => fromAdapter.length === 1, 'the subscribe error');
    const count = (sym: string): number => events.filter((e) => e.symbol === sym).length;
    const [aot0, ptt0] = [count('AOT'), count('PTT')];
    await until(() => count('AOT') >= aot0 + 20 && count('PTT') >= ptt0 + 20, 'AOT and PTT after the error');

    expect(fromClient).toHaveLength(1);
    expect(fromAdapter).toHaveLength(1);
    expect(fromClient[0]).toMatchObject({ symbol: 'NOPE', topic: 'proto/topic/bidofferv3/NOPE', message: expect.stringMatching(/NOPE/) });
    expect(JSON.parse(fromClient[0]!.raw)).toEqual({ topic: 'proto/topic/bidofferv3/NOPE', message: fromClient[0]!.message });
    expect(fromAdapter[0]).toEqual(fromClient[0]);
    expect(count('NOPE')).toBe(0);
    // Never a message event, never the decoder: no parse error.
    expect(topics.some((t) => t.startsWith('$'))).toBe(false);
    expect(adapter.stats()).toMatchObject({ subscribeErrors: 1, parseErrors: 0, callbackErrors: 0 });
    expect(client.stats().subscribeErrors).toBe(1);
    expect(sim.stats().rejectedSubscriptions).toBe(1);
    expect(client.subscriptions).not.toContain('$sys/u/_broker/_uref/error/subscribe');

    // The error topic is part of the replay: after a reconnect the rejection is heard again.
    sim.faults.dropConnections();
    await until(() => fromAdapter.length === 2, 'the subscribe error after the reconnect');
    expect(fromClient).toHaveLength(2);
    adapter.close();
  });
});
