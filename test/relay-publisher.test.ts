/**
 * JetStreamPublisher against a real nats-server: acks, refusals (no stream),
 * ack timeouts, and the bounded drop-oldest buffer while offline, each
 * counted and reported by symbol and sequence.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RelayHeader } from '../src/relay/index.js';
import { JetStreamPublisher, type OutgoingMessage } from '../src/relay/publisher.js';
import { ensureStream } from '../src/relay/stream.js';
import { NatsServer, natsServerBinary } from './helpers/nats-server.js';
import { describeWithBinary } from './helpers/system-binary.js';
import { until } from './helpers/until.js';

const msg = (symbol: string, seq: number, subject = `settrade.bidofferv3.${symbol}`): OutgoingMessage => ({
  subject,
  symbol,
  seq,
  epoch: 0,
  recvTs: 1_700_000_000_000_000_000n + BigInt(seq),
  payload: Uint8Array.of(seq & 0xff, 1, 2, 3),
});

describeWithBinary(natsServerBinary, 'JetStreamPublisher', () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await NatsServer.launch();
    nc = await connect({ servers: nats.url });
    await ensureStream(await jetstreamManager(nc), { name: 'PUBTEST', maxAgeSec: 0, maxMsgsPerSubject: -1, storage: 'memory' });
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('acks what the stream stores; offline, the buffer keeps the newest and reports each drop; back online it drains in order', async () => {
    const pub = new JetStreamPublisher(nc, { runId: 'r1', inFlightWindow: 4, bufferSize: 5, ackTimeoutMs: 5000 });
    const lost: string[] = [];
    pub.on('unpublished', (s, q, why) => lost.push(`${s}:${q}:${why}`));
    pub.setOnline(false);
    for (let q = 1; q <= 8; q++) pub.enqueue(msg('AOT', q));
    expect(pub.stats()).toMatchObject({ published: 0, dropped: 3, pending: 5 });
    expect(lost).toEqual(['AOT:1:dropped', 'AOT:2:dropped', 'AOT:3:dropped']);
    pub.setOnline(true);
    await pub.settled(5000);
    expect(pub.stats()).toMatchObject({ published: 5, acked: 5, failed: 0, dropped: 3, pending: 0, inFlight: 0 });
    const c = await jetstream(nc).consumers.get('PUBTEST', { filter_subjects: 'settrade.bidofferv3.AOT' });
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await c.next();
      seqs.push(`${m!.headers!.get(RelayHeader.seq)}/${m!.headers!.get(RelayHeader.run)}/${m!.headers!.get(RelayHeader.recvTs)}`);
    }
    expect(seqs).toEqual([4, 5, 6, 7, 8].map((q) => `${q}/r1/${1_700_000_000_000_000_000n + BigInt(q)}`));
    pub.close();
  });

  it('a publish no stream takes is refused and counted as failed', async () => {
    const pub = new JetStreamPublisher(nc, { runId: 'r2', inFlightWindow: 4, bufferSize: 5, ackTimeoutMs: 5000 });
    const lost: string[] = [];
    pub.on('unpublished', (s, q, why) => lost.push(`${s}:${q}:${why}`));
    pub.enqueue(msg('AOT', 1, 'not.a.stream.subject'));
    await until(() => pub.stats().inFlight === 0, 'refusal', 5000);
    expect(pub.stats()).toMatchObject({ published: 1, acked: 0, failed: 1 });
    expect(lost).toEqual(['AOT:1:failed']);
    pub.close();
  });

  it('a publish without an ack within ackTimeoutMs is counted as failed', async () => {
    // A plain subscriber takes the message and never replies.
    const silent = nc.subscribe('silent.subject');
    const pub = new JetStreamPublisher(nc, { runId: 'r3', inFlightWindow: 4, bufferSize: 5, ackTimeoutMs: 100 });
    const lost: string[] = [];
    pub.on('unpublished', (s, q, why) => lost.push(`${s}:${q}:${why}`));
    pub.enqueue(msg('PTT', 7, 'silent.subject'));
    expect(pub.stats().inFlight).toBe(1);
    await until(() => pub.stats().failed === 1, 'ack timeout', 5000);
    expect(lost).toEqual(['PTT:7:failed']);
    silent.unsubscribe();
    pub.close();
  });
});
