/**
 * `settrade-feed demo`: the embedded simulator plus the full pipeline
 * (worker ingest by default), with the live view, optional periodic faults,
 * metrics, and a final summary (`--json`: one JSON object on stdout).
 */
import { backend } from '../native.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { numberFlag, parseCommandArgs, symbolList, type ParsedArgs } from './args.js';
import { CaptureLogger } from './capture-logger.js';
import { FAULT_SCHEDULE_DEFAULTS, FaultSchedule, type FaultTarget } from './fault-schedule.js';
import type { CliFeed } from './run-feed.js';
import { formatSummaryText, type RunSummary, type SymbolSummary } from './summary.js';

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
  const settings = demoSettings(values);
  const { symbols, fullDepth, worker, json } = settings;

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
  const sim = new Simulator({ symbols, ratePerSymbol: settings.rate, seed: settings.seed });
  const { baseUrl, credentials } = await sim.start();
  let feed: CliFeed | undefined;
  let faults: DemoFaults | undefined;
  try {
    const created = await createFeed({
      ...credentials,
      baseUrl,
      symbols,
      fullDepth,
      maxSize: settings.maxSize,
      overflow: 'drop-oldest',
      worker,
      logger,
      // Quick, unlimited reconnects: the demo's faults must show recovery within a second or two.
      baseDelayMs: 200,
      maxDelayMs: 2000,
      maxRetries: Number.POSITIVE_INFINITY,
    });
    feed = created;
    const health = new FeedHealth({ globalTimeoutSec: settings.globalTimeoutSec, symbolTimeoutSec: settings.symbolTimeoutSec });
    if (settings.faults) faults = new DemoFaults(sim.faults, settings);
    const { summary } = await runFeed({
      command: 'demo',
      feed: created,
      health,
      symbols,
      fullDepth,
      backend,
      mode: worker ? 'worker' : 'in-thread',
      durationSec: settings.durationSec,
      json,
      metricsPort: settings.metricsPort,
      notes: () => [
        `simulator ${baseUrl}  ${settings.rate}/s per symbol${faults ? `  faults every ${settings.faultIntervalSec}s` : ''}`,
        ...(faults?.note() ?? []),
        ...(capture?.recent() ?? []),
      ],
      beforeShutdown: () => faults?.stop(),
      summaryExtras: (b) => {
        const s = sim.stats();
        return {
          simulator: { published: s.totalPublished, malformed: s.malformed, publishedBySymbol: s.publishedBySymbol },
          ...(faults ? { faults: faults.summary(b) } : {}),
        };
      },
      symbolExtras: faults?.symbolExtras,
      onStart: (b) => faults?.start(b),
    });
    process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummaryText(summary));
    return 0;
  } finally {
    faults?.stop();
    if (feed) await feed.shutdown().catch(() => undefined);
    await sim.stop();
  }
}

/** The demo's settings, from its flags. */
interface DemoSettings {
  readonly symbols: string[];
  readonly rate: number;
  readonly durationSec: number | undefined;
  readonly metricsPort: number | undefined;
  readonly maxSize: number;
  readonly faults: boolean;
  readonly faultIntervalSec: number;
  readonly symbolTimeoutSec: number;
  readonly globalTimeoutSec: number;
  readonly seed: number;
  readonly fullDepth: boolean;
  readonly worker: boolean;
  readonly json: boolean;
}

/** Checks the flags' values (a bad one throws CliUsageError naming the flag) and fills in the defaults. */
function demoSettings(values: ParsedArgs<typeof FLAGS>['values']): DemoSettings {
  const symbols = values.symbols !== undefined ? symbolList('symbols', values.symbols) : [...DEMO_DEFAULTS.symbols];
  const rate = numberFlag('rate', values.rate, DEMO_DEFAULTS.ratePerSymbol, { min: 0.1, max: 1_000_000 });
  const durationSec = values.duration !== undefined ? numberFlag('duration', values.duration, 0, { min: 0.1 }) : undefined;
  const metricsPort = values['metrics-port'] !== undefined ? numberFlag('metrics-port', values['metrics-port'], 0, { integer: true, max: 65535 }) : undefined;
  const maxSize = numberFlag('max-size', values['max-size'], DEMO_DEFAULTS.maxSize, { integer: true, min: 1, max: 1 << 24 });
  const faultIntervalSec = numberFlag('fault-interval', values['fault-interval'], DEMO_DEFAULTS.faultIntervalSec, { min: 0.2 });
  const symbolTimeoutSec = numberFlag('symbol-timeout', values['symbol-timeout'], DEMO_DEFAULTS.symbolTimeoutSec, { min: 0.1 });
  const globalTimeoutSec = numberFlag('global-timeout', values['global-timeout'], DEMO_DEFAULTS.globalTimeoutSec, { min: 0.1 });
  const seed = numberFlag('seed', values.seed, 1, { integer: true });
  return {
    symbols,
    rate,
    durationSec,
    metricsPort,
    maxSize,
    faults: values.faults === true,
    faultIntervalSec,
    symbolTimeoutSec,
    globalTimeoutSec,
    seed,
    fullDepth: values['full-depth'] === true,
    worker: values.worker !== false,
    json: values.json === true,
  };
}

/** The event counts a fault mark reads (the run loop's BookState). */
interface EventCounts {
  readonly totalEvents: number;
  eventCounts(): Record<string, number>;
}

/**
 * The demo's periodic faults, and the event counts at the last one: the
 * summary reports the events after it, which shows the feed recovered.
 */
class DemoFaults {
  readonly #schedule: FaultSchedule;
  /** Set when consuming starts; read at each fault. */
  #book: EventCounts | undefined;
  #eventsAtLastFault = 0;
  #perSymbolAtLastFault: Record<string, number> = {};

  constructor(target: FaultTarget, settings: DemoSettings) {
    const { durationSec, faultIntervalSec } = settings;
    this.#schedule = new FaultSchedule({
      target,
      symbols: settings.symbols,
      intervalMs: faultIntervalSec * 1000,
      stallMs: FAULT_SCHEDULE_DEFAULTS.stallMs,
      malformedCount: FAULT_SCHEDULE_DEFAULTS.malformedCount,
      // With a fixed duration, leave the last few seconds fault-free so the summary shows recovery.
      ...(durationSec !== undefined
        ? { maxFaults: Math.max(0, Math.floor((durationSec - (FAULT_SCHEDULE_DEFAULTS.stallMs + 1500) / 1000) / faultIntervalSec)) }
        : {}),
      onFault: () => {
        this.#eventsAtLastFault = this.#book?.totalEvents ?? 0;
        this.#perSymbolAtLastFault = this.#book?.eventCounts() ?? {};
      },
    });
  }

  /** Starts injecting; `book` is read at each fault. */
  start(book: EventCounts): void {
    this.#book = book;
    this.#schedule.start();
  }

  /** Stops injecting (idempotent). */
  stop(): void {
    this.#schedule.stop();
  }

  /** The live view's line about the last fault (none before the first). */
  note(): string[] {
    const faults = this.#schedule;
    return faults.last ? [`last fault: ${faults.last} at ${((faults.lastAtMs ?? 0) / 1000).toFixed(1)}s (${faults.injected} so far)`] : [];
  }

  /** The summary's `faults` section. */
  summary(book: EventCounts): NonNullable<RunSummary['faults']> {
    const faults = this.#schedule;
    return {
      injected: faults.injected,
      byKind: { ...faults.byKind },
      ...(faults.last ? { last: faults.last, lastAtSec: Math.round(faults.lastAtMs ?? 0) / 1000 } : {}),
      eventsAfterLastFault: book.totalEvents - this.#eventsAtLastFault,
    };
  }

  /** The summary's per-symbol extra: events of `symbol` after the last fault (an arrow, as it is passed on unbound). */
  readonly symbolExtras = (symbol: string, events: number): Partial<SymbolSummary> => ({
    eventsAfterLastFault: events - (this.#perSymbolAtLastFault[symbol] ?? 0),
  });
}
