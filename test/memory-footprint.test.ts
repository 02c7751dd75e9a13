/**
 * The memory decisions that a refactor could undo silently (docs/decisions.md;
 * figures in docs/performance.md):
 * - what a feed worker loads: the client, the adapter, the decoder and the
 *   ring's producer side, with MQTT.js, but not zod (its options were
 *   validated by the thread that started it: src/util/options-schema.ts).
 *   Checked on the running worker's own heap (a V8 heap snapshot lists the
 *   paths of the modules it loaded);
 * - the client writes without mqtt-packet's 65,536-Buffer number cache.
 * Real simulator, real worker, real MQTT.js.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { createFeed } from '../src/feed/feed.js';
import { feedInternals } from '../src/feed/feed-supervisor.js';
import { Simulator } from '../src/sim/index.js';
import { SettradeClient } from '../src/transport/client.js';
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

describe('MQTT.js number cache', () => {
  it('a connected client has switched mqtt-packet to writing numbers without its cache', async () => {
    // The copy of mqtt-packet MQTT.js itself uses.
    const requireFromMqtt = createRequire(createRequire(import.meta.url).resolve('mqtt'));
    const writeToStream = requireFromMqtt('mqtt-packet').writeToStream as { cacheNumbers: boolean };
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 10 });
    const info = await sim.start();
    cleanups.push(() => sim.stop());
    const client = new SettradeClient({ ...info.credentials, baseUrl: info.baseUrl, logger: silentLogger });
    cleanups.push(() => client.shutdown());
    await client.connect();
    expect(writeToStream.cacheNumbers).toBe(false);
  }, 30_000);
});
