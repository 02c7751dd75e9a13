/**
 * `settrade-feed sim`: the embedded Settrade Open API simulator alone. Prints
 * the base URL and the generated credentials (as SETTRADE_* variables, so
 * `watch` can be pointed at it), then runs until SIGINT/SIGTERM.
 *
 * The printed app secret is the simulator's own throwaway key, generated at
 * start; printing it is the purpose of this command.
 */
import type { Writable } from 'node:stream';
import { Simulator, SimulatorError, SIMULATOR_DEFAULTS, type BurstStats, type SimulatorOptions, type SimulatorStartInfo } from '../sim/index.js';
import { defaultLogger } from '../util/logger.js';
import { CliUsageError, numberFlag, parseCommandArgs, symbolList } from './args.js';

const BURST_MS_DEFAULT = 1000;

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
  --burst-rate N        burst mode: once the first client subscribes, publish N
                        messages per second in all (instead of --rate) ...
  --burst-ms N          ... for N milliseconds (default ${BURST_MS_DEFAULT}) ...
  --burst-every SEC     ... and again every SEC seconds (default: once)
  --burst-symbols A,B   burst only these (each one of --symbols; default: every
                        published symbol)
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
  'burst-rate': { type: 'string' },
  'burst-ms': { type: 'string' },
  'burst-every': { type: 'string' },
  'burst-symbols': { type: 'string', multiple: true },
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

/** Burst schedule from the --burst-* flags (undefined: no bursts). */
interface BurstPlan {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly everyMs: number | undefined;
  readonly symbols: string[] | undefined;
}

function burstPlan(
  values: { 'burst-rate'?: string; 'burst-ms'?: string; 'burst-every'?: string; 'burst-symbols'?: string[] },
  symbols: readonly string[],
): BurstPlan | undefined {
  if (values['burst-rate'] === undefined) {
    for (const flag of ['burst-ms', 'burst-every', 'burst-symbols'] as const) {
      if (values[flag] !== undefined) throw new CliUsageError(`--${flag} needs --burst-rate`);
    }
    return undefined;
  }
  const ratePerSecond = numberFlag('burst-rate', values['burst-rate'], 0, { min: 1, max: 10_000_000 });
  const durationMs = numberFlag('burst-ms', values['burst-ms'], BURST_MS_DEFAULT, { min: 1, max: 3_600_000 });
  const everySec = values['burst-every'] === undefined ? undefined : numberFlag('burst-every', values['burst-every'], 0, { min: 0.001, max: 86_400 });
  // A burst replaces the one running: a period shorter than a burst would cut every burst short.
  if (everySec !== undefined && everySec * 1000 < durationMs) {
    throw new CliUsageError(`--burst-every must be at least --burst-ms (${durationMs} ms), got ${everySec} s`);
  }
  let burstSymbols: string[] | undefined;
  if (values['burst-symbols'] !== undefined) {
    burstSymbols = symbolList('burst-symbols', values['burst-symbols']);
    // Only symbols published from the start are sure to exist whenever a burst fires.
    const missing = burstSymbols.filter((s) => !symbols.includes(s));
    if (missing.length > 0) throw new CliUsageError(`--burst-symbols must be among --symbols; not there: ${missing.join(',')}`);
  }
  return { ratePerSecond, durationMs, everyMs: everySec === undefined ? undefined : everySec * 1000, symbols: burstSymbols };
}

// Starts the bursts of `plan` when the first client subscribes (nobody would receive one before); returns a stop function.
function scheduleBursts(sim: Simulator, plan: BurstPlan, out: Writable, json: boolean): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    sim.burst(plan.ratePerSecond, plan.durationMs, plan.symbols !== undefined ? { symbols: plan.symbols } : {});
  };
  const onSubscribed = (): void => {
    fire();
    if (plan.everyMs !== undefined) timer = setInterval(fire, plan.everyMs);
  };
  const onEnd = (s: BurstStats): void => {
    if (!json) {
      out.write(`burst: ${s.delivered} messages delivered in ${Math.round(s.elapsedMs)} ms (${Math.round(s.achievedRate)}/s of ${s.targetRate}/s asked, ${s.shed} shed)\n`);
    }
  };
  sim.once('subscribed', onSubscribed);
  sim.on('burstEnd', onEnd);
  return () => {
    if (timer !== undefined) clearInterval(timer);
    sim.off('subscribed', onSubscribed);
    sim.off('burstEnd', onEnd);
  };
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
  const plan = burstPlan(values, symbols);
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
  let stopBursts: () => void = () => {};
  try {
    const info = await sim.start();
    if (plan !== undefined) stopBursts = scheduleBursts(sim, plan, out, values.json === true);
    out.write(values.json === true ? JSON.stringify(info) + '\n' : describe(info, symbols));
    io.onStarted?.(info);
    if (io.signal?.aborted === true) release();
    await stopped;
    const stats = sim.stats();
    if (values.json !== true) out.write(`stopped: ${stats.totalPublished} messages published, ${stats.totalConnections} connections\n`);
    return 0;
  } finally {
    stopBursts();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onSignal);
    await sim.stop();
  }
}
