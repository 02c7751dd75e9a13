/**
 * The run loop shared by `demo` and `watch`: consume a feed's dispatcher into
 * the book state, show the live view (or plain lines, or nothing with
 * --json), serve metrics when asked, stop on duration / SIGINT / SIGTERM / q,
 * and build the final summary.
 */
import type { SlotView } from '../events/slot-reader.js';
import { createMetrics } from '../metrics/registry.js';
import { serveMetrics, type MetricsServer } from '../metrics/server.js';
import type { AdapterStatsLike, ClientStatsLike, DispatcherHealthLike, DispatcherSource, DispatcherStatsLike, HealthSource } from '../metrics/sources.js';
import { BookState, type HealthSink } from './book-state.js';
import { LatencyWindow } from './latency.js';
import type { ViewSnapshot } from './live-view.js';
import { latencySummary, type RunSummary, type SymbolSummary } from './summary.js';
import { TERMINAL_UI_DEFAULTS, TerminalUi } from './terminal-ui.js';

/** The consumer side of a feed as the CLI uses it (what `createFeed` returns). */
export interface CliFeed {
  readonly dispatcher: {
    drain(fn: (view: SlotView) => void, maxEvents?: number): number;
    stats(): DispatcherStatsLike;
    health?(): DispatcherHealthLike;
    /** Resolves when events may be available, after `timeoutMs`, or on abort (sleeps; spins only briefly, adaptively). */
    waitForEvents(timeoutMs?: number, signal?: AbortSignal): Promise<boolean>;
    /** True once the feed has ended for good (shut down, or gave up): nothing more will come. */
    readonly closed?: boolean;
  };
  /** Every ring in shard order (the first is `dispatcher`); metrics export them all. */
  readonly shards: readonly DispatcherSource[];
  stats(): Promise<FeedStatsLike> | FeedStatsLike;
  on(event: 'error', listener: (err: Error) => void): unknown;
  shutdown(): Promise<void>;
}

/** Client and adapter figures of a feed. */
export interface FeedStatsLike {
  readonly client: ClientStatsLike;
  readonly adapter: AdapterStatsLike;
}

/** Health tracking the run loop needs (a FeedHealth). */
export type CliHealth = HealthSink & HealthSource;

/** How to run. */
export interface RunFeedOptions {
  readonly command: 'demo' | 'watch';
  readonly feed: CliFeed;
  readonly health: CliHealth;
  readonly symbols: readonly string[];
  readonly fullDepth: boolean;
  readonly backend: string;
  readonly mode: 'worker' | 'in-thread';
  /** Stop after this many seconds (undefined: until a signal or q). */
  readonly durationSec?: number;
  /** One JSON summary on stdout, no live view. */
  readonly json: boolean;
  /** Serve Prometheus metrics on 127.0.0.1:port. */
  readonly metricsPort?: number;
  /** Extra lines for the live view (faults...). */
  readonly notes?: () => readonly string[];
  /** Called once when consuming starts, with the consumer state (e.g. to start a fault schedule). */
  readonly onStart?: (book: BookState) => void;
  /** Called once when the run ends, before the feed is shut down. */
  readonly beforeShutdown?: () => Promise<void> | void;
  /** Extra fields merged into the summary. */
  readonly summaryExtras?: (book: BookState, latest: FeedStatsLike | undefined) => Partial<RunSummary>;
  /** Per-symbol extras (e.g. events after the last fault). */
  readonly symbolExtras?: (symbol: string, events: number) => Partial<SymbolSummary>;
}

/** What {@link runFeed} resolves to. */
export interface RunFeedResult {
  readonly summary: RunSummary;
  readonly book: BookState;
}

/** Runs until the duration elapses or the user stops it; shuts the feed down; returns the summary. */
export async function runFeed(options: RunFeedOptions): Promise<RunFeedResult> {
  const { feed, health } = options;
  const latency = new LatencyWindow();
  const book = new BookState({ symbols: options.symbols, fullDepth: options.fullDepth, latency, health });
  const startedAt = performance.now();
  let latestStats: FeedStatsLike | undefined;
  let lastError: string | undefined;
  let endedBy = 'duration';
  let running = true;
  const stopped = new AbortController();
  const stopWith = (reason: string): void => {
    if (!running) return;
    endedBy = reason;
    running = false;
    stopped.abort();
  };

  feed.on('error', (err) => {
    lastError = err.message;
  });

  // Before any timer starts: a port already in use fails the run here, with nothing to clean up.
  let metrics: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    const registry = createMetrics({ feed, dispatcher: feed.shards, health, backend: options.backend });
    metrics = await serveMetrics({ registry, port: options.metricsPort });
    process.stderr.write(`settrade-feed: metrics at ${metrics.url}\n`);
  }
  // Events per second over the last second of snapshots.
  let rateAt = startedAt;
  let rateCount = 0;
  let eventsPerSec = 0;
  const refreshStats = async (): Promise<void> => {
    try {
      latestStats = await feed.stats();
    } catch {
      // The worker may be gone during shutdown: keep the last figures.
    }
  };
  const statsTimer = setInterval(() => void refreshStats(), 250);
  await refreshStats();

  const snapshot = (showDepth: boolean): ViewSnapshot => {
    const now = performance.now();
    if (now - rateAt >= 1000) {
      eventsPerSec = ((book.totalEvents - rateCount) * 1000) / (now - rateAt);
      rateAt = now;
      rateCount = book.totalEvents;
    }
    const d = feed.dispatcher.stats();
    const nowNs = process.hrtime.bigint();
    const client = latestStats?.client;
    return {
      backend: options.backend,
      mode: options.mode,
      state: client?.state ?? 'CONNECTING',
      epoch: Math.max(client?.reconnectEpoch ?? 0, book.maxEpoch),
      uptimeSec: (now - startedAt) / 1000,
      eventsPerSec,
      totalEvents: book.totalEvents,
      drops: d.totalDropped,
      parseErrors: latestStats?.adapter.parseErrors ?? 0,
      queueLen: d.queueLen,
      maxSize: d.maxSize,
      latency: latency.snapshot(),
      feedDead: health.isFeedDead(nowNs),
      staleSymbols: [...health.staleSymbols(nowNs)],
      symbols: book.rows(showDepth, nowNs),
      showDepth,
      notes: [...(options.notes?.() ?? []), ...(lastError ? [`last error: ${lastError}`] : [])],
    };
  };

  const metricsNote = metrics ? [`metrics ${metrics.url}`] : [];

  const ui = options.json
    ? undefined
    : new TerminalUi({
        snapshot: (showDepth) => {
          const s = snapshot(showDepth);
          return { ...s, notes: [...(s.notes ?? []), ...metricsNote] };
        },
        refreshMs: TERMINAL_UI_DEFAULTS.refreshMs,
        plainIntervalMs: TERMINAL_UI_DEFAULTS.plainIntervalMs,
        showDepth: options.fullDepth,
        onQuit: () => stopWith('key'),
      });

  const onSignal = (): void => stopWith('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const durationTimer =
    options.durationSec !== undefined ? setTimeout(() => stopWith('duration'), options.durationSec * 1000) : undefined;

  ui?.start();
  options.onStart?.(book);
  try {
    while (running) {
      if (book.consume(feed.dispatcher) === 0 && !(await feed.dispatcher.waitForEvents(1000, stopped.signal)) && feed.dispatcher.closed) {
        stopWith('feed-shutdown');
      }
    }
    // Take what is already queued before stopping the feed.
    while (book.consume(feed.dispatcher) > 0);
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ui?.stop();
    clearInterval(statsTimer);
  }

  await refreshStats();
  const finalView = snapshot(false);
  await options.beforeShutdown?.();
  await feed.shutdown();
  while (book.consume(feed.dispatcher) > 0);
  await metrics?.close();

  const durationSec = (performance.now() - startedAt) / 1000;
  const d = feed.dispatcher.stats();
  const counts = book.eventCounts();
  const symbols: Record<string, SymbolSummary> = {};
  for (const row of book.rows(false)) {
    symbols[row.symbol] = {
      events: counts[row.symbol] ?? 0,
      ...(row.bid !== undefined ? { bid: row.bid, ask: row.ask } : {}),
      ...options.symbolExtras?.(row.symbol, counts[row.symbol] ?? 0),
    };
  }
  const client = latestStats?.client;
  const adapter = latestStats?.adapter;
  const summary: RunSummary = {
    command: options.command,
    backend: options.backend,
    mode: options.mode,
    fullDepth: options.fullDepth,
    durationSec: Math.round(durationSec * 1000) / 1000,
    endedBy,
    symbols,
    totals: {
      events: book.totalEvents,
      eventsPerSec: Math.round((book.totalEvents / durationSec) * 10) / 10,
      pushed: d.totalPushed,
      polled: d.totalPolled,
      drops: d.totalDropped,
      parseErrors: adapter?.parseErrors ?? 0,
      callbackErrors: (adapter?.callbackErrors ?? 0) + (client?.callbackErrors ?? 0),
      messagesReceived: client?.messagesReceived ?? 0,
    },
    drops: d.totalDropped,
    parseErrors: adapter?.parseErrors ?? 0,
    latencyUs: latencySummary(latency.snapshot()),
    epoch: finalView.epoch,
    reconnects: client?.reconnectCount ?? 0,
    state: finalView.state,
    health: { feedDead: finalView.feedDead, staleSymbols: finalView.staleSymbols },
    ...(lastError ? { lastError } : {}),
    ...options.summaryExtras?.(book, latestStats),
  };
  return { summary, book };
}
