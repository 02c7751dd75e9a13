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
  signLogin,
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
    expect((caught as SettradeError).code).toBe('SECRET_INVALID');
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

  it('defaults to the seed reconnect policy', () => {
    expect(SETTRADE_CLIENT_DEFAULTS).toMatchObject({ baseDelayMs: 1000, multiplier: 2, maxRetries: 5, keepaliveSec: 30 });
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
});
