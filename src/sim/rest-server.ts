/**
 * The two REST endpoints of the Settrade Open API that a market-data client
 * needs: login (ECDSA-signed) and the dispatcher (MQTT) token. Errors are JSON
 * `{ code, message }` and never echo a secret, a token or a signature.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { verifyLoginSignature } from './auth-keys.js';
import type { TokenStore } from './token-store.js';

/** What the REST handler needs from the simulator. */
export interface RestContext {
  readonly brokerId: string;
  readonly appCode: string;
  readonly appId: string;
  readonly publicKey: KeyObject;
  readonly tokens: TokenStore;
  /** Current token lifetime (s), read per login so it can change at run time. */
  tokenLifetimeSec(): number;
  readonly clockSkewSec: number;
  /** `host:port` handed out in the dispatcher response. */
  mqttHost(): string;
  onLogin(ok: boolean, reason: string): void;
}

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { code, message });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** Builds the request listener for the REST endpoints. */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const loginPath = `/api/oam/v1/${ctx.brokerId}/broker-apps/${ctx.appCode}/login`;
  const tokenPath = `/api/dispatcher/v3/${ctx.brokerId}/token`;

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reject = (status: number, code: string, message: string): void => {
      ctx.onLogin(false, code);
      fail(res, status, code, message);
    };
    const text = await readBody(req);
    if (text === undefined) return reject(413, 'PAYLOAD_TOO_LARGE', 'request body too large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reject(400, 'INVALID_JSON', 'request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null) return reject(400, 'INVALID_REQUEST', 'request body must be a JSON object');
    const { apiKey, params, signature, timestamp } = body as Record<string, unknown>;
    for (const [name, v] of [['apiKey', apiKey], ['signature', signature], ['timestamp', timestamp]] as const) {
      if (typeof v !== 'string' || v.length === 0) return reject(400, 'INVALID_REQUEST', `field "${name}" must be a non-empty string`);
    }
    if (params !== undefined && typeof params !== 'string') return reject(400, 'INVALID_REQUEST', 'field "params" must be a string');
    const ts = timestamp as string;
    if (!/^\d{1,16}$/.test(ts)) return reject(400, 'INVALID_REQUEST', 'field "timestamp" must be Unix milliseconds as a string');
    if (apiKey !== ctx.appId) return reject(403, 'UNKNOWN_APP', 'unknown apiKey');
    if (Math.abs(Date.now() - Number(ts)) > ctx.clockSkewSec * 1000) {
      return reject(401, 'TIMESTAMP_OUT_OF_RANGE', `timestamp is more than ${ctx.clockSkewSec} s from the server clock`);
    }
    if (!verifyLoginSignature(ctx.publicKey, apiKey, params ?? '', ts, signature as string)) {
      return reject(401, 'INVALID_SIGNATURE', 'signature verification failed');
    }
    const lifetimeSec = ctx.tokenLifetimeSec();
    const expiresAt = Date.now() + lifetimeSec * 1000;
    const accessToken = ctx.tokens.issue('access', expiresAt);
    const refreshToken = ctx.tokens.issue('refresh', expiresAt + lifetimeSec * 1000);
    ctx.onLogin(true, 'OK');
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', refresh_token: refreshToken, expires_in: lifetimeSec });
  }

  function dispatcherToken(req: IncomingMessage, res: ServerResponse): void {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) return fail(res, 401, 'UNAUTHORIZED', 'missing Bearer access token');
    const check = ctx.tokens.check(token, 'access');
    if (check === 'expired') return fail(res, 401, 'TOKEN_EXPIRED', 'access token expired');
    if (check !== 'ok') return fail(res, 401, 'INVALID_TOKEN', 'invalid access token');
    // The dispatcher token lives exactly as long as the access token it came from.
    const expiresAt = ctx.tokens.expiresAt(token) ?? Date.now();
    send(res, 200, { hosts: [ctx.mqttHost()], token: ctx.tokens.issue('dispatcher', expiresAt) });
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === loginPath) {
      if (req.method !== 'POST') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
      login(req, res).catch(() => {
        if (!res.headersSent) fail(res, 500, 'INTERNAL', 'internal error');
        else res.destroy();
      });
      return;
    }
    if (path === tokenPath) {
      if (req.method !== 'GET') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
      return dispatcherToken(req, res);
    }
    fail(res, 404, 'NOT_FOUND', 'no such endpoint');
  };
}
