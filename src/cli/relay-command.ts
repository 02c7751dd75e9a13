/**
 * `settrade-feed relay`: one Settrade session (or the embedded simulator with
 * --sim) republished to NATS JetStream, until SIGINT/SIGTERM. Prints a stats
 * line every --stats-every seconds and a final one at exit.
 */
import { CliUsageError, numberFlag, parseCommandArgs, symbolList } from './args.js';

/** Help text of `settrade-feed relay`. */
export const RELAY_HELP = `Usage: settrade-feed relay --nats URL --symbols A,B,... [options]

Republishes the BidOfferV3 feed to NATS JetStream: subject
settrade.bidofferv3.{SYMBOL}, payload bytes unchanged, headers Settrade-Recv-Ts,
Settrade-Epoch, Settrade-Seq, Settrade-Relay-Run (see docs/scale-out.md).
Consumers: connectRelayFeed() from 'settrade-feed/relay'.

Options:
  --nats URL            NATS server (repeat for a cluster; default nats://127.0.0.1:4222)
  --symbols A,B,...     symbols relayed (required)
  --stream NAME         JetStream stream (default SETTRADE_BIDOFFERV3; created or updated)
  --max-age SEC         stream max age in seconds (default 86400; 0: unlimited)
  --max-per-symbol N    messages kept per symbol (default 100000; -1: unlimited)
  --memory              memory storage for a new stream (default: file)
  --buffer N            messages held while NATS is slow or down (default 100000; drop-oldest, counted)
  --window N            publishes awaiting their ack at most (default 1024)
  --sim                 relay the embedded simulator instead of Settrade
  --rate N              with --sim: messages per second per symbol (default 10)
  --stats-every SEC     print a stats line every SEC seconds (default 5; 0: never)
  --json                stats lines as JSON
  -h, --help            this help

Credentials (without --sim): SETTRADE_APP_ID, SETTRADE_APP_SECRET, SETTRADE_APP_CODE,
SETTRADE_BROKER_ID from the environment or ./.env.
`;

const FLAGS = {
  nats: { type: 'string', multiple: true },
  symbols: { type: 'string', multiple: true },
  stream: { type: 'string' },
  'max-age': { type: 'string' },
  'max-per-symbol': { type: 'string' },
  memory: { type: 'boolean' },
  buffer: { type: 'string' },
  window: { type: 'string' },
  sim: { type: 'boolean' },
  rate: { type: 'string' },
  'stats-every': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the relay command; resolves to the exit code. */
export async function runRelayCommand(argv: readonly string[], signal?: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs('relay', argv, FLAGS);
  if (values.help) {
    process.stdout.write(RELAY_HELP);
    return 0;
  }
  if (values.symbols === undefined) throw new CliUsageError('relay: --symbols is required');
  const symbols = symbolList('symbols', values.symbols);
  const servers = values.nats ?? ['nats://127.0.0.1:4222'];
  const maxAgeSec = numberFlag('max-age', values['max-age'], 86_400, { integer: true, max: 365 * 86_400 });
  const maxMsgsPerSubject = numberFlag('max-per-symbol', values['max-per-symbol'], 100_000, { integer: true, min: -1 });
  const bufferSize = numberFlag('buffer', values.buffer, 100_000, { integer: true, min: 1, max: 100_000_000 });
  const inFlightWindow = numberFlag('window', values.window, 1024, { integer: true, min: 1, max: 1_000_000 });
  const statsEverySec = numberFlag('stats-every', values['stats-every'], 5, { max: 86_400 });
  if (values.rate !== undefined && !values.sim) throw new CliUsageError('relay: --rate needs --sim');
  const rate = numberFlag('rate', values.rate, 10, { min: 0.1, max: 1_000_000 });

  const { createRelay } = await import('../relay/index.js');
  let settrade: Record<string, unknown>;
  let stopSim: (() => Promise<void>) | undefined;
  if (values.sim) {
    const { Simulator } = await import('../sim/index.js');
    const sim = new Simulator({ symbols, ratePerSymbol: rate });
    const { baseUrl, credentials } = await sim.start();
    settrade = { ...credentials, baseUrl };
    stopSim = () => sim.stop();
  } else {
    const { loadEnvCredentials } = await import('./env-credentials.js');
    settrade = { ...loadEnvCredentials() };
  }
  // Settrade reconnects never give up: the relay is a long-running service.
  settrade = { ...settrade, maxRetries: Number.POSITIVE_INFINITY };
  try {
    const relay = await createRelay({
      settrade,
      servers,
      symbols,
      maxAgeSec,
      maxMsgsPerSubject,
      bufferSize,
      inFlightWindow,
      ...(values.stream !== undefined ? { stream: values.stream } : {}),
      ...(values.memory ? { storage: 'memory' as const } : {}),
    });
    const line = (): string => {
      const s = relay.stats();
      const o = { received: s.received, acked: s.acked, failed: s.failed, dropped: s.dropped, pending: s.pending, inFlight: s.inFlight, nats: s.nats.state, natsReconnects: s.nats.reconnects, settrade: s.settrade.state, epoch: s.settrade.reconnectEpoch };
      return values.json
        ? JSON.stringify(o)
        : `relay: received ${o.received} acked ${o.acked} failed ${o.failed} dropped ${o.dropped} pending ${o.pending} in-flight ${o.inFlight} | nats ${o.nats} (${o.natsReconnects} reconnects) | settrade ${o.settrade} epoch ${o.epoch}`;
    };
    if (!values.json) process.stdout.write(`relay ${relay.runId}: ${symbols.join(',')} -> ${servers.join(',')} stream ${relay.stream}\n`);
    const timer = statsEverySec > 0 ? setInterval(() => process.stdout.write(line() + '\n'), statsEverySec * 1000) : undefined;
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      signal?.addEventListener('abort', stop, { once: true });
    });
    if (timer) clearInterval(timer);
    await relay.shutdown();
    process.stdout.write(line() + '\n');
    const s = relay.stats();
    return s.failed + s.dropped > 0 ? 1 : 0;
  } finally {
    await stopSim?.();
  }
}
