import { SettradeFeedError } from '../errors.js';

/** Raised for invalid simulator options or misuse of the simulator API. */
export class SimulatorError extends SettradeFeedError {
  declare readonly code: 'ERR_SIM_OPTIONS' | 'ERR_SIM_STATE' | 'ERR_SIM_ARGUMENT';

  constructor(code: SimulatorError['code'], message: string) {
    super(code, message);
    this.name = 'SimulatorError';
  }
}
