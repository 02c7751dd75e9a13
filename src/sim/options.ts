/**
 * Simulator options: the public interface, its defaults, and validation with
 * zod (errors name the offending field).
 */
import type { z } from 'zod';
import { lazy } from '../util/options-schema.js';
import type { Logger } from '../util/logger.js';
import { SimulatorError } from './errors.js';

/** A market phase. Auction phases publish zero prices with ATO/ATC flags. */
export type MarketPhase = 'ATO' | 'NORMAL' | 'ATC';

/** One step of a phase schedule. */
export interface PhaseStep {
  /** Phase to enter. */
  phase: MarketPhase;
  /** How long to stay in it (ms). */
  durationMs: number;
}

/** Burst mode: publish far above the normal rate for a while. */
export interface BurstOptions {
  /** Target messages per second in all, shared by the burst's symbols. */
  ratePerSecond: number;
  /** How long the burst lasts (ms). */
  durationMs: number;
  /**
   * Only these symbols are published during the burst (default: every active
   * symbol); the others stay silent until it ends. Each must be one the
   * simulator publishes; for a start-up burst, one of `symbols`.
   */
  symbols?: string[];
}

/** Options for {@link Simulator}. Every field is optional. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 lets the OS choose. */
  port?: number;
  /** Broker id in the REST and MQTT paths. */
  brokerId?: string;
  /** App code in the login path. */
  appCode?: string;
  /** Symbols always published, subscribed or not. */
  symbols?: string[];
  /**
   * The symbols the simulated service knows (default: {@link DEFAULT_UNIVERSE},
   * ~50 SET names); `symbols` are always added. A SUBSCRIBE to a BidOfferV3
   * topic outside it gets one message on the subscribe-error topic and no data.
   */
  universe?: string[];
  /** `token_type` of the login; the scheme the token request and the upgrade must use. */
  tokenType?: string;
  /** Messages per second per active symbol. */
  ratePerSymbol?: number;
  /** Lifetime of access (and so dispatcher) tokens, seconds; may be fractional. */
  tokenLifetimeSec?: number;
  /** Allowed distance between a login timestamp and the simulator clock, seconds. */
  clockSkewSec?: number;
  /** Seed for the market generator (same seed, same books). */
  seed?: number;
  /** Initial phase. */
  phase?: MarketPhase;
  /** A phase schedule that is run through once from start(), then the last phase stays. */
  phaseSchedule?: PhaseStep[];
  /** Starting prices (THB) per symbol; others get a seeded random price. */
  initialPrices?: Record<string, number>;
  /** Start in burst mode (see {@link Simulator.burst}). */
  burst?: BurstOptions;
  /** Generator timer period (ms). */
  tickIntervalMs?: number;
  /** Logger (pino call shape); silent by default. */
  logger?: Logger;
}

/**
 * The symbols the simulator knows by default: SET50-style large caps and a
 * few others, a warrant among them (a '-' in a symbol), so the names the
 * examples, tests and benchmarks use are real-looking and a typo is not.
 */
export const DEFAULT_UNIVERSE: readonly string[] = Object.freeze([
  'ADVANC', 'AOT', 'AWC', 'BANPU', 'BANPU-W5', 'BBL', 'BDMS', 'BEM', 'BGRIM', 'BH',
  'BJC', 'BTS', 'CBG', 'CENTEL', 'COM7', 'CPALL', 'CPF', 'CPN', 'CRC', 'DELTA',
  'EA', 'EGCO', 'GLOBAL', 'GPSC', 'GULF', 'HMPRO', 'INTUCH', 'IVL', 'KBANK', 'KCE',
  'KTB', 'KTC', 'LH', 'MINT', 'MTC', 'OR', 'OSP', 'PTT', 'PTTEP', 'PTTGC',
  'RATCH', 'SAWAD', 'SCB', 'SCC', 'SCGP', 'TIDLOR', 'TISCO', 'TOP', 'TRUE', 'TTB', 'WHA',
]);

/** Default values of {@link SimulatorOptions}. */
export const SIMULATOR_DEFAULTS = {
  port: 0,
  brokerId: 'SIM',
  appCode: 'ALGO',
  symbols: [] as string[],
  ratePerSymbol: 10,
  tokenLifetimeSec: 3600,
  tokenType: 'Bearer',
  clockSkewSec: 300,
  seed: 1,
  phase: 'NORMAL' as MarketPhase,
  tickIntervalMs: 10,
} as const;

/** A symbol the simulator publishes: upper-case A-Z 0-9 & . - _, at most 32 characters. */
export const SYMBOL_RE = /^[A-Z0-9][A-Z0-9&.\-_]{0,31}$/;
const PATH_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;

// The simulator's schemas, built on first use (src/util/options-schema.ts).
const schemas = lazy((z) => {
  const phaseSchema = z.enum(['ATO', 'NORMAL', 'ATC']);
  const burst = z.strictObject({
    ratePerSecond: z.number().positive().max(10_000_000),
    durationMs: z.number().positive().max(3_600_000),
    symbols: z
      .array(z.string().regex(SYMBOL_RE, 'must be an upper-case SET symbol'))
      .min(1, 'must name at least one symbol (omit it to burst every active symbol)')
      .max(10_000)
      .optional(),
  });

  const options = z.strictObject({
    port: z.number().int().min(0).max(65535).optional(),
    brokerId: z.string().regex(PATH_ID_RE, 'must be 1-32 characters of A-Z a-z 0-9 _ -').optional(),
    appCode: z.string().regex(PATH_ID_RE, 'must be 1-32 characters of A-Z a-z 0-9 _ -').optional(),
    symbols: z.array(z.string().regex(SYMBOL_RE, 'must be an upper-case SET symbol')).max(10_000).optional(),
    universe: z.array(z.string().regex(SYMBOL_RE, 'must be an upper-case SET symbol')).max(100_000).optional(),
    tokenType: z.string().regex(/^[A-Za-z][A-Za-z0-9._~+-]{0,31}$/, 'must be an HTTP auth scheme such as Bearer').optional(),
    ratePerSymbol: z.number().min(0).max(1_000_000).optional(),
    tokenLifetimeSec: z.number().positive().max(2_000_000).optional(),
    clockSkewSec: z.number().min(0).max(86_400).optional(),
    seed: z.number().int().optional(),
    phase: phaseSchema.optional(),
    phaseSchedule: z
      .array(z.strictObject({ phase: phaseSchema, durationMs: z.number().positive().max(86_400_000) }))
      .min(1)
      .optional(),
    initialPrices: z.record(z.string().regex(SYMBOL_RE), z.number().min(0.5).max(5000)).optional(),
    burst: burst.optional(),
    tickIntervalMs: z.number().int().min(1).max(1000).optional(),
    logger: z
      .custom<Logger>(
        (v) => typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function'),
        'must be a logger with debug/info/warn/error',
      )
      .optional(),
  });
  return { options, burst };
});

/** Options after validation and defaults. */
export type ResolvedSimulatorOptions = Required<
  Omit<SimulatorOptions, 'phaseSchedule' | 'initialPrices' | 'burst' | 'logger' | 'universe'>
> & { readonly universe: ReadonlySet<string> } &
  Pick<SimulatorOptions, 'phaseSchedule' | 'initialPrices' | 'burst' | 'logger'>;

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(options)'}: ${i.message}`)
    .join('; ');
}

/** Validates options and fills defaults; throws SimulatorError naming the field. */
export function resolveSimulatorOptions(opts: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const parsed = schemas().options.safeParse(opts);
  if (!parsed.success) throw new SimulatorError('ERR_SIM_OPTIONS', `invalid simulator options: ${describe(parsed.error)}`);
  const o = parsed.data;
  // A start-up burst begins before any client subscribes, so only the configured symbols exist then.
  const unknown = unknownSymbols(o.burst?.symbols, new Set(o.symbols ?? SIMULATOR_DEFAULTS.symbols));
  if (unknown !== undefined) throw new SimulatorError('ERR_SIM_OPTIONS', `invalid simulator options: burst.symbols: ${unknown} (not in symbols)`);
  return {
    port: o.port ?? SIMULATOR_DEFAULTS.port,
    brokerId: o.brokerId ?? SIMULATOR_DEFAULTS.brokerId,
    appCode: o.appCode ?? SIMULATOR_DEFAULTS.appCode,
    symbols: [...new Set(o.symbols ?? SIMULATOR_DEFAULTS.symbols)],
    universe: new Set([...(o.universe ?? DEFAULT_UNIVERSE), ...(o.symbols ?? [])]),
    tokenType: o.tokenType ?? SIMULATOR_DEFAULTS.tokenType,
    ratePerSymbol: o.ratePerSymbol ?? SIMULATOR_DEFAULTS.ratePerSymbol,
    tokenLifetimeSec: o.tokenLifetimeSec ?? SIMULATOR_DEFAULTS.tokenLifetimeSec,
    clockSkewSec: o.clockSkewSec ?? SIMULATOR_DEFAULTS.clockSkewSec,
    seed: o.seed ?? SIMULATOR_DEFAULTS.seed,
    phase: o.phase ?? SIMULATOR_DEFAULTS.phase,
    tickIntervalMs: o.tickIntervalMs ?? SIMULATOR_DEFAULTS.tickIntervalMs,
    phaseSchedule: o.phaseSchedule,
    initialPrices: o.initialPrices,
    burst: o.burst,
    logger: opts.logger,
  };
}

/**
 * Validates a burst request made at run time; `known` are the symbols the
 * simulator publishes now (a burst symbol outside them is rejected).
 */
export function parseBurst(ratePerSecond: number, durationMs: number, target: Pick<BurstOptions, 'symbols'>, known: ReadonlySet<string>): BurstOptions {
  const parsed = schemas().burst.safeParse({ ...target, ratePerSecond, durationMs });
  if (!parsed.success) throw new SimulatorError('ERR_SIM_ARGUMENT', `invalid burst: ${describe(parsed.error)}`);
  const unknown = unknownSymbols(parsed.data.symbols, known);
  if (unknown !== undefined) throw new SimulatorError('ERR_SIM_ARGUMENT', `invalid burst: symbols: ${unknown} (neither configured nor subscribed)`);
  return parsed.data.symbols === undefined ? parsed.data : { ...parsed.data, symbols: [...new Set(parsed.data.symbols)] };
}

/** `unknown symbol(s) X, Y` for the symbols outside `known`, or undefined when there are none. */
function unknownSymbols(symbols: readonly string[] | undefined, known: ReadonlySet<string>): string | undefined {
  const unknown = (symbols ?? []).filter((s) => !known.has(s));
  if (unknown.length === 0) return undefined;
  return `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`;
}
