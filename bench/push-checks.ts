/**
 * Cost of push()'s field checks: `npx tsx bench/push-checks.ts`.
 *
 * Writes one event into a slot with the raw `writeEvent` (what push() did
 * before it checked fields) and with `writeCheckedEvent` (what it does now),
 * alternating the two in 15 rounds per kind, and prints the medians (ns per
 * event) and their difference. Both run in one process, side by side, so
 * machine noise hits them alike.
 */
import { slotMemory } from '../src/events/slot-layout.js';
import { writeCheckedEvent, writeEvent } from '../src/events/slot-writer.js';
import type { BestBidAsk, FullBidOffer } from '../src/events/types.js';

const base = { symbol: 'PTT', bidFlag: 1, askFlag: 1, recvTs: 1_700_000_000_000_000_000n, recvMonoNs: 1n, connectionEpoch: 0 };
const lv = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
const bba: BestBidAsk = { ...base, bid: 33.25, ask: 33.5, bidVol: 0, askVol: 120_000 };
const fbo: FullBidOffer = {
  ...base,
  bidPrices: lv((k) => 33.25 - k / 4),
  askPrices: lv((k) => 33.5 + k / 4),
  bidVolumes: lv((k) => k),
  askVolumes: lv((k) => 1000 * k),
};
const mem = slotMemory(new ArrayBuffer(384));
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;

const result: Record<string, unknown> = { bench: 'push-checks', node: process.version };
for (const [kind, event] of [['bestBidAsk', bba], ['fullBidOffer', fbo]] as const) {
  const time = (write: typeof writeEvent): number => {
    const n = 200_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) write(kind, event, mem, 0);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  for (let i = 0; i < 5; i++) {
    time(writeEvent);
    time(writeCheckedEvent);
  }
  const raw: number[] = [];
  const checked: number[] = [];
  for (let i = 0; i < 15; i++) {
    raw.push(time(writeEvent));
    checked.push(time(writeCheckedEvent));
  }
  result[kind] = {
    writeEventNs: Number(median(raw).toFixed(1)),
    writeCheckedEventNs: Number(median(checked).toFixed(1)),
    checksNs: Number((median(checked) - median(raw)).toFixed(1)),
  };
}
console.log(JSON.stringify(result, null, 2));
