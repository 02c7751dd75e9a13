/**
 * What the client accepts from the login/refresh and dispatcher-token
 * endpoints (checked by hand in auth.ts, not with zod: a feed worker must
 * not load it): every malformed answer is ERR_RESPONSE_INVALID naming the
 * step, a valid one keeps only the fields the client uses. A real HTTP
 * server on 127.0.0.1 answers each case.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDispatcherToken, login, privateKeyFromSecret, resolveApiTarget, type ApiTarget } from '../src/transport/auth.js';
import { SettradeAuthError } from '../src/transport/errors.js';

let server: Server;
let target: ApiTarget;
let answer: unknown;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const key = privateKeyFromSecret(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64'));
const opts = { httpTimeoutMs: 5000, now: () => 1_700_000_000_000 };
const auth = { accessToken: 'a', tokenType: 'Bearer' };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = resolveApiTarget('SIM', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function loginWith(body: unknown): Promise<unknown> {
  answer = body;
  return login(target, { appId: 'app', appCode: 'ALGO' }, key, opts);
}

async function tokenWith(body: unknown): Promise<unknown> {
  answer = body;
  return fetchDispatcherToken(target, auth, opts);
}

describe('login response', () => {
  const valid = { access_token: 'tok', token_type: 'Bearer', refresh_token: 'r', expires_in: 3600 };
  it('a valid answer gives the token set (token_type defaults to Bearer, extra fields ignored)', async () => {
    expect(await loginWith(valid)).toEqual({ accessToken: 'tok', tokenType: 'Bearer', refreshToken: 'r', expiresAtMs: 1_700_003_600_000 });
    expect(await loginWith({ access_token: 'tok', expires_in: 1.5, extra: { x: 1 } })).toEqual({
      accessToken: 'tok',
      tokenType: 'Bearer',
      refreshToken: undefined,
      expiresAtMs: 1_700_000_001_500,
    });
  });
  const bad: [string, unknown][] = [
    ['null', null],
    ['an array', [valid]],
    ['no access_token', { ...valid, access_token: undefined }],
    ['an empty access_token', { ...valid, access_token: '' }],
    ['a numeric access_token', { ...valid, access_token: 42 }],
    ['a token_type with a space', { ...valid, token_type: 'Bearer x' }],
    ['a null token_type', { ...valid, token_type: null }],
    ['a numeric refresh_token', { ...valid, refresh_token: 7 }],
    ['no expires_in', { ...valid, expires_in: undefined }],
    ['expires_in 0', { ...valid, expires_in: 0 }],
    ['a negative expires_in', { ...valid, expires_in: -5 }],
    ['a string expires_in', { ...valid, expires_in: '3600' }],
  ];
  for (const [what, body] of bad) {
    it(`${what} is ERR_RESPONSE_INVALID`, async () => {
      const err = await loginWith(body).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SettradeAuthError);
      expect(err).toMatchObject({ code: 'ERR_RESPONSE_INVALID', step: 'login', message: 'login response lacks a valid access_token, token_type or expires_in' });
    });
  }
});

describe('dispatcher token response', () => {
  it('a valid answer gives hosts and token only', async () => {
    expect(await tokenWith({ hosts: ['h1:443', 'h2:443'], token: 't', other: 1 })).toEqual({ hosts: ['h1:443', 'h2:443'], token: 't' });
  });
  const bad: [string, unknown][] = [
    ['null', null],
    ['no hosts', { token: 't' }],
    ['empty hosts', { hosts: [], token: 't' }],
    ['an empty host', { hosts: ['h1', ''], token: 't' }],
    ['a numeric host', { hosts: [1], token: 't' }],
    ['hosts as a string', { hosts: 'h1', token: 't' }],
    ['no token', { hosts: ['h1'] }],
    ['an empty token', { hosts: ['h1'], token: '' }],
  ];
  for (const [what, body] of bad) {
    it(`${what} is ERR_RESPONSE_INVALID`, async () => {
      const err = await tokenWith(body).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SettradeAuthError);
      expect(err).toMatchObject({ code: 'ERR_RESPONSE_INVALID', step: 'token', message: 'dispatcher token response lacks hosts/token' });
    });
  }
});
