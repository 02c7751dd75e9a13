'use strict';
// A CommonJS consumer: require() of the package's ES modules (Node >= 20.19: require(esm)).
const { backend, createFeed } = require('settrade-feed');
const { Simulator } = require('settrade-feed/sim');
const { createMetrics } = require('settrade-feed/metrics');
const { createRelay } = require('settrade-feed/relay');
const { readFiveEvents, report } = require('./read-events.cjs');

async function main() {
  const symbols = ['AOT', 'PTT'];
  const sim = new Simulator({ symbols, ratePerSymbol: 100 });
  const { baseUrl, credentials } = await sim.start();
  const seen = await readFiveEvents(await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false }));
  await sim.stop();
  report('cjs', backend, seen, { subpaths: [typeof createMetrics, typeof createRelay] });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
