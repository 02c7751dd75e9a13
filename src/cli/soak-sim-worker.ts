/**
 * The soak's simulator, in its own worker thread: at the open it publishes
 * 150k msg/s, which must not take the consumer's thread. The soak drives it
 * through {@link RemoteSimulator} (soak-sim.ts): calls by message, the
 * 'subscribed' and 'burstEnd' events back.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Simulator, type SimulatorOptions } from '../sim/index.js';
import type { SimCall, SimFromWorker } from './soak-sim.js';

if (!parentPort) throw new Error('soak-sim-worker must run in a worker thread');
const port: MessagePort = parentPort;
const post = (m: SimFromWorker): void => port.postMessage(m);
const sim = new Simulator(workerData as SimulatorOptions);
sim.on('subscribed', (symbol) => post({ type: 'event', name: 'subscribed', symbol }));
sim.on('burstEnd', () => post({ type: 'event', name: 'burstEnd' }));

function call(c: SimCall): unknown {
  switch (c.method) {
    case 'setPhase':
      return sim.setPhase(c.phase);
    case 'setRatePerSymbol':
      return sim.setRatePerSymbol(c.rate);
    case 'burst':
      return sim.burst(c.rate, c.ms);
    case 'dropConnections':
      return sim.faults.dropConnections();
    case 'expireTokens':
      return sim.faults.expireTokens();
    case 'stallSymbol':
      return sim.faults.stallSymbol(c.symbol, c.ms);
    case 'stallFeed':
      return sim.faults.stallFeed(c.ms);
    case 'publishMalformed':
      return sim.faults.publishMalformed(c.count);
    case 'totals': {
      const s = sim.stats();
      return { published: s.totalPublished + s.malformed, connections: s.connections, cpu: process.cpuUsage() };
    }
    case 'accounting':
      return sim.accounting();
    case 'stop':
      // The caller terminates the worker once this is answered.
      return sim.stop();
  }
}

port.on('message', (m: { id: number; call: SimCall }) => {
  Promise.resolve()
    .then(() => call(m.call))
    .then(
      (value) => post({ type: 'result', id: m.id, value }),
      (err: unknown) => post({ type: 'result', id: m.id, error: err instanceof Error ? err.message : String(err) }),
    );
});

sim.start().then(
  ({ baseUrl, credentials }) => post({ type: 'ready', baseUrl, credentials: { ...credentials } }),
  (err: unknown) => post({ type: 'failed', error: err instanceof Error ? err.message : String(err) }),
);
