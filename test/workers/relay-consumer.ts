/**
 * Child-process consumer of the relay tests: connectRelayFeed with the
 * options in argv[2] (JSON), then one JSON line on stdout per event, gap,
 * reconnect and state change. Stdin commands: `stats` prints the feed's
 * stats, `quit` shuts down and exits.
 */
import { createInterface } from 'node:readline';
import type { FullBidOffer } from '../../src/events/types.js';
import { connectRelayFeed, type RelayFeedOptions } from '../../src/relay/index.js';
import { silentLogger } from '../../src/util/logger.js';

const opts = JSON.parse(process.argv[2]!) as RelayFeedOptions & { from: RelayFeedOptions['from'] };
const out = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
const feed = await connectRelayFeed({ ...opts, fullDepth: true, logger: silentLogger, natsReconnectWaitMs: 200 });
feed.on('gap', (g) => out({ t: 'gap', ...g }));
feed.on('reconnect', (i) => out({ t: 'reconnect', epoch: i.epoch }));
feed.on('state', (s) => out({ t: 'state', state: s }));
out({ t: 'ready' });

let running = true;
const drain = (): number => {
  const events = feed.dispatcher.poll(1000) as FullBidOffer[];
  for (const e of events) {
    out({ t: 'e', s: e.symbol, ep: e.connectionEpoch, ts: e.recvTs.toString(), bp: e.bidPrices, ap: e.askPrices, bv: e.bidVolumes, av: e.askVolumes, bf: e.bidFlag, af: e.askFlag });
  }
  return events.length;
};
const pump = async (): Promise<void> => {
  while (running) if (drain() === 0) await feed.dispatcher.waitForEvents(50);
  while (drain() > 0);
};
const pumping = pump();

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') out({ t: 'stats', ...(await feed.stats()).relay });
  if (line === 'quit') break;
}
running = false;
await pumping;
const s = await feed.stats();
out({ t: 'stats', final: true, ...s.relay, parsed: s.adapter.messagesParsed });
await feed.shutdown();
process.exit(0);
