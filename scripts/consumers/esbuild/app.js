// The consumer that gets bundled with esbuild (see scripts/test-consumers.sh):
// the root entry only; the simulator runs in another process (sim.js, unbundled).
// The default logger (pino, loaded on first use through a require() the
// bundler bundles): the connection's info lines prove it runs from the bundle.
import { backend, createFeed, nativeLoadError } from 'settrade-feed';
import events from './read-events.cjs';

const { baseUrl, credentials } = JSON.parse(process.argv[2]);
const label = process.argv[3] ?? 'esbuild';
const symbols = ['AOT', 'PTT'];
const seen = await events.readFiveEvents(await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false }));
events.report(label, backend, seen, { nativeLoadError: nativeLoadError?.message.split('\n')[0] });
