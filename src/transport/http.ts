/**
 * The REST calls' HTTP client: node:http/node:https, one request, the whole
 * (small) body as text. Not the global `fetch`: loading undici costs a
 * process about 10 MB of RSS, and two small JSON calls per connection need
 * none of it. Redirects are not followed (a 3xx is an HTTP error); TLS is
 * verified by node:https's defaults.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Largest response body read; an API token response is a few hundred bytes. */
const MAX_BODY_BYTES = 1 << 20;

/** What a request sends. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What came back. */
export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

/**
 * Sends `req` to `url`; rejects with an error named 'TimeoutError' after
 * `timeoutMs`, or with the socket's error.
 */
export function sendRequest(url: string, req: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const r = send(url, { method: req.method, headers, signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) res.destroy(new Error(`response body over ${MAX_BODY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('error', (err: Error) => reject(signal.aborted ? Object.assign(new Error('timed out'), { name: 'TimeoutError' }) : err));
    r.end(req.body);
  });
}
