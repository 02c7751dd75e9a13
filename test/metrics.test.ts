import { afterEach, describe, expect, it } from 'vitest';
import { createFeed, type Feed } from '../src/feed/feed.js';
import { shardOf } from '../src/dispatcher/index.js';
import { FeedHealth } from '../src/health/index.js';
import { createMetrics, serveMetrics, type DispatcherSource, type MetricsServer } from '../src/metrics/index.js';
import { backend } from '../src/native.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { settleFeed } from './helpers/settle.js';

let sim: Simulator | undefined;
let feed: Feed | undefined;
let server: MetricsServer | undefined;

afterEach(async () => {
  await server?.close();
  await feed?.shutdown();
  await sim?.stop();
  server = feed = sim = undefined;
});

/** `name value` (and `name{labels} value`) lines of a Prometheus text page. */
function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('metrics', () => {
  for (const worker of [false, true]) {
    it(`serves client, adapter, dispatcher and health figures that match stats() (${worker ? 'worker' : 'in-thread'} feed)`, async () => {
      sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 100 });
      const { baseUrl, credentials } = await sim.start();
      feed = await createFeed({ ...credentials, baseUrl, symbols: ['AOT', 'PTT'], fullDepth: false, worker, logger: silentLogger });
      const health = new FeedHealth();
      const registry = createMetrics({ feed, dispatcher: feed.dispatcher, health, backend });
      server = await serveMetrics({ registry, port: 0 });
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      // Consume until both symbols were seen, then stop the feed so every figure is at rest.
      const seen = new Set<string>();
      while (seen.size < 2) {
        await feed.dispatcher.waitForEvents(1000);
        feed.dispatcher.drain((view) => {
          seen.add(view.symbol);
          health.onEvent(view.symbol);
        });
      }
      const live = await fetch(server.url);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const liveBody = await live.text();
      expect(liveBody).toContain('# TYPE settrade_feed_client_messages_received_total counter');
      expect(liveBody).toContain('# TYPE settrade_feed_dispatcher_queue_length gauge');
      expect(liveBody).toContain('settrade_feed_client_state{state="CONNECTED"} 1');
      expect(liveBody).toContain('settrade_feed_client_state{state="RECONNECTING"} 0');

      // Bring every figure to rest (one malformed marker after the last book), then compare exactly.
      const markers = await settleFeed(sim, feed);
      feed.dispatcher.drain(() => undefined);
      const rest = await feed.stats();
      const d = feed.dispatcher.stats();
      const m = samples(await (await fetch(server.url)).text());
      expect(m.get('settrade_feed_dispatcher_pushed_total')).toBe(d.totalPushed);
      expect(m.get('settrade_feed_dispatcher_polled_total')).toBe(d.totalPolled);
      expect(m.get('settrade_feed_dispatcher_dropped_total')).toBe(d.totalDropped);
      expect(m.get('settrade_feed_dispatcher_queue_length')).toBe(d.queueLen);
      expect(m.get('settrade_feed_dispatcher_queue_capacity')).toBe(d.maxSize);
      expect(d.totalPushed).toBeGreaterThan(0);
      expect(m.get('settrade_feed_adapter_messages_parsed_total')).toBe(rest.adapter.messagesParsed);
      expect(m.get('settrade_feed_adapter_parse_errors_total')).toBe(markers);
      expect(m.get('settrade_feed_adapter_subscribed_symbols')).toBe(2);
      expect(m.get('settrade_feed_client_messages_received_total')).toBe(rest.client.messagesReceived);
      expect(m.get('settrade_feed_client_reconnect_epoch')).toBe(0);
      expect(m.get('settrade_feed_health_tracked_symbols')).toBe(2);
      expect(m.get('settrade_feed_health_feed_dead')).toBe(0);
      expect(m.get(`settrade_feed_info{backend="${backend}"}`)).toBe(1);
    });
  }

  for (const worker of [false, true]) {
    it(`labels dispatcher series by shard and covers every ring of a sharded feed (${worker ? 'worker' : 'in-thread'} feed)`, async () => {
      // KBANK routes to ring 0, AOT and PTT to ring 1 (FNV-1a mod 2): both rings carry events.
      const symbols = ['AOT', 'KBANK', 'PTT'];
      expect(new Set(symbols.map((s) => shardOf(s, 2))).size).toBe(2);
      sim = new Simulator({ symbols, ratePerSymbol: 100 });
      const { baseUrl, credentials } = await sim.start();
      feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false, shards: 2, worker, logger: silentLogger });
      const registry = createMetrics({ feed, dispatcher: feed.shards, backend });
      server = await serveMetrics({ registry });

      const consumed = [0, 0];
      const seen = new Set<string>();
      const drainAll = (): number =>
        feed!.shards.reduce((n, d, i) => {
          const got = d.drain((view) => seen.add(view.symbol));
          consumed[i]! += got;
          return n + got;
        }, 0);
      for (let i = 0; i < 200 && seen.size < symbols.length; i++) {
        await feed.shards[i % 2]!.waitForEvents(50);
        drainAll();
      }
      expect([...seen].sort()).toEqual([...symbols].sort());

      // Bring the feed to rest (one malformed marker after the last book), then drain every ring.
      const markers = await settleFeed(sim, feed);
      drainAll();
      const rest = await feed.stats();
      const m = samples(await (await fetch(server.url)).text());
      for (const i of [0, 1]) {
        const d = feed.shards[i]!.stats();
        expect(consumed[i]).toBeGreaterThan(0);
        expect(m.get(`settrade_feed_dispatcher_pushed_total{shard="${i}"}`)).toBe(consumed[i]);
        expect(m.get(`settrade_feed_dispatcher_polled_total{shard="${i}"}`)).toBe(consumed[i]);
        expect(m.get(`settrade_feed_dispatcher_dropped_total{shard="${i}"}`)).toBe(0);
        expect(m.get(`settrade_feed_dispatcher_queue_length{shard="${i}"}`)).toBe(0);
        expect(m.get(`settrade_feed_dispatcher_queue_capacity{shard="${i}"}`)).toBe(d.maxSize);
        expect(m.has(`settrade_feed_dispatcher_queue_utilization{shard="${i}"}`)).toBe(true);
      }
      // No third ring and no unlabelled series beside the per-shard ones.
      expect(m.has('settrade_feed_dispatcher_pushed_total{shard="2"}')).toBe(false);
      expect(m.has('settrade_feed_dispatcher_pushed_total')).toBe(false);
      // Every message the client received was pushed to exactly one ring.
      const pushed = (m.get('settrade_feed_dispatcher_pushed_total{shard="0"}') ?? 0) + (m.get('settrade_feed_dispatcher_pushed_total{shard="1"}') ?? 0);
      expect(pushed).toBe(rest.client.messagesReceived - markers);
      expect(pushed).toBe(consumed[0]! + consumed[1]!);
    });
  }

  it('rejects a dispatcher option that is not a ring or a non-empty array of rings, naming the field', () => {
    expect(() => createMetrics({ dispatcher: [] })).toThrow(/^dispatcher: must be a dispatcher or a non-empty array/);
    const notRing = { size: 1 } as unknown as DispatcherSource;
    expect(() => createMetrics({ dispatcher: notRing })).toThrow(/^dispatcher: must have a stats\(\) method/);
    const ring: DispatcherSource = { stats: () => ({ totalPushed: 0, totalPolled: 0, totalDropped: 0, queueLen: 0, maxSize: 1 }) };
    expect(() => createMetrics({ dispatcher: [ring, notRing] })).toThrow(/^dispatcher\[1\]: must have a stats\(\) method/);
    expect(() => createMetrics({ dispatcher: [ring, notRing] })).toThrow(expect.objectContaining({ code: 'ERR_METRICS_OPTION' }));
  });

  it('counts a reconnect and parse errors after faults', async () => {
    sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 100 });
    const { baseUrl, credentials } = await sim.start();
    feed = await createFeed({ ...credentials, baseUrl, symbols: ['AOT'], fullDepth: false, worker: false, logger: silentLogger, baseDelayMs: 50 });
    const registry = createMetrics({ feed, dispatcher: feed.dispatcher });
    server = await serveMetrics({ registry });
    const scrape = async (): Promise<Map<string, number>> => samples(await (await fetch(server!.url)).text());
    // The subscription is live once an event arrived (QoS 0: nothing published before it is delivered).
    expect(await feed.dispatcher.waitForEvents(10_000)).toBe(true);
    sim.faults.publishMalformed(3);
    let m = await scrape();
    for (let i = 0; i < 100 && (m.get('settrade_feed_adapter_parse_errors_total') ?? 0) < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      m = await scrape();
    }
    expect(m.get('settrade_feed_adapter_parse_errors_total')).toBe(3);
    expect(m.get('settrade_feed_client_reconnect_epoch')).toBe(0);
    const reconnected = new Promise<void>((resolve) => feed!.on('reconnect', () => resolve()));
    sim.faults.dropConnections();
    await reconnected;
    m = await scrape();
    expect(m.get('settrade_feed_client_reconnect_epoch')).toBe(1);
    expect(m.get('settrade_feed_client_reconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('answers 404 off the metrics path and rejects a bad port with a coded error', async () => {
    server = await serveMetrics({ registry: createMetrics() });
    const res = await fetch(server.url.replace('/metrics', '/other'));
    expect(res.status).toBe(404);
    await expect(serveMetrics({ registry: createMetrics(), port: 70000 })).rejects.toMatchObject({ code: 'ERR_METRICS_OPTION' });
    await expect(serveMetrics({ registry: createMetrics(), port: server.port })).rejects.toMatchObject({ code: 'ERR_METRICS_LISTEN' });
  });
});
