/**
 * Worker mode with sharded consumers: one worker thread runs the network
 * side (SettradeClient + one BidOfferAdapter per shard), decoding straight
 * into N shared-memory rings; N consumer threads each attach to one ring.
 * Symbols are routed by a stable hash (`shardOf`), so each symbol always
 * lands on the same consumer and its events stay in order.
 *
 *   npx tsx examples/worker-sharded.ts
 *
 * The main thread only runs the simulator and coordinates; nothing on the
 * data path crosses postMessage.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import {
  BidOfferAdapter,
  Dispatcher,
  SettradeClient,
  ShardedDispatcher,
  shardOf,
  Simulator,
  type DispatcherHandle,
  type SimulatorCredentials,
} from '../src/index.js';
import { startModuleWorker } from '../src/util/worker-script.js';

const SHARDS = 2;
const SYMBOLS = ['AOT', 'PTT', 'CPALL', 'KBANK', 'ADVANC', 'DELTA', 'SCB', 'BDMS'];
const RUN_MS = 3000;

type Role =
  | { role: 'producer'; handles: DispatcherHandle[]; credentials: SimulatorCredentials; baseUrl: string }
  | { role: 'consumer'; handle: DispatcherHandle; index: number };

interface ConsumerResult {
  index: number;
  counts: Record<string, number>;
  outOfOrder: number;
}

if (isMainThread) await main();
else if ((workerData as Role).role === 'producer') await producer(workerData as Extract<Role, { role: 'producer' }>);
else await consumer(workerData as Extract<Role, { role: 'consumer' }>);

async function main(): Promise<void> {
  const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 50 });
  const { baseUrl, credentials } = await sim.start();
  const rings = new ShardedDispatcher({ kind: 'bestBidAsk', shards: SHARDS, maxSize: 16_384 });

  const consumers = rings.handles.map((handle, index) => startThread({ role: 'consumer', handle, index }));
  const producerThread = startThread({ role: 'producer', handles: rings.handles, credentials, baseUrl });
  const threads = [producerThread, ...consumers];
  const exited = threads.map((w) => new Promise((resolve) => w.once('exit', resolve)));
  for (const w of threads) w.on('error', (err) => console.error(`worker failed: ${err.message}`));

  // Every thread says 'ready' once started (the consumers attached, the producer connected).
  await Promise.all(threads.map((w) => nextMessage(w)));
  console.log(`${SYMBOLS.length} symbols over ${SHARDS} consumers; streaming for ${RUN_MS / 1000}s`);
  await new Promise((r) => setTimeout(r, RUN_MS));

  // Stop the producer first (it closes the connection), then let each consumer drain what is left.
  producerThread.postMessage('stop');
  console.log(`producer: ${JSON.stringify(await nextMessage(producerThread))}`);
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
function startThread(data: Role): Worker {
  return startModuleWorker(new URL(import.meta.url), { workerData: data });
}

async function producer({ handles, credentials, baseUrl }: Extract<Role, { role: 'producer' }>): Promise<void> {
  const rings = ShardedDispatcher.attach(handles);
  const client = new SettradeClient({ ...credentials, baseUrl });
  // One adapter per shard, each subscribing to its shard's symbols and decoding into that ring.
  const adapters = rings.shards.map((ring) => new BidOfferAdapter({ client, fullDepth: false, dispatcher: ring }));
  for (const symbol of SYMBOLS) adapters[shardOf(symbol, SHARDS)]!.subscribe(symbol);
  await client.connect();
  parentPort!.postMessage('ready');
  parentPort!.once('message', async () => {
    const parsed = adapters.map((a) => a.stats().messagesParsed);
    for (const a of adapters) a.close();
    await client.shutdown();
    parentPort!.postMessage({ parsedPerShard: parsed, pushedPerShard: rings.stats().map((s) => s.totalPushed) });
    parentPort!.close();
  });
}

async function consumer({ handle, index }: Extract<Role, { role: 'consumer' }>): Promise<void> {
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

