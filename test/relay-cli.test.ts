/**
 * `settrade-feed relay`: usage errors, option validation naming the field,
 * and a real run against the simulator and nats-server until SIGINT.
 */
import { describe, expect, it } from 'vitest';
import { connectRelayFeed, createRelay, RelayConfigError } from '../src/relay/index.js';
import { runCli } from './helpers/cli.js';
import { NatsServer, natsServerBinary } from './helpers/nats-server.js';
import { describeWithBinary } from './helpers/system-binary.js';
import { until } from './helpers/until.js';

describe('relay options', () => {
  it('rejects bad options naming the field, before connecting anywhere', async () => {
    await expect(createRelay({ settrade: {}, servers: 'nats://127.0.0.1:1', symbols: ['AOT'], bufferSize: 0 })).rejects.toThrow(/^bufferSize:/);
    await expect(createRelay({ settrade: {}, servers: 'nats://127.0.0.1:1', symbols: ['AOT'], stream: 'a.b' })).rejects.toThrow(RelayConfigError);
    // @ts-expect-error misspelled option
    await expect(createRelay({ settrade: {}, servers: 'nats://127.0.0.1:1', symbols: ['AOT'], maxAgeSecs: 1 })).rejects.toThrow(/maxAgeSecs: unknown option \(did you mean 'maxAgeSec'\?\)/);
    await expect(connectRelayFeed({ servers: 'nats://127.0.0.1:1', fullDepth: true, from: { startTime: 'yesterday' } })).rejects.toThrow(/^from/);
    // @ts-expect-error worker mode is not offered
    await expect(connectRelayFeed({ servers: 'nats://127.0.0.1:1', fullDepth: true, worker: true })).rejects.toThrow(/^worker: must be false/);
    await expect(connectRelayFeed({ servers: 'nats://127.0.0.1:1', fullDepth: true, symbols: ['A.B'] })).rejects.toThrow(/NATS subject token/);
  });

  it('the CLI names a missing or bad flag (exit 2)', async () => {
    const r = await runCli(['relay', '--sim']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--symbols is required/);
    const r2 = await runCli(['relay', '--symbols', 'AOT', '--max-age=soon']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--max-age must be/);
  });
});

describeWithBinary(natsServerBinary, 'settrade-feed relay --sim', () => {
  it('relays the simulator to JetStream until SIGINT, then prints the final counts', async () => {
    const nats = await NatsServer.launch();
    try {
      const r = await runCli(['relay', '--sim', '--nats', nats.url, '--symbols', 'AOT,PTT', '--rate', '50', '--stats-every', '0.2', '--json'], {
        onOutput: { match: /"acked":[1-9]\d{1,}/, then: (child) => child.kill('SIGINT') },
        timeoutMs: 45_000,
      });
      expect(r.code, r.stderr).toBe(0);
      const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(last.acked).toBe(last.received);
      expect(last.failed).toBe(0);
      expect(last.dropped).toBe(0);
      expect(last.nats).toBe('closed');
      // What it published is there for a consumer.
      const feed = await connectRelayFeed({ servers: nats.url, symbols: ['AOT', 'PTT'], fullDepth: false, from: 'last' });
      try {
        expect(feed.dispatcher.poll(10).map((e) => e.symbol).sort()).toEqual(['AOT', 'PTT']);
      } finally {
        await feed.shutdown();
      }
      // Subscribing later brings that symbol's last book too; unsubscribing stops its reader.
      const late = await connectRelayFeed({ servers: nats.url, symbols: ['AOT'], fullDepth: true, from: 'last' });
      try {
        expect(late.dispatcher.poll(10).map((e) => e.symbol)).toEqual(['AOT']);
        expect(late.subscribe('ptt')).toBe('PTT');
        late.unsubscribe('AOT');
        expect(late.subscribedSymbols).toEqual(['PTT']);
        await until(() => late.dispatcher.stats().totalPushed === 2, 'PTT last book after subscribe', 10_000);
        expect(late.dispatcher.poll(10).map((e) => e.symbol)).toEqual(['PTT']);
        // A second relay run on the same stream: its sequences start at 1 again, and that is not a gap.
        const again = await runCli(['relay', '--sim', '--nats', nats.url, '--symbols', 'PTT', '--rate', '50', '--stats-every', '0.2', '--json'], {
          onOutput: { match: /"acked":[1-9]\d{1,}/, then: (child) => child.kill('SIGINT') },
          timeoutMs: 45_000,
        });
        expect(again.code, again.stderr).toBe(0);
        const acked = (JSON.parse(again.stdout.trim().split('\n').at(-1)!) as { acked: number }).acked;
        await until(() => late.dispatcher.stats().totalPushed === 2 + acked, 'the second run relayed', 10_000);
        const s = await late.stats();
        expect(s.relay).toMatchObject({ relayRuns: 1, gaps: 0, missed: 0, stale: 0 });
      } finally {
        await late.shutdown();
      }
    } finally {
      await nats.stop();
    }
    // Two CLI processes start under tsx: generous on a loaded 2-core machine;
    // each run's own 45 s limit reports its stderr if it never relays.
  }, 120_000);
});
