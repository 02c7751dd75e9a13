/** Errors thrown by the dispatcher and feed-health components. */

/**
 * An option (constructor argument) or a call's argument (`poll`'s
 * `maxEvents`, FeedHealth's `symbol` and `nowNs`) is missing, of the wrong
 * type or out of range. The message starts with the name.
 */
export class InvalidOptionError extends RangeError {
  /** Stable error code. */
  readonly code = 'ERR_INVALID_OPTION';
  override readonly name = 'InvalidOptionError';
  /** The option or argument at fault, e.g. `maxSize`, `perSymbolTimeoutSec.RARE`, `nowNs`. */
  readonly option: string;

  /** @param option name of the option; @param message what is wrong with it (the name is prefixed). */
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}
