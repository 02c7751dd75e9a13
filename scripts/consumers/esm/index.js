// An ES module consumer: import, top-level await.
import { backend, createFeed } from 'settrade-feed';
import { Simulator } from 'settrade-feed/sim';
import { createMetrics } from 'settrade-feed/metrics';
import { createRelay } from 'settrade-feed/relay';
import events from './read-events.cjs';

const symbols = ['AOT', 'PTT'];
const sim = new Simulator({ symbols, ratePerSymbol: 100 });
const { baseUrl, credentials } = await sim.start();
const seen = await events.readFiveEvents(await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false }));
await sim.stop();
events.report('esm', backend, seen, { subpaths: [typeof createMetrics, typeof createRelay] });
