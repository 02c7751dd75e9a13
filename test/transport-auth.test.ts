/**
 * Login signing, API target resolution, connection-target safety, options
 * validation and backoff: the parts of the transport that need no server.
 */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  dispatcherMqttUrl,
  privateKeyFromSecret,
  resolveApiTarget,
  SettradeClient,
  SettradeConfigError,
  SettradeError,
  SETTRADE_CLIENT_DEFAULTS,
  SETTRADE_CLIENT_OPTION_KEYS,
  USER_AGENT,
  PACKAGE_VERSION,
  signLogin,
  type SettradeClientOptions,
  staticEndpoint,
} from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';

function keyPair(): { secret: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const d = privateKey.export({ format: 'jwk' }).d as string;
  return { secret: Buffer.from(d, 'base64url').toString('base64'), publicKey };
}

describe('login signature', () => {
  it('is a DER ECDSA P-256 signature over SHA-256 of "appId.params.timestamp", hex', () => {
    const { secret, publicKey } = keyPair();
    const key = privateKeyFromSecret(secret);
    const sig = signLogin(key, 'app-1', '', '1700000000000');
    expect(sig).toMatch(/^[0-9a-f]+$/);
    expect(sig.startsWith('30')).toBe(true); // DER SEQUENCE
    const msg = Buffer.from('app-1..1700000000000');
    expect(verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(sig, 'hex'))).toBe(true);
    expect(verify('sha256', Buffer.from('app-1..1700000000001'), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(sig, 'hex'))).toBe(false);
  });

  it('restores missing base64 padding and derives the matching public key', () => {
    // Find a scalar whose base64 ends in '=' so stripping it matters.
    let kp = keyPair();
    while (!kp.secret.endsWith('=')) kp = keyPair();
    const unpadded = kp.secret.replace(/=+$/, '');
    const key = privateKeyFromSecret(unpadded);
    expect(createPublicKey(key).export({ format: 'jwk' })).toEqual(kp.publicKey.export({ format: 'jwk' }));
  });

  it('rejects a malformed secret without echoing it', () => {
    const secret = 'not base64 !!! SUPERSECRETVALUE';
    let caught: unknown;
    try {
      privateKeyFromSecret(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SettradeError);
    expect((caught as SettradeError).code).toBe('ERR_SECRET_INVALID');
    expect((caught as Error).message).not.toContain('SUPERSECRETVALUE');
    expect(() => privateKeyFromSecret(Buffer.alloc(40, 7).toString('base64'))).toThrow(/32-byte/);
  });
});

describe('API target', () => {
  it('maps SANDBOX to UAT and broker 098, others to production', () => {
    expect(resolveApiTarget('SANDBOX')).toEqual({ baseUrl: 'https://open-api-test.settrade.com', brokerId: '098' });
    expect(resolveApiTarget('sandbox').brokerId).toBe('098');
    expect(resolveApiTarget('023')).toEqual({ baseUrl: 'https://open-api.settrade.com', brokerId: '023' });
    expect(resolveApiTarget('SANDBOX', 'http://127.0.0.1:9/')).toEqual({ baseUrl: 'http://127.0.0.1:9', brokerId: '098' });
  });

  it('builds ws:// only for loopback over http, wss:// (port 443 by default) otherwise', () => {
    expect(dispatcherMqttUrl('http://127.0.0.1:8080', '127.0.0.1:9001', 'SIM')).toBe(
      'ws://127.0.0.1:9001/api/dispatcher/v3/SIM/mqtt',
    );
    expect(dispatcherMqttUrl('https://open-api.settrade.com', 'mqtt.settrade.com', '023')).toBe(
      'wss://mqtt.settrade.com:443/api/dispatcher/v3/023/mqtt',
    );
    expect(dispatcherMqttUrl('http://127.0.0.1:8080', 'evil.example.com:80', 'SIM')).toMatch(/^wss:/);
  });
});

describe('options', () => {
  const creds = { appId: 'a', appSecret: keyPair().secret, appCode: 'ALGO', brokerId: 'SIM', logger: silentLogger };

  it('refuses plain http/ws/mqtt to non-loopback hosts', () => {
    expect(() => new SettradeClient({ ...creds, baseUrl: 'http://example.com' })).toThrow(/baseUrl.*loopback/);
    expect(() => staticEndpoint('mqtt://10.0.0.1:1883')).toThrow(SettradeConfigError);
    expect(() => staticEndpoint('ws://localhost:1/x')).not.toThrow();
    expect(() => new SettradeClient({ ...creds, baseUrl: 'https://example.com' })).not.toThrow();
  });

  it('names the bad field', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ baseDelayMs: -1 }, 'baseDelayMs'],
      [{ multiplier: 0.5 }, 'multiplier'],
      [{ maxRetries: 1.5 }, 'maxRetries'],
      [{ jitter: 2 }, 'jitter'],
      [{ maxDelayMs: 10, baseDelayMs: 100 }, 'maxDelayMs'],
      [{ appId: '' }, 'appId'],
      [{ appSecret: undefined }, 'appSecret'],
    ];
    for (const [patch, field] of bad) {
      let caught: unknown;
      try {
        new SettradeClient({ ...creds, ...patch });
      } catch (err) {
        caught = err;
      }
      expect(caught, field).toBeInstanceOf(SettradeConfigError);
      expect((caught as SettradeConfigError).field).toBe(field);
    }
    expect(() => new SettradeClient({ ...creds, maxRetries: Infinity })).not.toThrow();
  });

  it('defaults: the seed backoff (1 s, x2) capped at 30 s, never giving up, refresh 100 s before expiry', () => {
    expect(SETTRADE_CLIENT_DEFAULTS).toMatchObject({
      baseDelayMs: 1000,
      multiplier: 2,
      maxDelayMs: 30_000,
      maxRetries: Number.POSITIVE_INFINITY,
      tokenRefreshBeforeExpSec: 100,
      keepaliveSec: 30,
      initialEpoch: 0,
    });
    expect(SETTRADE_CLIENT_OPTION_KEYS).toEqual(expect.arrayContaining(['appId', 'endpoint', 'maxRetries', 'logger', 'initialEpoch']));
    expect(SETTRADE_CLIENT_OPTION_KEYS).not.toContain('symbols');
  });

  const noWarn = { debug() {}, info() {}, error() {} };
  // [patch, field, message pattern]: every row must throw SettradeConfigError (CONFIG_INVALID) naming the field.
  const rows: [string, Record<string, unknown>, string, RegExp][] = [
    ['logger without warn', { logger: noWarn }, 'logger', /debug, info, warn and error/],
    ['logger not an object', { logger: console.log }, 'logger', /debug, info, warn and error/],
    ['baseDelayMs beyond a timer', { baseDelayMs: 3e9 }, 'baseDelayMs', /2147483647/],
    ['maxDelayMs beyond a timer', { maxDelayMs: 3e9 }, 'maxDelayMs', /2147483647/],
    ['connectTimeoutMs beyond a timer', { connectTimeoutMs: 3e9 }, 'connectTimeoutMs', /2147483647/],
    ['httpTimeoutMs beyond a timer', { httpTimeoutMs: 3e9 }, 'httpTimeoutMs', /2147483647/],
    ['connectTimeoutMs 0', { connectTimeoutMs: 0 }, 'connectTimeoutMs', /1/],
    ['baseDelayMs NaN', { baseDelayMs: Number.NaN }, 'baseDelayMs', /NaN/],
    ['baseDelayMs negative', { baseDelayMs: -1 }, 'baseDelayMs', /-1/],
    ['baseDelayMs fractional', { baseDelayMs: 1.5 }, 'baseDelayMs', /int/i],
    ['multiplier NaN', { multiplier: Number.NaN }, 'multiplier', /NaN/],
    ['multiplier below 1', { multiplier: 0.5 }, 'multiplier', /0\.5/],
    ['maxRetries negative', { maxRetries: -1 }, 'maxRetries', /-1/],
    ['maxRetries NaN', { maxRetries: Number.NaN }, 'maxRetries', /NaN/],
    ['maxRetries fractional', { maxRetries: 1.5 }, 'maxRetries', /1\.5/],
    ['jitter above 1', { jitter: 2 }, 'jitter', /2/],
    ['jitter NaN', { jitter: Number.NaN }, 'jitter', /NaN/],
    ['tokenRefreshBeforeExpSec negative', { tokenRefreshBeforeExpSec: -1 }, 'tokenRefreshBeforeExpSec', /-1/],
    ['keepaliveSec beyond MQTT', { keepaliveSec: 70_000 }, 'keepaliveSec', /65535/],
    ['initialEpoch negative', { initialEpoch: -1 }, 'initialEpoch', /-1/],
    ['initialEpoch fractional', { initialEpoch: 0.5 }, 'initialEpoch', /0\.5/],
    ['maxDelayMs below baseDelayMs', { maxDelayMs: 10, baseDelayMs: 100 }, 'maxDelayMs', />= baseDelayMs/],
    ['misspelt key', { maxRetires: 3 }, 'maxRetires', /unknown option \(did you mean 'maxRetries'\?\)/],
    ['misspelt key (case)', { basedelayms: 3 }, 'basedelayms', /did you mean 'baseDelayMs'/],
    ['unknown key', { symbols: ['AOT'] }, 'symbols', /unknown option/],
    ['empty appId', { appId: '' }, 'appId', /non-empty/],
    ['blank appCode', { appCode: '   ' }, 'appCode', /non-empty/],
    ['missing appSecret', { appSecret: undefined }, 'appSecret', /required.*missing appSecret/],
    ['endpoint of the wrong type', { endpoint: 42 }, 'endpoint', /URL string or a function/],
    ['clientIdPrefix with a slash', { clientIdPrefix: 'a/b' }, 'clientIdPrefix', /letters/],
  ];
  it.each(rows)('rejects %s', (_name, patch, field, message) => {
    let caught: unknown;
    try {
      new SettradeClient({ ...creds, ...patch } as SettradeClientOptions);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SettradeConfigError);
    expect(caught).toMatchObject({ field, code: 'ERR_CONFIG_INVALID' });
    expect((caught as Error).message.startsWith(`${field}: `)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain(creds.appSecret);
  });

  it('no options at all: a clear error naming every missing credential', () => {
    const ctor = SettradeClient as unknown as new (o?: unknown) => SettradeClient;
    expect(() => new ctor()).toThrow(new SettradeConfigError('appId', 'required (non-empty string); missing appId, appSecret, appCode, brokerId: give appId, appSecret, appCode and brokerId, or endpoint'));
    expect(() => new ctor(null)).toThrow(/^options: must be an object, got null$/);
    expect(() => new ctor({ endpoint: 'mqtt://127.0.0.1:1883' })).not.toThrow();
  });

  it('never echoes a string value (a secret in the wrong field)', () => {
    const secret = creds.appSecret;
    expect(() => new SettradeClient({ ...creds, clientIdPrefix: secret })).toThrow(/clientIdPrefix: .*a string of \d+ characters/);
    try {
      new SettradeClient({ ...creds, baseUrl: secret });
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within the ratio', () => {
    const p = { baseDelayMs: 1000, multiplier: 2, maxDelayMs: 10_000, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(p, a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    const j = { ...p, jitter: 0.2 };
    expect(backoffDelay(j, 1, () => 0)).toBe(1600);
    expect(backoffDelay(j, 1, () => 1)).toBe(2400);
    expect(backoffDelay(j, 10, () => 1)).toBe(10_000);
  });

  it('stays at the cap for any attempt number, even where the power overflows (never NaN, never 0)', () => {
    const p = { baseDelayMs: 20, multiplier: 2, maxDelayMs: 320, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 100, 2000, 1e6].map((a) => backoffDelay(p, a))).toEqual([20, 40, 80, 160, 320, 320, 320, 320, 320]);
    expect(backoffDelay({ ...p, baseDelayMs: 0 }, 5000)).toBe(320);
  });
});

describe('User-Agent', () => {
  it('is settrade-feed/{package.json version} node/{process.version}', async () => {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
    expect(USER_AGENT).toBe(`settrade-feed/${pkg.version} node/${process.version}`);
  });
});
