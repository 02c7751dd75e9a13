/**
 * `settrade-feed sim`: the embedded Settrade Open API simulator alone. Prints
 * the base URL and the generated credentials (as SETTRADE_* variables, so
 * `watch` can be pointed at it), then runs until SIGINT/SIGTERM.
 *
 * The printed app secret is the simulator's own throwaway key, generated at
 * start; printing it is the purpose of this command.
 */
import type { Writable } from 'node:stream';
import { Simulator, SimulatorError, SIMULATOR_DEFAULTS, type SimulatorOptions, type SimulatorStartInfo } from '../sim/index.js';
import { defaultLogger } from '../util/logger.js';
import { CliUsageError, numberFlag, parseCommandArgs, symbolList } from './args.js';

/** Help text of `settrade-feed sim`. */
export const SIM_HELP = `Usage: settrade-feed sim [options]

Runs the embedded Settrade Open API simulator on 127.0.0.1 until Ctrl+C:
REST login and dispatcher token, MQTT over WebSocket, BidOfferV3 books for
every subscribed symbol (and for --symbols, always).

Options:
  --port N              TCP port (default 0: the OS chooses)
  --symbols A,B,...     symbols published even without subscribers
  --rate N              messages per second per symbol (default ${SIMULATOR_DEFAULTS.ratePerSymbol})
  --token-lifetime SEC  access/dispatcher token lifetime in seconds (default ${SIMULATOR_DEFAULTS.tokenLifetimeSec})
  --seed N              market generator seed (default ${SIMULATOR_DEFAULTS.seed})
  --broker-id ID        broker id in the paths (default ${SIMULATOR_DEFAULTS.brokerId})
  --json                print the start information as one JSON line
  -h, --help            this help
`;

const FLAGS = {
  port: { type: 'string' },
  symbols: { type: 'string', multiple: true },
  rate: { type: 'string' },
  'token-lifetime': { type: 'string' },
  seed: { type: 'string' },
  'broker-id': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Hooks for embedding and tests; the CLI uses the defaults. */
export interface SimCommandIo {
  /** Where the start information goes (default process.stdout). */
  stdout?: Writable;
  /** Stops the simulator when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the simulator is up. */
  onStarted?: (info: SimulatorStartInfo) => void;
}

function describe(info: SimulatorStartInfo, symbols: readonly string[]): string {
  const c = info.credentials;
  return [
    `settrade-feed simulator listening at ${info.baseUrl}`,
    `symbols: ${symbols.length > 0 ? symbols.join(',') + ' (always), plus any subscribed' : 'any subscribed'}`,
    '',
    `SETTRADE_BASE_URL=${info.baseUrl}`,
    `SETTRADE_APP_ID=${c.appId}`,
    `SETTRADE_APP_SECRET=${c.appSecret}`,
    `SETTRADE_APP_CODE=${c.appCode}`,
    `SETTRADE_BROKER_ID=${c.brokerId}`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Runs `settrade-feed sim`; resolves to the exit code once stopped. */
export async function runSimCommand(argv: string[], io: SimCommandIo = {}): Promise<number> {
  const { values } = parseCommandArgs('sim', argv, FLAGS);
  const out = io.stdout ?? process.stdout;
  if (values.help === true) {
    out.write(SIM_HELP);
    return 0;
  }
  const symbols = values.symbols !== undefined ? symbolList('symbols', values.symbols) : [];
  const options: SimulatorOptions = {
    port: numberFlag('port', values.port, SIMULATOR_DEFAULTS.port, { integer: true, max: 65535 }),
    symbols,
    ratePerSymbol: numberFlag('rate', values.rate, SIMULATOR_DEFAULTS.ratePerSymbol, { max: 1_000_000 }),
    tokenLifetimeSec: numberFlag('token-lifetime', values['token-lifetime'], SIMULATOR_DEFAULTS.tokenLifetimeSec, { min: 0.001, max: 2_000_000 }),
    seed: numberFlag('seed', values.seed, SIMULATOR_DEFAULTS.seed, { integer: true, min: -(2 ** 31), max: 2 ** 32 }),
    brokerId: values['broker-id'] ?? SIMULATOR_DEFAULTS.brokerId,
    logger: defaultLogger(),
  };
  let sim: Simulator;
  try {
    sim = new Simulator(options);
  } catch (err) {
    if (err instanceof SimulatorError) throw new CliUsageError(`sim: ${err.message}`);
    throw err;
  }

  let release: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (release = resolve));
  const onSignal = (): void => release();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  io.signal?.addEventListener('abort', onSignal, { once: true });
  try {
    const info = await sim.start();
    out.write(values.json === true ? JSON.stringify(info) + '\n' : describe(info, symbols));
    io.onStarted?.(info);
    if (io.signal?.aborted === true) release();
    await stopped;
    const stats = sim.stats();
    if (values.json !== true) out.write(`stopped: ${stats.totalPublished} messages published, ${stats.totalConnections} connections\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onSignal);
    await sim.stop();
  }
}
