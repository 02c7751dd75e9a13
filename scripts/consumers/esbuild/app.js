// The consumer that gets bundled with esbuild (see scripts/test-consumers.sh):
// the root entry only; the simulator runs in another process (sim.js, unbundled).
import { backend, createFeed, nativeLoadError } from 'settrade-feed';

const { baseUrl, credentials } = JSON.parse(process.argv[2]);
const label = process.argv[3] ?? 'esbuild';
// The default logger (pino, loaded on first use through a require() the
// bundler bundles): the connection's info lines prove it runs from the bundle.

const symbols = ['AOT', 'PTT'];
const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false });
const seen = [];
for await (const e of feed.dispatcher.events({ signal: AbortSignal.timeout(15_000) })) {
  seen.push(`${e.symbol} ${e.bid}/${e.ask}`);
  if (seen.length === 5) break;
}
await feed.shutdown();
console.log(JSON.stringify({ case: label, backend, events: seen.length, first: seen[0], nativeLoadError: nativeLoadError?.message.split('\n')[0] }));
if (seen.length < 5) process.exitCode = 1;
