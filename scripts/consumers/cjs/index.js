'use strict';
// A CommonJS consumer: require() of the package's ES modules (Node >= 20.19: require(esm)).
const { backend, createFeed } = require('settrade-feed');
const { Simulator } = require('settrade-feed/sim');
const { createMetrics } = require('settrade-feed/metrics');
const { createRelay } = require('settrade-feed/relay');

async function main() {
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
  console.log(JSON.stringify({ case: 'cjs', backend, events: seen.length, first: seen[0], subpaths: [typeof createMetrics, typeof createRelay] }));
  if (seen.length < 5) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
