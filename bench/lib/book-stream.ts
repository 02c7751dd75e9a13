/** The client benches' traffic: 20 SET symbols, 64 generated books each, as the replay server streams them. */
import { MarketGenerator } from '../../src/sim/market-generator.js';
import { encodeBook } from '../../src/sim/proto-encoder.js';
import type { ReplayMessage } from '../replay-server.js';

export const BENCH_SYMBOLS = ['AOT', 'PTT', 'CPALL', 'ADVANC', 'KBANK', 'SCB', 'BBL', 'DELTA', 'GULF', 'BDMS', 'PTTEP', 'SCC', 'TRUE', 'BH', 'CRC', 'IVL', 'MINT', 'OR', 'TOP', 'BANPU-W5'];

/** 64 rounds over {@link BENCH_SYMBOLS} of real BidOfferV3 payloads (seeded: the same every run). */
export function benchMessages(): ReplayMessage[] {
  const gen = new MarketGenerator(42);
  const out: ReplayMessage[] = [];
  for (let v = 0; v < 64; v++) {
    for (const s of BENCH_SYMBOLS) out.push({ topic: `proto/topic/bidofferv3/${s}`, payload: encodeBook(s, gen.book(s).next('NORMAL')) });
  }
  return out;
}
