// An ES module consumer: import, top-level await.
import { backend, createFeed } from 'settrade-feed';
import { Simulator } from 'settrade-feed/sim';
import { createMetrics } from 'settrade-feed/metrics';
import { createRelay } from 'settrade-feed/relay';

const symbols = ['AOT', 'PTT'];
const sim = new Simulator({ symbols, ratePerSymbol: 100 });
const { baseUrl, credentials } = await sim.start();
const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false });
const seen = [];
for await (const e of feed.dispatcher.events({ signal: AbortSignal.timeout(15_000) })) {
  seen.push(`${e.symbol} ${e.bid}/${e.ask}`);
  if (seen.length === 5) break;
}
await feed.shutdown();
await sim.stop();
console.log(JSON.stringify({ case: 'esm', backend, events: seen.length, first: seen[0], subpaths: [typeof createMetrics, typeof createRelay] }));
if (seen.length < 5) process.exitCode = 1;
