// A TypeScript consumer, compiled under each tsconfig of the matrix (node16 ESM,
// node20 CommonJS, bundler): no top-level await, so the same source also
// compiles to CommonJS.
import { backend, createFeed, isAuction, type BestBidAsk } from 'settrade-feed';
import { Simulator } from 'settrade-feed/sim';

async function main(label: string): Promise<void> {
  const symbols = ['AOT', 'PTT'];
  const sim = new Simulator({ symbols, ratePerSymbol: 100 });
  const { baseUrl, credentials } = await sim.start();
  const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false });
  const events: BestBidAsk[] = [];
  for await (const e of feed.dispatcher.events({ signal: AbortSignal.timeout(15_000) })) {
    // `fullDepth: false` types every event as BestBidAsk: no cast anywhere.
    events.push(e);
    const spread: number = isAuction(e) ? 0 : e.ask - e.bid;
    // @ts-expect-error a BestBidAsk has no depth arrays (this line stops compiling if events became `any` or FullBidOffer)
    void e.bidPrices;
    void spread;
    if (events.length === 5) break;
  }
  await feed.shutdown();
  await sim.stop();
  const first = events[0];
  console.log(JSON.stringify({ case: label, backend, events: events.length, first: first && `${first.symbol} ${first.bid}/${first.ask}` }));
  if (events.length < 5) process.exitCode = 1;
}

main(process.argv[2] ?? 'ts').catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
