/**
 * Prometheus metrics over the pipeline's components. Nothing is counted on the
 * hot path: every gauge and counter reads the components' own `stats()` when
 * Prometheus scrapes (prom-client `collect`), once per scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { MetricsServerError } from './server.js';
import type {
  AdapterSource,
  AdapterStatsLike,
  ClientSource,
  ClientStatsLike,
  DispatcherHealthLike,
  DispatcherSource,
  DispatcherStatsLike,
  FeedCountersLike,
  FeedSource,
  HealthSource,
} from './sources.js';

/** The components to expose; each is optional. */
export interface MetricsOptions {
  readonly client?: ClientSource;
  readonly adapter?: AdapterSource;
  /**
   * One ring, or every ring of a sharded feed in shard order (`feed.shards`).
   * With one ring the `dispatcher_*` series carry no label; with several, each
   * ring's series carry `shard="0"`..`shard="N-1"` (sum them for the feed).
   */
  readonly dispatcher?: DispatcherSource | readonly DispatcherSource[];
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

/** One ring's figures at a scrape. */
interface RingSnapshot {
  stats: DispatcherStatsLike;
  health?: DispatcherHealthLike;
}

interface ScrapeSnapshot {
  client?: ClientStatsLike;
  adapter?: AdapterStatsLike;
  feed?: FeedCountersLike;
  /** Index = shard number. */
  rings?: RingSnapshot[];
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
  const rings = dispatcherList(options.dispatcher);
  const define = metricDefiner(registry, prefix, scrapeCache(options, rings));

  new Gauge({ name: `${prefix}info`, help: 'Always 1; labels tell which codec/ring backend is live.', labelNames: ['backend'], registers: [registry] })
    .set({ backend: options.backend ?? 'unknown' }, 1);

  // Registration order is the exposition order: keep it stable for readers of /metrics.
  if (options.client || options.feed) defineClientMetrics(define);
  if (options.adapter || options.feed) defineAdapterMetrics(define);
  if (options.feed) {
    define.counter('subscribe_errors_total', "Subscriptions the service rejected (the feed's subscribeError events; survives worker restarts).", (s) => s.feed?.subscribeErrors);
    define.counter('worker_restarts_total', 'Times the feed restarted its worker thread after it died.', (s) => s.feed?.workerRestarts);
  }
  if (rings.length > 0) defineRingMetrics(define, rings.length);
  if (options.health) defineHealthMetrics(define);
  return registry;
}

/** One metric's value at a scrape, with its labels. */
type Sample = readonly [labels: Record<string, string>, value: number];

/** Defines metrics in one registry, under one prefix, all read from one snapshot per scrape. */
interface MetricDefiner {
  readonly registry: Registry;
  readonly prefix: string;
  readonly snapshot: () => Promise<ScrapeSnapshot>;
  /** A metric whose labelled samples are read from the scrape's snapshot. */
  metric(type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], samples: (s: ScrapeSnapshot) => Sample[]): void;
  /** An unlabelled counter (absent while `read` gives undefined). */
  counter(name: string, help: string, read: (s: ScrapeSnapshot) => number | undefined): void;
  /** An unlabelled gauge (absent while `read` gives undefined). */
  gauge(name: string, help: string, read: (s: ScrapeSnapshot) => number | undefined): void;
}

function metricDefiner(registry: Registry, prefix: string, snapshot: () => Promise<ScrapeSnapshot>): MetricDefiner {
  // Every metric is read at scrape time from one snapshot, as labelled samples.
  // A counter is reset and re-incremented to the component's own running total.
  const metric = (type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], samples: (s: ScrapeSnapshot) => Sample[]): void => {
    const config = { name: prefix + name, help, labelNames, registers: [registry] };
    if (type === 'counter') {
      new Counter({
        ...config,
        async collect() {
          const all = samples(await snapshot());
          this.reset();
          for (const [labels, value] of all) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        ...config,
        async collect() {
          for (const [labels, value] of samples(await snapshot())) this.set(labels, value);
        },
      });
    }
  };
  const unlabelled = (read: (s: ScrapeSnapshot) => number | undefined) => (s: ScrapeSnapshot): Sample[] => {
    const value = read(s);
    return value === undefined ? [] : [[{}, value]];
  };
  return {
    registry,
    prefix,
    snapshot,
    metric,
    counter: (name, help, read) => metric('counter', name, help, [], unlabelled(read)),
    gauge: (name, help, read) => metric('gauge', name, help, [], unlabelled(read)),
  };
}

/** The client's connection and message metrics (from `client`, or a worker feed's client figures). */
function defineClientMetrics(define: MetricDefiner): void {
  const { counter, gauge, snapshot } = define;
  gauge('client_connected', '1 when the MQTT session is connected.', (s) => (s.client ? Number(s.client.connected) : undefined));
  new Gauge({
    name: `${define.prefix}client_state`,
    help: '1 for the current connection state, 0 for the others.',
    labelNames: ['state'],
    registers: [define.registry],
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
  gauge('client_reconnect_attempts', 'Connection attempts since the last successful connection (0 while connected).', (s) => s.client?.reconnectAttempts);
  gauge('client_seconds_since_last_message', 'Seconds since the last message (absent before the first).', (s) =>
    s.client?.lastMessageTs ? Math.max(0, Date.now() - s.client.lastMessageTs) / 1000 : undefined,
  );
}

/** The adapter's decode and subscription metrics (from `adapter`, or a worker feed's adapter figures). */
function defineAdapterMetrics(define: MetricDefiner): void {
  const { counter, gauge } = define;
  counter('adapter_messages_parsed_total', 'Payloads decoded into events.', (s) => s.adapter?.messagesParsed);
  counter('adapter_parse_errors_total', 'Payloads rejected by the decoder.', (s) => s.adapter?.parseErrors);
  counter('adapter_callback_errors_total', 'Exceptions thrown by event callbacks.', (s) => s.adapter?.callbackErrors);
  counter('adapter_subscribe_errors_total', 'Subscriptions the service rejected.', (s) => s.adapter?.subscribeErrors);
  gauge('adapter_subscribed_symbols', 'Symbols subscribed.', (s) => {
    const subs = s.adapter?.subscribedSymbols;
    return subs === undefined ? undefined : typeof subs === 'number' ? subs : subs.length;
  });
}

/** Each ring's queue metrics, `ringCount` rings in shard order. */
function defineRingMetrics(define: MetricDefiner, ringCount: number): void {
  // A single ring keeps the unlabelled series it always had; several rings
  // are told apart by `shard` (the index in the array, as in `feed.shards`).
  const labelNames = ringCount > 1 ? ['shard'] : [];
  const labels = (i: number): Record<string, string> => (ringCount > 1 ? { shard: String(i) } : {});
  const perRing = (read: (r: RingSnapshot) => number | undefined) => (s: ScrapeSnapshot): Sample[] =>
    (s.rings ?? []).flatMap((r, i): Sample[] => {
      const value = read(r);
      return value === undefined ? [] : [[labels(i), value]];
    });
  const ringCounter = (name: string, help: string, read: (r: RingSnapshot) => number | undefined): void =>
    define.metric('counter', name, help, labelNames, perRing(read));
  const ringGauge = (name: string, help: string, read: (r: RingSnapshot) => number | undefined): void =>
    define.metric('gauge', name, help, labelNames, perRing(read));
  ringCounter('dispatcher_pushed_total', 'Events pushed into the queue.', (r) => r.stats.totalPushed);
  ringCounter('dispatcher_polled_total', 'Events handed to the consumer.', (r) => r.stats.totalPolled);
  ringCounter('dispatcher_dropped_total', 'Events dropped by the overflow policy.', (r) => r.stats.totalDropped);
  ringGauge('dispatcher_queue_length', 'Events waiting in the queue.', (r) => r.stats.queueLen);
  ringGauge('dispatcher_queue_capacity', 'Queue capacity (maxSize).', (r) => r.stats.maxSize);
  ringGauge('dispatcher_queue_utilization', 'queueLen / maxSize.', (r) => r.health?.queueUtilization);
  ringGauge('dispatcher_drop_rate_ema', 'Exponential moving average of the drop rate.', (r) => r.health?.dropRateEma);
}

/** FeedHealth's liveness metrics. */
function defineHealthMetrics(define: MetricDefiner): void {
  const { gauge } = define;
  gauge('health_feed_dead', '1 when no event arrived within the global timeout.', (s) =>
    s.feedDead === undefined ? undefined : Number(s.feedDead),
  );
  gauge('health_stale_symbols', 'Symbols with no event within their timeout.', (s) => s.staleSymbols);
  gauge('health_tracked_symbols', 'Symbols seen at least once.', (s) => s.trackedSymbols);
}

/** The rings to export, in shard order; throws naming `dispatcher` when it is not one source or a non-empty array of them. */
function dispatcherList(dispatcher: MetricsOptions['dispatcher']): readonly DispatcherSource[] {
  if (dispatcher === undefined) return [];
  const list: readonly unknown[] = Array.isArray(dispatcher) ? dispatcher : [dispatcher];
  if (list.length === 0) throw new MetricsServerError('dispatcher: must be a dispatcher or a non-empty array of them, got []', 'ERR_METRICS_OPTION');
  list.forEach((d, i) => {
    const ok = typeof d === 'object' && d !== null && typeof (d as { stats?: unknown }).stats === 'function';
    if (!ok) {
      const field = Array.isArray(dispatcher) ? `dispatcher[${i}]` : 'dispatcher';
      throw new MetricsServerError(`${field}: must have a stats() method, got ${d === null ? 'null' : typeof d}`, 'ERR_METRICS_OPTION');
    }
  });
  return list as readonly DispatcherSource[];
}

/**
 * One read of every component per scrape: prom-client collects all metrics
 * concurrently, so the first collect starts the read and the others share it.
 */
function scrapeCache(options: MetricsOptions, rings: readonly DispatcherSource[]): () => Promise<ScrapeSnapshot> {
  let pending: Promise<ScrapeSnapshot> | undefined;
  let last: ScrapeSnapshot = {};
  return () => {
    if (!pending) {
      // A component that cannot answer (a worker that has ended) leaves its last figures in place.
      pending = read(options, rings, last)
        .then((s) => (last = s))
        .finally(() => {
        // Cleared on the next turn so one scrape shares one read and the next scrape reads afresh.
          setImmediate(() => (pending = undefined));
        });
    }
    return pending;
  };
}

async function read(options: MetricsOptions, rings: readonly DispatcherSource[], last: ScrapeSnapshot): Promise<ScrapeSnapshot> {
  const out: ScrapeSnapshot = {};
  const settle = async <T>(get: () => T | Promise<T>, fallback: T | undefined): Promise<T | undefined> => {
    try {
      return await get();
    } catch {
      return fallback;
    }
  };
  const feed = options.feed;
  const feedStats = feed ? await settle(() => feed.stats(), undefined) : undefined;
  const fromFeed = feedStats?.client ?? (feedStats?.state !== undefined ? (feedStats as ClientStatsLike) : undefined);
  const client = options.client;
  const adapter = options.adapter;
  out.client = client ? await settle(() => client.stats(), last.client) : (fromFeed ?? last.client);
  out.adapter = adapter ? await settle(() => adapter.stats(), last.adapter) : (feedStats?.adapter ?? last.adapter);
  out.feed = feedStats ? { subscribeErrors: feedStats.subscribeErrors, workerRestarts: feedStats.workerRestarts } : last.feed;
  if (rings.length > 0) out.rings = rings.map((d) => ({ stats: d.stats(), health: d.health?.() }));
  if (options.health) {
    out.feedDead = options.health.isFeedDead();
    out.staleSymbols = [...options.health.staleSymbols()].length;
    const tracked = options.health.trackedSymbolCount;
    out.trackedSymbols = typeof tracked === 'function' ? tracked.call(options.health) : tracked;
  }
  return out;
}
