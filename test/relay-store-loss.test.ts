/**
 * nats-server restarted without its store: the relay re-creates the stream
 * (what it buffered meanwhile goes there), and a consumer, seeing a new
 * stream, reads it from its beginning instead of waiting for the old
 * stream's sequence numbers: only what went with the store unread is missed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRelayFeed, createRelay, type Relay, type RelayFeed } from '../src/relay/index.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { NatsServer, natsServerBinary } from './helpers/nats-server.js';
import { describeWithBinary } from './helpers/system-binary.js';
import { until } from './helpers/until.js';

describeWithBinary(natsServerBinary, 'relay: nats-server loses its store', () => {
  let nats: NatsServer;
  let sim: Simulator;
  let relay: Relay;
  let feed: RelayFeed;

  beforeAll(async () => {
    nats = await NatsServer.launch();
    sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 100 });
    const { baseUrl, credentials } = await sim.start();
    relay = await createRelay({ settrade: { ...credentials, baseUrl }, servers: nats.url, symbols: ['AOT', 'PTT'], ackTimeoutMs: 1000, natsReconnectWaitMs: 100, logger: silentLogger });
    feed = await connectRelayFeed({ servers: nats.url, symbols: ['AOT', 'PTT'], fullDepth: false, from: 'new', natsReconnectWaitMs: 100, logger: silentLogger });
  }, 30_000);

  afterAll(async () => {
    await feed?.shutdown();
    await relay?.shutdown(1000);
    await sim?.stop();
    await nats?.stop();
  });

  it('the stream is re-created and the consumer goes on from its first message', async () => {
    await until(() => feed.dispatcher.stats().totalPushed > 100, 'messages before the loss', 10_000);
    await nats.kill9();
    nats.wipeStore();
    await until(() => relay.stats().nats.state === 'reconnecting', 'relay saw the loss', 10_000);
    // Acked by the dead server but not read by the consumer: lost with the store (at most this many).
    const unread = relay.stats().acked - feed.dispatcher.stats().totalPushed;
    await nats.start();
    await until(() => relay.stats().nats.state === 'connected', 'relay reconnected', 15_000);
    const acked = relay.stats().acked;
    await until(() => relay.stats().acked > acked + 100, 'relay publishing into the new stream', 10_000);
    // Everything the relay got acked after the loss reaches the consumer.
    await until(() => feed.dispatcher.stats().totalPushed + unread >= relay.stats().acked, 'consumer reading the new stream', 15_000);
    // Quiet, and every publish settled (an in-flight one at the loss fails only after ackTimeoutMs).
    sim.faults.stallFeed(60_000);
    await until(() => relay.stats().inFlight === 0 && relay.stats().pending === 0, 'relay settled', 10_000);
    await until(() => feed.dispatcher.stats().totalPushed + unread >= relay.stats().acked, 'consumer caught up', 10_000);
    const s = await feed.stats();
    const r = relay.stats();
    // Only what the relay could not publish, or what went with the store unread, can be missing.
    expect(s.relay.missed).toBeLessThanOrEqual(r.failed + r.dropped + unread);
    expect(s.relay.gaps).toBeLessThanOrEqual(2); // at most one per symbol, at the loss
    expect(s.relay.stale).toBe(0);
    expect(s.relay.natsReconnects).toBe(1);
  }, 60_000);
});
