/**
 * Prometheus metrics over the pipeline's components. Nothing is counted on the
 * hot path: every gauge and counter reads the components' own `stats()` when
 * Prometheus scrapes (prom-client `collect`), once per scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type {
  AdapterSource,
  AdapterStatsLike,
  ClientSource,
  ClientStatsLike,
  DispatcherHealthLike,
  DispatcherSource,
  DispatcherStatsLike,
  FeedSource,
  HealthSource,
} from './sources.js';

/** The components to expose; each is optional. */
export interface MetricsOptions {
  readonly client?: ClientSource;
  readonly adapter?: AdapterSource;
  readonly dispatcher?: DispatcherSource;
  readonly health?: HealthSource;
  /** A worker-mode feed; its client/adapter figures are used when `client`/`adapter` are absent. */
  readonly feed?: FeedSource;
  /** Reported as the `backend` label of `settrade_feed_info`. */
  readonly backend?: string;
  /** Registry to add to (default a new one). */
  readonly registry?: Registry;
  /** Metric name prefix (default `settrade_feed_`). */
  readonly prefix?: string;
}

/** Defaults of {@link MetricsOptions}. */
export const METRICS_DEFAULTS = { prefix: 'settrade_feed_' } as const;

/** The connection states a `state` label can take. */
export const CLIENT_STATES = ['INIT', 'CONNECTING', 'CONNECTED', 'RECONNECTING', 'SHUTDOWN'] as const;

interface ScrapeSnapshot {
  client?: ClientStatsLike;
  adapter?: AdapterStatsLike;
  dispatcher?: DispatcherStatsLike;
  dispatcherHealth?: DispatcherHealthLike;
  feedDead?: boolean;
  staleSymbols?: number;
  trackedSymbols?: number;
}

/**
 * Builds a registry whose metrics read the given components at scrape time.
 * Counters mirror the components' monotonic totals; gauges their current values.
 */
export function createMetrics(options: MetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? METRICS_DEFAULTS.prefix;
  const snapshot = scrapeCache(options);

  const counter = (name: string, help: string, read: (s: ScrapeSnapshot) => number | undefined): void => {
    new Counter({
      name: prefix + name,
      help,
      registers: [registry],
      async collect() {
        const value = read(await snapshot());
        this.reset();
        if (value !== undefined) this.inc(value);
      },
    });
  };
  const gauge = (name: string, help: string, read: (s: ScrapeSnapshot) => number | undefined): void => {
    new Gauge({
      name: prefix + name,
      help,
      registers: [registry],
      async collect() {
        const value = read(await snapshot());
        if (value !== undefined) this.set(value);
      },
    });
  };

  new Gauge({ name: `${prefix}info`, help: 'Always 1; labels tell which codec/ring backend is live.', labelNames: ['backend'], registers: [registry] })
    .set({ backend: options.backend ?? 'unknown' }, 1);

  if (options.client || options.feed) {
    gauge('client_connected', '1 when the MQTT session is connected.', (s) => (s.client ? Number(s.client.connected) : undefined));
    new Gauge({
      name: `${prefix}client_state`,
      help: '1 for the current connection state, 0 for the others.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const client = (await snapshot()).client;
        if (!client) return;
        for (const state of CLIENT_STATES) this.set({ state }, client.state === state ? 1 : 0);
      },
    });
    counter('client_messages_received_total', 'MQTT messages received.', (s) => s.client?.messagesReceived);
    counter('client_callback_errors_total', 'Exceptions thrown by message callbacks.', (s) => s.client?.callbackErrors);
    counter('client_reconnects_total', 'Reconnects performed.', (s) => s.client?.reconnectCount);
    gauge('client_reconnect_epoch', 'Connection epoch (0 on the first connection).', (s) => s.client?.reconnectEpoch);
  }
  if (options.adapter || options.feed) {
    counter('adapter_messages_parsed_total', 'Payloads decoded into events.', (s) => s.adapter?.messagesParsed);
    counter('adapter_parse_errors_total', 'Payloads rejected by the decoder.', (s) => s.adapter?.parseErrors);
    counter('adapter_callback_errors_total', 'Exceptions thrown by event callbacks.', (s) => s.adapter?.callbackErrors);
    gauge('adapter_subscribed_symbols', 'Symbols subscribed.', (s) => {
      const subs = s.adapter?.subscribedSymbols;
      return subs === undefined ? undefined : typeof subs === 'number' ? subs : subs.length;
    });
  }
  if (options.dispatcher) {
    counter('dispatcher_pushed_total', 'Events pushed into the queue.', (s) => s.dispatcher?.totalPushed);
    counter('dispatcher_polled_total', 'Events handed to the consumer.', (s) => s.dispatcher?.totalPolled);
    counter('dispatcher_dropped_total', 'Events dropped by the overflow policy.', (s) => s.dispatcher?.totalDropped);
    gauge('dispatcher_queue_length', 'Events waiting in the queue.', (s) => s.dispatcher?.queueLen);
    gauge('dispatcher_queue_capacity', 'Queue capacity (maxSize).', (s) => s.dispatcher?.maxSize);
    gauge('dispatcher_queue_utilization', 'queueLen / maxSize.', (s) => s.dispatcherHealth?.queueUtilization);
    gauge('dispatcher_drop_rate_ema', 'Exponential moving average of the drop rate.', (s) => s.dispatcherHealth?.dropRateEma);
  }
  if (options.health) {
    gauge('health_feed_dead', '1 when no event arrived within the global timeout.', (s) =>
      s.feedDead === undefined ? undefined : Number(s.feedDead),
    );
    gauge('health_stale_symbols', 'Symbols with no event within their timeout.', (s) => s.staleSymbols);
    gauge('health_tracked_symbols', 'Symbols seen at least once.', (s) => s.trackedSymbols);
  }
  return registry;
}

/**
 * One read of every component per scrape: prom-client collects all metrics
 * concurrently, so the first collect starts the read and the others share it.
 */
function scrapeCache(options: MetricsOptions): () => Promise<ScrapeSnapshot> {
  let pending: Promise<ScrapeSnapshot> | undefined;
  let last: ScrapeSnapshot = {};
  return () => {
    if (!pending) {
      // A component that cannot answer (a worker that has ended) leaves its last figures in place.
      pending = read(options, last)
        .then((s) => (last = s))
        .finally(() => {
        // Cleared on the next turn so one scrape shares one read and the next scrape reads afresh.
          setImmediate(() => (pending = undefined));
        });
    }
    return pending;
  };
}

async function read(options: MetricsOptions, last: ScrapeSnapshot): Promise<ScrapeSnapshot> {
  const out: ScrapeSnapshot = {};
  const settle = async <T>(get: () => T | Promise<T>, fallback: T | undefined): Promise<T | undefined> => {
    try {
      return await get();
    } catch {
      return fallback;
    }
  };
  const feed = options.feed;
  const feedStats = feed && (!options.client || !options.adapter) ? await settle(() => feed.stats(), undefined) : undefined;
  const fromFeed = feedStats?.client ?? (feedStats?.state !== undefined ? (feedStats as ClientStatsLike) : undefined);
  const client = options.client;
  const adapter = options.adapter;
  out.client = client ? await settle(() => client.stats(), last.client) : (fromFeed ?? last.client);
  out.adapter = adapter ? await settle(() => adapter.stats(), last.adapter) : (feedStats?.adapter ?? last.adapter);
  if (options.dispatcher) {
    out.dispatcher = options.dispatcher.stats();
    out.dispatcherHealth = options.dispatcher.health?.();
  }
  if (options.health) {
    out.feedDead = options.health.isFeedDead();
    out.staleSymbols = [...options.health.staleSymbols()].length;
    const tracked = options.health.trackedSymbolCount;
    out.trackedSymbols = typeof tracked === 'function' ? tracked.call(options.health) : tracked;
  }
  return out;
}
