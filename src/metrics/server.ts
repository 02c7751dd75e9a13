/**
 * An opt-in HTTP endpoint serving a registry at `/metrics` in the Prometheus
 * text format. Loopback by default: metrics are operational data, not for
 * the open network unless the caller says so.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { SettradeFeedError } from '../errors.js';

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** The registry to serve (from `createMetrics`). */
  readonly registry: Registry;
  /** TCP port; 0 picks a free one (default 0). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** URL path (default `/metrics`). */
  readonly path?: string;
}

/** Defaults of {@link ServeMetricsOptions}. */
export const SERVE_METRICS_DEFAULTS = { port: 0, host: '127.0.0.1', path: '/metrics' } as const;

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The underlying HTTP server. */
  readonly server: Server;
  /** The port actually bound. */
  readonly port: number;
  /** Full URL of the metrics path, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Error starting the metrics endpoint (bad option or port in use). */
export class MetricsServerError extends SettradeFeedError {
  /** `ERR_METRICS_OPTION` or `ERR_METRICS_LISTEN`. */
  declare readonly code: 'ERR_METRICS_OPTION' | 'ERR_METRICS_LISTEN';
  constructor(message: string, code: 'ERR_METRICS_OPTION' | 'ERR_METRICS_LISTEN', options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'MetricsServerError';
  }
}

/** Starts serving `registry` over HTTP; resolves once listening. */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const port = options.port ?? SERVE_METRICS_DEFAULTS.port;
  const host = options.host ?? SERVE_METRICS_DEFAULTS.host;
  const path = options.path ?? SERVE_METRICS_DEFAULTS.path;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MetricsServerError(`port must be an integer from 0 to 65535, got ${port}`, 'ERR_METRICS_OPTION');
  }
  const { registry } = options;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new MetricsServerError(`cannot listen on ${host}:${port}: ${err.message}`, 'ERR_METRICS_LISTEN', { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port: bound,
    url: `http://${urlHost}:${bound}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
