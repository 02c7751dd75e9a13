import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { Simulator, SimulatorError, type SimulatorStartInfo } from '../src/sim/index.js';
import { getDispatcher, login, loginBody, postLogin } from './helpers/sim-client.js';

describe('simulator REST', () => {
  const sim = new Simulator({ tokenLifetimeSec: 600, clockSkewSec: 30 });
  let info: SimulatorStartInfo;
  beforeAll(async () => {
    info = await sim.start();
  });
  afterAll(() => sim.stop());

  it('binds to 127.0.0.1 on an OS-chosen port and hands out credentials', () => {
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(info.credentials.appSecret, 'base64')).toHaveLength(32);
    expect(info.credentials).toMatchObject({ appCode: 'ALGO', brokerId: 'SIM' });
  });

  it('logs in with a correctly signed request', async () => {
    const { status, json } = await postLogin(info, loginBody(info));
    expect(status).toBe(200);
    expect(json.token_type).toBe('Bearer');
    expect(json.expires_in).toBe(600);
    expect(typeof json.access_token).toBe('string');
    expect(typeof json.refresh_token).toBe('string');
  });

  it('refuses a signature made with another key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
    const wrongSecret = Buffer.from(other.d ?? '', 'base64url').toString('base64');
    const { status, json } = await postLogin(info, loginBody(info, { appSecret: wrongSecret }));
    expect(status).toBe(401);
    expect(json.code).toBe('INVALID_SIGNATURE');
  });

  it('refuses a signature over different content (tampered timestamp)', async () => {
    const body = loginBody(info);
    body.timestamp = String(Number(body.timestamp) - 1);
    const { status } = await postLogin(info, body);
    expect(status).toBe(401);
  });

  it('refuses an unknown app id', async () => {
    const { status, json } = await postLogin(info, loginBody(info, { apiKey: 'not-the-app' }));
    expect(status).toBe(403);
    expect(json.code).toBe('UNKNOWN_APP');
  });

  it('refuses a timestamp outside the clock skew, either way', async () => {
    for (const ts of [Date.now() - 60_000, Date.now() + 60_000]) {
      const { status, json } = await postLogin(info, loginBody(info, { timestamp: String(ts) }));
      expect(status).toBe(401);
      expect(json.code).toBe('TIMESTAMP_OUT_OF_RANGE');
    }
  });

  it('answers malformed bodies with 400 JSON errors that never echo the input', async () => {
    const bad = await postLogin(info, '{not json');
    expect(bad.status).toBe(400);
    const body = loginBody(info);
    const missing = await postLogin(info, { ...body, signature: '' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.json)).not.toContain(body.timestamp);
    const wrongSig = await postLogin(info, { ...body, signature: 'zz' + body.signature });
    expect(wrongSig.status).toBe(401);
    expect(JSON.stringify(wrongSig.json)).not.toContain(body.signature);
    expect(sim.stats().rejectedLogins).toBeGreaterThanOrEqual(3);
  });

  it('the dispatcher token endpoint needs a valid access token', async () => {
    expect((await getDispatcher(info, undefined)).status).toBe(401);
    expect((await getDispatcher(info, 'made-up')).status).toBe(401);
    const { status, json } = await getDispatcher(info, await login(info));
    expect(status).toBe(200);
    expect(json.hosts).toEqual([info.baseUrl.replace('http://', '')]);
    expect(typeof json.token).toBe('string');
  });

  async function postRefresh(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${info.baseUrl}/api/oam/v1/SIM/broker-apps/ALGO/refresh-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('refresh-token: a refresh token buys a new session once; a second use is 401', async () => {
    const { json: first } = await postLogin(info, loginBody(info));
    const apiKey = info.credentials.appId;
    const before = sim.stats().refreshes;
    const ok = await postRefresh({ apiKey, refreshToken: first.refresh_token });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    expect(ok.json.access_token).not.toBe(first.access_token);
    expect(ok.json.refresh_token).not.toBe(first.refresh_token);
    expect((await getDispatcher(info, ok.json.access_token as string)).status).toBe(200);
    const again = await postRefresh({ apiKey, refreshToken: first.refresh_token });
    expect(again).toMatchObject({ status: 401, json: { code: 'REFRESH_TOKEN_USED' } });
    expect((await postRefresh({ apiKey, refreshToken: 'made-up' })).status).toBe(401);
    expect((await postRefresh({ apiKey: 'other', refreshToken: ok.json.refresh_token })).status).toBe(403);
    expect((await postRefresh({ apiKey })).status).toBe(400);
    // An access token is not a refresh token.
    expect((await postRefresh({ apiKey, refreshToken: ok.json.access_token })).status).toBe(401);
    expect(sim.stats().refreshes).toBe(before + 1);
    expect(sim.stats().rejectedRefreshes).toBeGreaterThanOrEqual(5);
  });

  it('unknown paths are 404', async () => {
    const res = await fetch(`${info.baseUrl}/api/oam/v1/OTHER/broker-apps/ALGO/login`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});

describe('simulator options and lifecycle', () => {
  it('rejects bad options naming the field', () => {
    expect(() => new Simulator({ ratePerSymbol: -1 })).toThrow(/ratePerSymbol/);
    expect(() => new Simulator({ symbols: ['AOT', 'a/b'] })).toThrow(/symbols\.1/);
    expect(() => new Simulator({ port: 70000 })).toThrow(SimulatorError);
    expect(() => new Simulator({ brokerId: '../x' } as never)).toThrow(/brokerId/);
    expect(() => new Simulator({ nope: 1 } as never)).toThrow(/nope|unrecognized/i);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('access tokens expire after tokenLifetimeSec', async () => {
    const sim = new Simulator({ tokenLifetimeSec: 0.2 });
    const info = await sim.start();
    try {
      const token = await login(info);
      expect((await getDispatcher(info, token)).status).toBe(200);
      // Only Date is faked: the token store reads Date.now(), the sockets keep their real timers.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 250);
      const { status, json } = await getDispatcher(info, token);
      expect(status).toBe(401);
      expect(json.code).toBe('TOKEN_EXPIRED');
    } finally {
      vi.useRealTimers();
      await sim.stop();
    }
  });

  it('refresh tokens expire too (after twice the access token lifetime)', async () => {
    const sim = new Simulator({ tokenLifetimeSec: 10 });
    const info = await sim.start();
    try {
      const { json } = await postLogin(info, loginBody(info));
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 20_001);
      const res = await fetch(`${info.baseUrl}/api/oam/v1/SIM/broker-apps/ALGO/refresh-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: info.credentials.appId, refreshToken: json.refresh_token }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('REFRESH_TOKEN_EXPIRED');
    } finally {
      vi.useRealTimers();
      await sim.stop();
    }
  });

  it('rejects a bad universe or token type naming the field', () => {
    expect(() => new Simulator({ universe: ['AOT', 'bad symbol'] })).toThrow(/universe\.1/);
    expect(() => new Simulator({ tokenType: 'Bad Type' })).toThrow(/tokenType/);
  });

  it('stop() is idempotent, closes the port and leaves no timers', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 100 });
    const info = await sim.start();
    await login(info);
    await Promise.all([sim.stop(), sim.stop()]);
    await sim.stop();
    await expect(fetch(`${info.baseUrl}/api/dispatcher/v3/SIM/token`)).rejects.toThrow();
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
    await expect(sim.start()).rejects.toThrow(SimulatorError);
  });
});
