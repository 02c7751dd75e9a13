/**
 * Best bid/ask stream: the embedded simulator stands in for the Settrade Open
 * API; the feed logs in, subscribes and hands `BestBidAsk` events to this
 * thread through the dispatcher. Runs for a few seconds and exits.
 *
 *   npx tsx examples/best-bid-ask.ts [seconds]
 *
 * Against the real API, drop the simulator and pass your own credentials:
 *   createFeed({ appId, appSecret, appCode, brokerId, symbols, fullDepth: false })
 */
import { backend, createFeed, isAuction } from '../src/index.js'; // 'settrade-feed'
import { Simulator } from '../src/sim/index.js'; // 'settrade-feed/sim'

const seconds = Number(process.argv[2] ?? 3);
const symbols = ['AOT', 'PTT', 'KBANK'];

const sim = new Simulator({ symbols, ratePerSymbol: 20 });
const { baseUrl, credentials } = await sim.start();
const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false, worker: false });
console.log(`connected to ${baseUrl} (backend ${backend}); streaming ${symbols.join(', ')} for ${seconds}s`);

const stop = AbortSignal.timeout(seconds * 1000);
const counts = new Map<string, number>();
let printed = 0;
// fullDepth: false makes feed.dispatcher a Dispatcher<'bestBidAsk'>: every event is typed BestBidAsk.
for await (const e of feed.dispatcher.events({ signal: stop })) {
  counts.set(e.symbol, (counts.get(e.symbol) ?? 0) + 1);
  // Print the first few and then one in fifty, so the terminal stays readable.
  if (printed < 10 || counts.get(e.symbol)! % 50 === 0) {
    printed++;
    const quote = isAuction(e) ? 'auction' : `${e.bidVol} @ ${e.bid.toFixed(2)} | ${e.ask.toFixed(2)} @ ${e.askVol}`;
    console.log(`${e.symbol.padEnd(6)} ${quote}  epoch ${e.connectionEpoch}`);
  }
}

await feed.shutdown();
await sim.stop();
console.log(`events per symbol: ${[...counts].map(([s, n]) => `${s}=${n}`).join(' ')}`);
if (symbols.some((s) => !counts.get(s))) {
  console.error('some symbol received no event');
  process.exitCode = 1;
}
