/**
 * Worker entry of `createFeed({ worker: true })`: runs a SettradeClient and a
 * BidOfferAdapter producing into the caller's Dispatcher (same shared ring),
 * and relays state, errors, reconnects, logs and stats to the caller.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardedDispatcher } from '../dispatcher/index.js';
import { SettradeClient } from '../transport/client.js';
import type { SettradeClientOptions } from '../transport/options.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { BidOfferAdapter } from './adapter.js';
import { serializeError, type FeedWorkerData, type FromWorker, type ToWorker } from './feed-protocol.js';

const port = parentPort;
if (!port) throw new Error('feed-worker must run in a worker thread');
const data = workerData as FeedWorkerData;
const post = (m: FromWorker): void => port.postMessage(m);

const logger: Logger = data.forwardLogs
  ? {
      debug: (obj, msg) => post({ type: 'log', level: 'debug', obj, msg }),
      info: (obj, msg) => post({ type: 'log', level: 'info', obj, msg }),
      warn: (obj, msg) => post({ type: 'log', level: 'warn', obj, msg }),
      error: (obj, msg) => post({ type: 'log', level: 'error', obj, msg }),
    }
  : defaultLogger();

// The producer side logs the drop-rate warning: it must go through the caller's logger too.
const dispatcher = ShardedDispatcher.attach(data.handles, { logger });
const client = new SettradeClient({ ...(data.clientOptions as SettradeClientOptions), logger });
const adapter = new BidOfferAdapter({ client, fullDepth: data.fullDepth, dispatcher, logger });

client.on('state', (state, previous) => post({ type: 'state', state, previous }));
client.on('error', (err) => post({ type: 'error', error: serializeError(err) }));
client.on('reconnect', (info) => post({ type: 'reconnect', info }));

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  adapter.close();
  await client.shutdown();
  post({ type: 'closed' });
  port?.close();
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'subscribe':
      if (!closing) adapter.subscribe(m.symbol);
      break;
    case 'unsubscribe':
      if (!closing) adapter.unsubscribe(m.symbol);
      break;
    case 'stats':
      post({ type: 'stats', id: m.id, stats: { client: client.stats(), adapter: adapter.stats() } });
      break;
    case 'shutdown':
      void shutdown();
      break;
  }
});

for (const s of data.symbols) adapter.subscribe(s);
client.connect().then(
  () => post({ type: 'connected' }),
  (err: unknown) => {
    post({ type: 'connectFailed', error: serializeError(err) });
  },
);
