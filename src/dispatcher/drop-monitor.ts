/**
 * Logs one warning when the drop-rate EMA (kept in the ring header by the
 * producer) crosses `dropWarningThreshold`, and one info when it falls below
 * half of it (hysteresis, so a rate hovering at the threshold does not flap).
 * The "warned" flag lives in the header too, so it is logged once per ring,
 * by the producer side, whichever Dispatcher object pushes.
 */
import type { Logger } from '../util/logger.js';
import * as layout from './ring-layout.js';

// Local copies (some loaders turn imported bindings into per-access getters).
const DROPPED_MASK = layout.PUSH_EVICTED;
const ACCEPTED = layout.PUSH_ACCEPTED;
const I_WARNED = layout.W.dropWarned;
const F_EMA = layout.W.dropRateEma;
const F_DROPPED = layout.W.dropped;
const F_PUSHED = layout.W.pushed;

export class DropMonitor {
  constructor(
    private readonly i32: Int32Array,
    private readonly f64: Float64Array,
    private readonly threshold: number,
    private readonly logger: Logger,
  ) {}

  /** Called after each push with its PUSH_* result bits. Cheap when nothing changes. */
  afterPush(result: number): void {
    const dropped = (result & DROPPED_MASK) !== 0 || (result & ACCEPTED) === 0;
    const warned = this.i32[I_WARNED] !== 0;
    if (dropped === warned) return;
    const ema = this.f64[F_EMA]!;
    if (dropped && ema > this.threshold) {
      this.i32[I_WARNED] = 1;
      this.logger.warn(
        { dropRateEma: ema, dropWarningThreshold: this.threshold, totalDropped: this.f64[F_DROPPED], totalPushed: this.f64[F_PUSHED] },
        'dispatcher: drop rate above threshold (consumer too slow or maxSize too small)',
      );
    } else if (!dropped && ema < this.threshold / 2) {
      this.i32[I_WARNED] = 0;
      this.logger.info({ dropRateEma: ema, dropWarningThreshold: this.threshold }, 'dispatcher: drop rate recovered');
    }
  }
}
