/** Raised for invalid simulator options or misuse of the simulator API. */
export class SimulatorError extends Error {
  /** Stable machine-readable code. */
  readonly code: 'ERR_SIM_OPTIONS' | 'ERR_SIM_STATE' | 'ERR_SIM_ARGUMENT';

  constructor(code: SimulatorError['code'], message: string) {
    super(message);
    this.name = 'SimulatorError';
    this.code = code;
  }
}
