/**
 * Full depth with feed health: ten levels a side per event, consumed through
 * the zero-allocation `drain` view, with FeedHealth watching each symbol. The
 * simulator stalls one symbol for a moment so you see it go stale and recover.
 *
 *   npx tsx examples/full-depth-health.ts
 */
import { createFeed, FeedHealth } from '../src/index.js'; // 'settrade-feed'
import { Simulator } from '../src/sim/index.js'; // 'settrade-feed/sim'

const symbols = ['AOT', 'PTT', 'CPALL'];
const sim = new Simulator({ symbols, ratePerSymbol: 20 });
const { baseUrl, credentials } = await sim.start();
const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: true, worker: true });
// Short timeouts so the stall below shows within the example's few seconds.
const health = new FeedHealth({ globalTimeoutSec: 1, symbolTimeoutSec: 0.5 });

// The latest book per symbol, copied out of the ring into preallocated arrays.
const books = new Map(symbols.map((s) => [s, { bid: new Float64Array(10), ask: new Float64Array(10), bidVol: new Float64Array(10), askVol: new Float64Array(10) }]));
let wasStale = false;
let sawStale = false;
let sawRecovery = false;

const until = performance.now() + 3500;
setTimeout(() => sim.faults.stallSymbol('PTT', 1200), 1000);
while (performance.now() < until) {
  await feed.dispatcher.waitForEvents(50);
  feed.dispatcher.drain((view) => {
    const book = books.get(view.symbol);
    if (book) {
      for (let i = 0; i < 10; i++) {
        book.bid[i] = view.bidPrice(i);
        book.ask[i] = view.askPrice(i);
        book.bidVol[i] = view.bidVolume(i);
        book.askVol[i] = view.askVolume(i);
      }
    }
    health.onEvent(view.symbol);
  });
  const stale = health.isStale('PTT');
  if (stale !== wasStale) {
    console.log(`PTT ${stale ? `is STALE (no update for ${health.lastSeenGapMs('PTT')?.toFixed(0)} ms)` : 'recovered'}`);
    if (stale) sawStale = true;
    else sawRecovery = true;
    wasStale = stale;
  }
}

const aot = books.get('AOT')!;
console.log('AOT full depth (bid vol, bid | ask, ask vol):');
for (let i = 0; i < 10; i++) {
  console.log(`  ${String(i + 1).padStart(2)} ${String(aot.bidVol[i]).padStart(9)} ${aot.bid[i].toFixed(2).padStart(8)} | ${aot.ask[i].toFixed(2).padEnd(8)} ${aot.askVol[i]}`);
}
console.log(`feed dead: ${health.isFeedDead()}, stale now: [${health.staleSymbols().join(', ')}]`);

await feed.shutdown();
await sim.stop();
if (!sawStale || !sawRecovery || aot.bid[9] === 0) {
  console.error('expected PTT to go stale and recover, and a ten-level AOT book');
  process.exitCode = 1;
}
