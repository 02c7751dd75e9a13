/**
 * Worker entry of `createFeed({ worker: true })`: runs a SettradeClient and a
 * BidOfferAdapter producing into the caller's Dispatcher (same shared ring),
 * and relays state, errors, reconnects, rejected subscriptions, logs and
 * stats to the caller. The feed restarts this worker on the same rings when
 * it dies (feed-supervisor.ts): attaching resumes at the ring's shared indices.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardedDispatcher } from '../dispatcher/index.js';
import { prevalidatedAttachOptions } from '../dispatcher/options.js';
import { SettradeClient } from '../transport/client.js';
import { prevalidatedClientOptions } from '../transport/options.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { BidOfferAdapter } from '../adapter/adapter.js';
import {
  serializeError,
  type FeedWorkerData,
  type FromWorker,
  type ToWorker,
  type WorkerRecording,
  type WorkerTestHook,
} from './feed-protocol.js';

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

// Both option objects are marked as validated: the caller's thread checked
// them (clientOptions arrive resolved), and this isolate never loads zod.
// The producer side logs the drop-rate warning: it must go through the caller's logger too.
const dispatcher = ShardedDispatcher.attach(data.handles, prevalidatedAttachOptions({ logger }));
const client = new SettradeClient(prevalidatedClientOptions({ ...data.clientOptions, logger }));
// With `record`, this worker writes the file: the adapter reads through the recording tap.
const tap = data.record ? await startWorkerRecording(data.record) : undefined;
const adapter = new BidOfferAdapter({ client: tap ?? client, fullDepth: data.fullDepth, dispatcher, logger });
const epochCell = new BigInt64Array(data.epochCell);

client.on('state', (state, previous) => {
  // Emitted inside the CONNACK step, after the epoch moved and before any
  // message of the session: the cell is never behind an event in the ring.
  if (state === 'CONNECTED') Atomics.store(epochCell, 0, BigInt(client.reconnectEpoch));
  post({ type: 'state', state, previous });
});
client.on('error', (err) => post({ type: 'error', error: serializeError(err) }));
client.on('reconnect', (info) => post({ type: 'reconnect', info }));
// The adapter re-emits the client's rejections that concern its symbols.
adapter.on('subscribeError', (event) => post({ type: 'subscribeError', event }));

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  adapter.close();
  await client.shutdown();
  await tap?.close();
  post({ type: 'closed' });
  port?.close();
}

// Test-only (ToWorker 'testHook', see feed-protocol.ts): die as a bug would.
function runTestHook(hook: WorkerTestHook): void {
  if (hook.how === 'exit') process.exit(hook.exitCode);
  // Outside the message handler, as an uncaught exception from a callback would be.
  setImmediate(() => {
    throw new Error('feed worker test hook: crash');
  });
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
      post({
        type: 'stats',
        id: m.id,
        stats: { client: client.stats(), adapter: adapter.stats(), ...(tap ? { recording: tap.writer.stats() } : {}) },
      });
      break;
    case 'shutdown':
      void shutdown();
      break;
    case 'testHook':
      runTestHook(m.hook);
      break;
  }
});

/**
 * Loads the writer (only a recording feed does) and opens the next file of
 * the rotation: a restarted worker continues after the last file any worker
 * of this feed started, so nothing the dead one wrote is overwritten.
 */
async function startWorkerRecording(rec: WorkerRecording): Promise<import('../record/recording-tap.js').RecordingTap> {
  const { startRecording } = await import('../record/feed-recording.js');
  const fileCell = new Int32Array(rec.fileCell);
  return startRecording({
    client,
    record: rec.options,
    fullDepth: data.fullDepth,
    symbols: data.symbols,
    onError: (err) => post({ type: 'error', error: serializeError(err) }),
    firstFileIndex: Atomics.load(fileCell, 0) + 1,
    restarted: rec.restarted,
    onFile: (index) => Atomics.store(fileCell, 0, index),
  });
}

for (const s of data.symbols) adapter.subscribe(s);
client.connect().then(
  () => post({ type: 'connected', epoch: client.reconnectEpoch }),
  (err: unknown) => {
    post({ type: 'connectFailed', error: serializeError(err) });
  },
);
