/**
 * `settrade-feed demo`: the embedded simulator plus the full pipeline
 * (worker ingest by default), with the live view, optional periodic faults,
 * metrics, and a final summary (`--json`: one JSON object on stdout).
 */
import { backend } from '../native.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { numberFlag, parseCommandArgs, symbolList } from './args.js';
import { CaptureLogger } from './capture-logger.js';
import { FAULT_SCHEDULE_DEFAULTS, FaultSchedule } from './fault-schedule.js';
import type { CliFeed } from './run-feed.js';
import { formatSummaryText } from './summary.js';

/** Defaults of the demo's flags. */
export const DEMO_DEFAULTS = {
  symbols: ['AOT', 'PTT', 'CPALL', 'KBANK', 'ADVANC', 'DELTA'] as readonly string[],
  ratePerSymbol: 50,
  maxSize: 65_536,
  faultIntervalSec: FAULT_SCHEDULE_DEFAULTS.intervalMs / 1000,
  /** Shorter than the library defaults (5 s / 10 s) so the demo's stalls show within seconds. */
  globalTimeoutSec: 2,
  symbolTimeoutSec: 2,
} as const;

/** Help text of `settrade-feed demo`. */
export const DEMO_HELP = `Usage: settrade-feed demo [options]

Starts the embedded Settrade simulator and the full pipeline (client, adapter,
dispatcher, feed health) and shows a live view of the books.

Options:
  --symbols A,B,...     symbols (default ${DEMO_DEFAULTS.symbols.join(',')})
  --rate N              messages per second per symbol (default ${DEMO_DEFAULTS.ratePerSymbol})
  --full-depth          ten levels a side (key d toggles the depth view)
  --no-worker           ingest on the main thread instead of a worker thread
  --faults              inject the simulator's faults periodically (drop connections,
                        expire tokens, stall a symbol / the feed, malformed payloads)
  --fault-interval S    seconds between faults (default ${DEMO_DEFAULTS.faultIntervalSec})
  --duration S          stop after S seconds (default: until Ctrl-C or q)
  --json                no live view: one JSON summary on stdout at the end
  --metrics-port P      serve Prometheus metrics on 127.0.0.1:P/metrics
  --max-size N          queue capacity in events (default ${DEMO_DEFAULTS.maxSize})
  --symbol-timeout S    per-symbol staleness timeout (default ${DEMO_DEFAULTS.symbolTimeoutSec})
  --global-timeout S    whole-feed timeout (default ${DEMO_DEFAULTS.globalTimeoutSec})
  --seed N              simulator seed (same seed, same books)
  -h, --help            this help
`;

const FLAGS = {
  symbols: { type: 'string' },
  rate: { type: 'string' },
  'full-depth': { type: 'boolean', default: false },
  worker: { type: 'boolean', default: true },
  faults: { type: 'boolean', default: false },
  'fault-interval': { type: 'string' },
  duration: { type: 'string' },
  json: { type: 'boolean', default: false },
  'metrics-port': { type: 'string' },
  'max-size': { type: 'string' },
  'symbol-timeout': { type: 'string' },
  'global-timeout': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `settrade-feed demo`; resolves to the exit code. */
export async function runDemoCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, FLAGS);
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const symbols = values.symbols !== undefined ? symbolList('symbols', values.symbols) : [...DEMO_DEFAULTS.symbols];
  const rate = numberFlag('rate', values.rate, DEMO_DEFAULTS.ratePerSymbol, { min: 0.1, max: 1_000_000 });
  const durationSec = values.duration !== undefined ? numberFlag('duration', values.duration, 0, { min: 0.1 }) : undefined;
  const metricsPort = values['metrics-port'] !== undefined ? numberFlag('metrics-port', values['metrics-port'], 0, { integer: true, max: 65535 }) : undefined;
  const maxSize = numberFlag('max-size', values['max-size'], DEMO_DEFAULTS.maxSize, { integer: true, min: 1, max: 1 << 24 });
  const faultIntervalSec = numberFlag('fault-interval', values['fault-interval'], DEMO_DEFAULTS.faultIntervalSec, { min: 0.2 });
  const symbolTimeoutSec = numberFlag('symbol-timeout', values['symbol-timeout'], DEMO_DEFAULTS.symbolTimeoutSec, { min: 0.1 });
  const globalTimeoutSec = numberFlag('global-timeout', values['global-timeout'], DEMO_DEFAULTS.globalTimeoutSec, { min: 0.1 });
  const seed = numberFlag('seed', values.seed, 1, { integer: true });
  const fullDepth = values['full-depth'] === true;
  const worker = values.worker !== false;
  const json = values.json === true;

  // On a repainted terminal, library logs would tear the screen: show them as notes instead.
  const capture = !json && process.stdout.isTTY ? new CaptureLogger() : undefined;
  const logger: Logger = capture ?? defaultLogger();

  // Loaded only now, so usage errors and --help stay instant.
  const [{ createFeed }, { FeedHealth }, { Simulator }, { runFeed }] = await Promise.all([
    import('../feed/index.js'),
    import('../health/index.js'),
    import('../sim/index.js'),
    import('./run-feed.js'),
  ]);
  const sim = new Simulator({ symbols, ratePerSymbol: rate, seed });
  const { baseUrl, credentials } = await sim.start();
  let feed: CliFeed | undefined;
  let faults: FaultSchedule | undefined;
  let eventsAtLastFault = 0;
  let perSymbolAtLastFault: Record<string, number> = {};
  try {
    const created = await createFeed({
      ...credentials,
      baseUrl,
      symbols,
      fullDepth,
      maxSize,
      overflow: 'drop-oldest',
      worker,
      logger,
      // Quick, unlimited reconnects: the demo's faults must show recovery within a second or two.
      baseDelayMs: 200,
      maxDelayMs: 2000,
      maxRetries: Number.POSITIVE_INFINITY,
    });
    feed = created;
    const health = new FeedHealth({ globalTimeoutSec, symbolTimeoutSec });
    let bookRef: { totalEvents: number; eventCounts(): Record<string, number> } | undefined;
    if (values.faults) {
      faults = new FaultSchedule({
        target: sim.faults,
        symbols,
        intervalMs: faultIntervalSec * 1000,
        stallMs: FAULT_SCHEDULE_DEFAULTS.stallMs,
        malformedCount: FAULT_SCHEDULE_DEFAULTS.malformedCount,
        // With a fixed duration, leave the last few seconds fault-free so the summary shows recovery.
        ...(durationSec !== undefined
          ? { maxFaults: Math.max(0, Math.floor((durationSec - (FAULT_SCHEDULE_DEFAULTS.stallMs + 1500) / 1000) / faultIntervalSec)) }
          : {}),
        onFault: () => {
          eventsAtLastFault = bookRef?.totalEvents ?? 0;
          perSymbolAtLastFault = bookRef?.eventCounts() ?? {};
        },
      });
    }
    const { summary } = await runFeed({
      command: 'demo',
      feed: created,
      health,
      symbols,
      fullDepth,
      backend,
      mode: worker ? 'worker' : 'in-thread',
      durationSec,
      json,
      metricsPort,
      notes: () => [
        `simulator ${baseUrl}  ${rate}/s per symbol${faults ? `  faults every ${faultIntervalSec}s` : ''}`,
        ...(faults?.last ? [`last fault: ${faults.last} at ${((faults.lastAtMs ?? 0) / 1000).toFixed(1)}s (${faults.injected} so far)`] : []),
        ...(capture?.recent() ?? []),
      ],
      beforeShutdown: () => faults?.stop(),
      summaryExtras: (b) => {
        const s = sim.stats();
        return {
          simulator: { published: s.totalPublished, malformed: s.malformed, publishedBySymbol: s.publishedBySymbol },
          ...(faults
            ? {
                faults: {
                  injected: faults.injected,
                  byKind: { ...faults.byKind },
                  ...(faults.last ? { last: faults.last, lastAtSec: Math.round(faults.lastAtMs ?? 0) / 1000 } : {}),
                  eventsAfterLastFault: b.totalEvents - eventsAtLastFault,
                },
              }
            : {}),
        };
      },
      symbolExtras: faults ? (symbol, events) => ({ eventsAfterLastFault: events - (perSymbolAtLastFault[symbol] ?? 0) }) : undefined,
      onStart: (b) => {
        bookRef = b;
        faults?.start();
      },
    });
    process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummaryText(summary));
    return 0;
  } finally {
    faults?.stop();
    if (feed) await feed.shutdown().catch(() => undefined);
    await sim.stop();
  }
}
