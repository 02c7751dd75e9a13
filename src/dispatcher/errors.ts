/** Errors thrown by the dispatcher and feed-health components. */
import { SettradeFeedError } from '../errors.js';

/**
 * An option (constructor argument) or a call's argument (`poll`'s
 * `maxEvents`, FeedHealth's `symbol` and `nowNs`) is missing, of the wrong
 * type or out of range. The message starts with the name.
 */
export class InvalidOptionError extends SettradeFeedError {
  declare readonly code: 'ERR_INVALID_OPTION';
  /** The option or argument at fault, e.g. `maxSize`, `perSymbolTimeoutSec.RARE`, `nowNs`. */
  readonly option: string;

  /** @param option name of the option; @param message what is wrong with it (the name is prefixed). */
  constructor(option: string, message: string) {
    super('ERR_INVALID_OPTION', `${option}: ${message}`);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}
