/**
 * Command-line argument parsing on top of `node:util` parseArgs, turning every
 * mistake into a {@link CliUsageError} (exit code 2) whose message names the
 * flag, so each subcommand reports bad input the same way.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SettradeFeedError } from '../errors.js';
import { InvalidSymbolError, normalizeSymbol } from '../protocol/symbol.js';

/** Exit code for bad command-line usage (missing variables, unknown flags). */
export const EXIT_USAGE = 2;

/** A command-line mistake: printed as is (with a hint to `--help`), exit code 2. */
export class CliUsageError extends SettradeFeedError {
  declare readonly code: 'ERR_CLI_USAGE';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode = EXIT_USAGE;

  /** @param message the mistake, naming the flag or variable. */
  constructor(message: string) {
    super('ERR_CLI_USAGE', message);
    this.name = 'CliUsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags and positionals of one subcommand. */
export interface ParsedArgs<T extends Options> {
  readonly values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>['values'];
  readonly positionals: string[];
}

/**
 * Parses `argv` strictly: unknown flags, missing flag values and (unless
 * `allowPositionals`) stray positionals throw a {@link CliUsageError}.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: readonly string[],
  options: T,
  allowPositionals = false,
): ParsedArgs<T> {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, allowNegative: true });
    if (!allowPositionals && parsed.positionals.length > 0) {
      throw new CliUsageError(`${command}: unexpected argument '${parsed.positionals[0]}'`);
    }
    return { values: parsed.values as ParsedArgs<T>['values'], positionals: parsed.positionals };
  } catch (err) {
    if (err instanceof CliUsageError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(`${command}: ${message}`);
  }
}

/** Parses a flag value that must be a finite number within [min, max]. */
export function numberFlag(
  flag: string,
  raw: string | undefined,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new CliUsageError(`--${flag} must be ${kind} from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/**
 * Splits a comma- or whitespace-separated symbol list, upper-cases and
 * de-duplicates it. Every symbol must pass the adapter's rules (no MQTT topic
 * syntax, whitespace or control characters; at most 32 UTF-8 bytes): the
 * first that does not is a usage error (exit 2) naming it, raised before
 * anything connects. `where` prefixes the messages (default `--flag`; e.g.
 * `watch` for positionals).
 */
export function symbolList(flag: string, raw: string | readonly string[], where = `--${flag}`): string[] {
  const typed = (typeof raw === 'string' ? [raw] : raw).flatMap((s) => s.split(/[,\s]+/)).filter((s) => s.length > 0);
  if (typed.length === 0) throw new CliUsageError(`${where} needs at least one symbol`);
  // The adapter's own rules (on the upper-cased form, as subscribed), checked
  // here so a bad symbol is a usage error (exit 2) naming what was typed.
  const symbols = typed.map((s) => {
    try {
      return normalizeSymbol(s.toUpperCase());
    } catch (err) {
      if (err instanceof InvalidSymbolError) throw new CliUsageError(`${where}: '${s}' is not a valid symbol (${err.message})`);
      throw err;
    }
  });
  return [...new Set(symbols)];
}
