/**
 * Brings a feed on the simulator to rest without guessing a quiet period:
 * stall the simulator, send one malformed payload after everything already
 * published (QoS 0 keeps the order of one connection), and wait until the
 * adapter counted it as a parse error. Everything published before the
 * marker has then been received and pushed to the rings.
 */
import type { Simulator } from '../../src/sim/index.js';

/** The part of a Feed this needs. */
interface FeedStatsSource {
  stats(): Promise<{ adapter: { parseErrors: number } }>;
}

/** Stalls `sim` and resolves once `feed` has processed everything published before; returns the marker count (1). */
export async function settleFeed(sim: Simulator, feed: FeedStatsSource, timeoutMs = 10_000): Promise<number> {
  sim.faults.stallFeed(600_000);
  const before = (await feed.stats()).adapter.parseErrors;
  if (sim.faults.publishMalformed(1) !== 1) throw new Error('settleFeed: no subscribed topic to carry the marker');
  const deadline = Date.now() + timeoutMs;
  while ((await feed.stats()).adapter.parseErrors < before + 1) {
    if (Date.now() > deadline) throw new Error('settleFeed: the marker never arrived');
    await new Promise((r) => setImmediate(r));
  }
  return 1;
}
