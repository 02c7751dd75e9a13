/**
 * The logging interface every component accepts: the pino call shape
 * (`logger.warn({ ...fields }, 'message')`), so a pino logger can be passed
 * as is. The default is a pino logger on stderr (stdout stays free for the
 * user's own output), level from SETTRADE_FEED_LOG_LEVEL (default 'info').
 */
import { pino } from 'pino';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

let shared: Logger | undefined;

/** The library's default logger (created on first use, shared). */
export function defaultLogger(): Logger {
  shared ??= pino(
    { name: 'settrade-feed', level: process.env.SETTRADE_FEED_LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
  return shared;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
