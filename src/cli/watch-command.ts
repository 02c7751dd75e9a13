/**
 * `settrade-feed watch SYMBOL...`: the live view against the real Settrade
 * Open API, with credentials from the environment or a `.env` file. The
 * credentials are checked before anything connects: a missing variable is a
 * usage error (exit 2) naming every missing one.
 */
import { backend } from '../native.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { CliUsageError, numberFlag, parseCommandArgs, symbolList } from './args.js';
import { CaptureLogger } from './capture-logger.js';
import { BASE_URL_VARIABLE, CREDENTIAL_VARIABLES, loadEnvCredentials } from './env-credentials.js';
import { formatSummaryText } from './summary.js';

/** Help text of `settrade-feed watch`. */
export const WATCH_HELP = `Usage: settrade-feed watch SYMBOL... [options]

Streams BidOfferV3 for the symbols from the Settrade Open API with a live view.
Credentials come from the environment or a .env file in the current directory:
  ${CREDENTIAL_VARIABLES.join('\n  ')}
  ${BASE_URL_VARIABLE} (optional: API base URL override; broker SANDBOX selects UAT)

Options:
  --full-depth          ten levels a side (key d toggles the depth view)
  --no-worker           ingest on the main thread instead of a worker thread
  --duration S          stop after S seconds (default: until Ctrl-C or q)
  --json                no live view: one JSON summary on stdout at the end
  --metrics-port P      serve Prometheus metrics on 127.0.0.1:P/metrics
  --max-size N          queue capacity in events (default 100000)
  --env-file PATH       read credentials from this file instead of ./.env
  -h, --help            this help
`;

const FLAGS = {
  'full-depth': { type: 'boolean', default: false },
  worker: { type: 'boolean', default: true },
  duration: { type: 'string' },
  json: { type: 'boolean', default: false },
  'metrics-port': { type: 'string' },
  'max-size': { type: 'string' },
  'env-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `settrade-feed watch`; resolves to the exit code. */
export async function runWatchCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('watch', argv, FLAGS, true);
  if (values.help) {
    process.stdout.write(WATCH_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new CliUsageError('watch: name at least one symbol, e.g. settrade-feed watch AOT PTT');
  const symbols = symbolList('symbols', positionals, 'watch');
  const credentials = loadEnvCredentials(values['env-file'] !== undefined ? { envFile: values['env-file'] } : {});
  const durationSec = values.duration !== undefined ? numberFlag('duration', values.duration, 0, { min: 0.1 }) : undefined;
  const metricsPort = values['metrics-port'] !== undefined ? numberFlag('metrics-port', values['metrics-port'], 0, { integer: true, max: 65535 }) : undefined;
  const maxSize = values['max-size'] !== undefined ? numberFlag('max-size', values['max-size'], 0, { integer: true, min: 1, max: 1 << 24 }) : undefined;
  const fullDepth = values['full-depth'] === true;
  const worker = values.worker !== false;
  const json = values.json === true;
  const capture = !json && process.stdout.isTTY ? new CaptureLogger() : undefined;
  const logger: Logger = capture ?? defaultLogger();

  // Loaded only now: a usage error above must not wait for (or fail on) the pipeline's modules.
  const [{ createFeed }, { FeedHealth }, { runFeed }] = await Promise.all([
    import('../feed/index.js'),
    import('../health/index.js'),
    import('./run-feed.js'),
  ]);
  const feed = await createFeed({ ...credentials, symbols, fullDepth, worker, logger, ...(maxSize !== undefined ? { maxSize } : {}) });
  try {
    const { summary } = await runFeed({
      command: 'watch',
      feed,
      health: new FeedHealth(),
      symbols,
      fullDepth,
      backend,
      mode: worker ? 'worker' : 'in-thread',
      durationSec,
      json,
      metricsPort,
      notes: () => capture?.recent() ?? [],
    });
    process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummaryText(summary));
    return 0;
  } finally {
    await feed.shutdown().catch(() => undefined);
  }
}
