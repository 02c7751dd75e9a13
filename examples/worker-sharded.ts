/**
 * Worker mode with sharded consumers: `createFeed({ worker: true, shards: N })`
 * runs the network side (SettradeClient + BidOfferAdapter) in a worker thread
 * that decodes straight into N shared-memory rings; N consumer threads each
 * attach to one ring. Symbols are routed by a stable hash (`shardOf`), so each
 * symbol always lands on the same consumer and its events stay in order.
 *
 *   npx tsx examples/worker-sharded.ts
 *
 * The main thread only runs the simulator and coordinates; nothing on the
 * data path crosses postMessage.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { createFeed, Dispatcher, shardOf, type DispatcherHandle } from '../src/index.js'; // 'settrade-feed'
import { Simulator } from '../src/sim/index.js'; // 'settrade-feed/sim'
import { startModuleWorker } from '../src/util/worker-script.js';

const SHARDS = 2;
const SYMBOLS = ['AOT', 'PTT', 'CPALL', 'KBANK', 'ADVANC', 'DELTA', 'SCB', 'BDMS'];
const RUN_MS = 3000;

interface ConsumerData {
  handle: DispatcherHandle;
  index: number;
}

interface ConsumerResult {
  index: number;
  counts: Record<string, number>;
  outOfOrder: number;
}

if (isMainThread) await main();
else await consumer(workerData as ConsumerData);

async function main(): Promise<void> {
  const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 50 });
  const { baseUrl, credentials } = await sim.start();
  // Client + adapter in a worker thread, producing into SHARDS rings routed by symbol.
  const feed = await createFeed({ ...credentials, baseUrl, symbols: SYMBOLS, fullDepth: false, worker: true, shards: SHARDS, maxSize: 16_384 });

  const consumers = feed.shards.map((ring, index) => startThread({ handle: ring.handle, index }));
  const exited = consumers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
  for (const w of consumers) w.on('error', (err) => console.error(`consumer failed: ${err.message}`));
  // Every consumer says 'ready' once it has attached to its ring.
  await Promise.all(consumers.map((w) => nextMessage(w)));
  console.log(`${SYMBOLS.length} symbols over ${SHARDS} consumers; streaming for ${RUN_MS / 1000}s`);
  await new Promise((r) => setTimeout(r, RUN_MS));

  // Stop the feed first (it closes the connection and ends its worker), then let each consumer drain what is left.
  const stats = await feed.stats();
  await feed.shutdown();
  console.log(`feed: ${stats.adapter.messagesParsed} messages parsed, pushed per shard ${JSON.stringify(feed.shards.map((d) => d.stats().totalPushed))}`);
  const results = consumers.map((w) => nextMessage<ConsumerResult>(w));
  for (const w of consumers) w.postMessage('stop');
  const done = await Promise.all(results);
  await Promise.all(exited);
  await sim.stop();

  let ok = true;
  const owner = new Map<string, number>();
  for (const r of done) {
    const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
    console.log(`consumer ${r.index}: ${total} events ${JSON.stringify(r.counts)}${r.outOfOrder ? `, ${r.outOfOrder} out of order` : ''}`);
    if (r.outOfOrder > 0) ok = false;
    for (const symbol of Object.keys(r.counts)) {
      if (owner.has(symbol) || shardOf(symbol, SHARDS) !== r.index) ok = false;
      owner.set(symbol, r.index);
    }
  }
  if (SYMBOLS.some((s) => !owner.has(s))) ok = false;
  console.log(ok ? 'every symbol on exactly one consumer, in order' : 'FAILED: a symbol was missing, split across consumers, or out of order');
  process.exitCode = ok ? 0 : 1;
}

function nextMessage<T = unknown>(w: Worker): Promise<T> {
  return new Promise((resolve) => w.once('message', resolve));
}

/**
 * Starts this same file in a worker thread. Under tsx a worker does not inherit
 * the TypeScript loader on Node 20, so this goes through the package's worker
 * starter; compiled JavaScript would simply be
 * `new Worker(new URL(import.meta.url), { workerData })`.
 */
function startThread(data: ConsumerData): Worker {
  return startModuleWorker(new URL(import.meta.url), { workerData: data });
}

async function consumer({ handle, index }: ConsumerData): Promise<void> {
  const ring = Dispatcher.attach(handle);
  const counts: Record<string, number> = {};
  const lastMono = new Map<string, bigint>();
  let outOfOrder = 0;
  let stopping = false;
  // \`on\`, not \`once\`: the listener keeps this thread alive while it sleeps in waitForEvents
  // (a pending Atomics.waitAsync does not hold the event loop open by itself).
  parentPort!.on('message', () => (stopping = true));
  parentPort!.postMessage('ready');
  const onEvent = (view: Parameters<Parameters<Dispatcher['drain']>[0]>[0]): void => {
    const symbol = view.symbol;
    counts[symbol] = (counts[symbol] ?? 0) + 1;
    const mono = view.recvMonoNs;
    if (mono < (lastMono.get(symbol) ?? 0n)) outOfOrder++;
    lastMono.set(symbol, mono);
  };
  for (;;) {
    ring.drain(onEvent);
    if (stopping) break;
    await ring.waitForEvents(100);
  }
  ring.drain(onEvent);
  parentPort!.postMessage({ index, counts, outOfOrder } satisfies ConsumerResult);
  parentPort!.close();
}

