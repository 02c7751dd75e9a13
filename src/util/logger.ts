/**
 * The logging interface every component accepts: the pino call shape
 * (`logger.warn({ ...fields }, 'message')`), so a pino logger can be passed
 * as is. The default is a pino logger on stderr (stdout stays free for the
 * user's own output), level from SETTRADE_FEED_LOG_LEVEL (default 'info').
 */
import { createRequire } from 'node:module';
import type * as PinoModule from 'pino';

// pino is loaded when the default logger first logs, not at import: a
// process that passes its own logger (or never logs) does not pay for it
// (about 7 MB of RSS).
// A literal require('pino') call where one exists (a bundle bundles it), else Node's require.
const requirePino = (): typeof PinoModule =>
  (typeof require === 'function' ? require('pino') : createRequire(import.meta.url)('pino')) as typeof PinoModule;

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

let pinoLogger: Logger | undefined;

function pinoInstance(): Logger {
  if (pinoLogger === undefined) {
    const { pino } = requirePino();
    pinoLogger = pino({ name: 'settrade-feed', level: process.env.SETTRADE_FEED_LOG_LEVEL ?? 'info' }, pino.destination(2));
  }
  return pinoLogger;
}

// Forwards to pino, created by the first record actually logged.
const lazyDefault: Logger = {
  debug: (obj, msg) => pinoInstance().debug(obj, msg),
  info: (obj, msg) => pinoInstance().info(obj, msg),
  warn: (obj, msg) => pinoInstance().warn(obj, msg),
  error: (obj, msg) => pinoInstance().error(obj, msg),
};

/** The library's default logger (shared; pino is loaded when it first logs). */
export function defaultLogger(): Logger {
  return lazyDefault;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
