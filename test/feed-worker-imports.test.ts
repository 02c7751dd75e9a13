/**
 * What a feed worker loads: the client, the adapter, the decoder and the
 * ring's producer side, with MQTT.js, but not zod (its options were
 * validated by the thread that started it: src/util/options-schema.ts,
 * "zod loaded on first use"). Checked on the running worker's own heap
 * (a V8 heap snapshot lists the paths of the modules it loaded). Real
 * simulator, real worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { createFeed } from '../src/feed/feed.js';
import { feedInternals } from '../src/feed/feed-supervisor.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function snapshotText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('feed worker imports', () => {
  it('a connected feed worker has loaded MQTT.js and not zod', async () => {
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 50 });
    const info = await sim.start();
    cleanups.push(() => sim.stop());
    const feed = await createFeed({ ...info.credentials, baseUrl: info.baseUrl, symbols: ['AOT'], fullDepth: false, maxSize: 1024, worker: true, logger: silentLogger });
    cleanups.push(() => feed.shutdown());
    // Past login, the token fetch and the first books: every code path of a running worker has run.
    let events = 0;
    await until(() => (events += feed.dispatcher.drain(() => undefined)) >= 5, '5 books', 15_000);
    const worker = feedInternals(feed).worker();
    expect(worker).toBeDefined();
    const heap = await snapshotText(await worker!.getHeapSnapshot());
    expect(heap).toMatch(/node_modules[\\/]+mqtt[\\/]/);
    expect(heap).not.toMatch(/node_modules[\\/]+zod[\\/]/);
  }, 30_000);
});
