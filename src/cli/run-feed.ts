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
  const metrics = await startMetrics(options);
  const refreshStats = async (): Promise<void> => {
    try {
      latestStats = await feed.stats();
    } catch {
      // The worker may be gone during shutdown: keep the last figures.
    }
  };
  const statsTimer = setInterval(() => void refreshStats(), 250);
  await refreshStats();

  const snapshot = viewSnapshotter({
    options,
    book,
    latency,
    startedAt,
    latestStats: () => latestStats,
    lastError: () => lastError,
  });
  const ui = options.json ? undefined : terminalUi(options, snapshot, metrics, () => stopWith('key'));
  const removeStopTriggers = installStopTriggers(options.durationSec, stopWith);

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
    removeStopTriggers();
    ui?.stop();
    clearInterval(statsTimer);
  }

  await refreshStats();
  const finalView = snapshot(false);
  await options.beforeShutdown?.();
  await feed.shutdown();
  while (book.consume(feed.dispatcher) > 0);
  await metrics?.close();

  const summary = buildRunSummary({ options, book, latency, startedAt, latestStats, lastError, endedBy, finalView });
  return { summary, book };
}

/** Serves Prometheus metrics when `metricsPort` is set (rejects if the port is taken). */
async function startMetrics(options: RunFeedOptions): Promise<MetricsServer | undefined> {
  if (options.metricsPort === undefined) return undefined;
  const { feed, health } = options;
  const registry = createMetrics({ feed, dispatcher: feed.shards, health, backend: options.backend });
  const metrics = await serveMetrics({ registry, port: options.metricsPort });
  process.stderr.write(`settrade-feed: metrics at ${metrics.url}\n`);
  return metrics;
}

/** What {@link viewSnapshotter} reads; the getters see the run loop's latest values. */
interface SnapshotSources {
  readonly options: RunFeedOptions;
  readonly book: BookState;
  readonly latency: LatencyWindow;
  readonly startedAt: number;
  readonly latestStats: () => FeedStatsLike | undefined;
  readonly lastError: () => string | undefined;
}

/** Builds the live view's snapshot function; it keeps the events-per-second rate over the last second of snapshots. */
function viewSnapshotter(sources: SnapshotSources): (showDepth: boolean) => ViewSnapshot {
  const { options, book, latency, startedAt } = sources;
  const { feed, health } = options;
  let rateAt = startedAt;
  let rateCount = 0;
  let eventsPerSec = 0;
  return (showDepth) => {
    const now = performance.now();
    if (now - rateAt >= 1000) {
      eventsPerSec = ((book.totalEvents - rateCount) * 1000) / (now - rateAt);
      rateAt = now;
      rateCount = book.totalEvents;
    }
    const d = feed.dispatcher.stats();
    const nowNs = process.hrtime.bigint();
    const latestStats = sources.latestStats();
    const lastError = sources.lastError();
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
}

/** The live view (not started yet); its notes end with the metrics URL when metrics are served. */
function terminalUi(
  options: RunFeedOptions,
  snapshot: (showDepth: boolean) => ViewSnapshot,
  metrics: MetricsServer | undefined,
  onQuit: () => void,
): TerminalUi {
  const metricsNote = metrics ? [`metrics ${metrics.url}`] : [];
  return new TerminalUi({
    snapshot: (showDepth) => {
      const s = snapshot(showDepth);
      return { ...s, notes: [...(s.notes ?? []), ...metricsNote] };
    },
    refreshMs: TERMINAL_UI_DEFAULTS.refreshMs,
    plainIntervalMs: TERMINAL_UI_DEFAULTS.plainIntervalMs,
    showDepth: options.fullDepth,
    onQuit,
  });
}

/** Stops the run on SIGINT/SIGTERM and after `durationSec`; returns the function that removes these triggers. */
function installStopTriggers(durationSec: number | undefined, stopWith: (reason: string) => void): () => void {
  const onSignal = (): void => stopWith('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const durationTimer = durationSec !== undefined ? setTimeout(() => stopWith('duration'), durationSec * 1000) : undefined;
  return () => {
    if (durationTimer) clearTimeout(durationTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Where the run ended up, for {@link buildRunSummary}. */
interface RunOutcome {
  readonly options: RunFeedOptions;
  readonly book: BookState;
  readonly latency: LatencyWindow;
  readonly startedAt: number;
  readonly latestStats: FeedStatsLike | undefined;
  readonly lastError: string | undefined;
  readonly endedBy: string;
  /** The view taken just before the feed was shut down (its state, epoch and health go in the summary). */
  readonly finalView: ViewSnapshot;
}

/** The final summary, from the shut-down feed's dispatcher figures and the run's outcome. */
function buildRunSummary(outcome: RunOutcome): RunSummary {
  const { options, book, latestStats, lastError, finalView } = outcome;
  const durationSec = (performance.now() - outcome.startedAt) / 1000;
  const d = options.feed.dispatcher.stats();
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
  return {
    command: options.command,
    backend: options.backend,
    mode: options.mode,
    fullDepth: options.fullDepth,
    durationSec: Math.round(durationSec * 1000) / 1000,
    endedBy: outcome.endedBy,
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
    latencyUs: latencySummary(outcome.latency.snapshot()),
    epoch: finalView.epoch,
    reconnects: client?.reconnectCount ?? 0,
    state: finalView.state,
    health: { feedDead: finalView.feedDead, staleSymbols: finalView.staleSymbols },
    ...(lastError ? { lastError } : {}),
    ...options.summaryExtras?.(book, latestStats),
  };
}
