/**
 * The root export is the consumer's API: importing it loads none of the
 * simulator's or the metrics' dependencies (checked in a fresh process by
 * listing every module URL the import resolved); those live behind the
 * `settrade-feed/sim` and `settrade-feed/metrics` subpaths.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsxLoader } from './helpers/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const hook = new URL('./helpers/record-resolve.mjs', import.meta.url).href;

/**
 * Imports `entry` in a fresh process with a resolve hook registered; returns
 * the packages whose modules the import resolved, and the entry's export names.
 */
function loadIn(entry: string): { packages: string[]; wsServer: boolean; exports: string[] } {
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    const sentinel = 'data:text/javascript,export default 0';
    const done = new Promise((resolve) => port1.on('message', (u) => (u === sentinel ? resolve() : urls.push(u))));
    register(${JSON.stringify(hook)}, { data: { port: port2 }, transferList: [port2] });
    const mod = await import(${JSON.stringify(entry)});
    await import(sentinel); // the hook reports in order: once this arrives, every earlier URL has
    await done;
    port1.close();
    const packageOf = new RegExp('node_modules/((@[^/]+/)?[^/]+)');
    const packages = [...new Set(urls.map((u) => (u.match(packageOf) ?? [])[1]).filter(Boolean))];
    console.log(JSON.stringify({ packages, wsServer: urls.some((u) => u.includes('ws/lib/websocket-server') || u.includes('ws/wrapper')), exports: Object.keys(mod) }));
  `;
  const r = spawnSync(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`import of ${entry} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const heavy = ['aedes', 'prom-client', 'protobufjs', '@nats-io/transport-node', '@nats-io/jetstream'];

describe('package surface', () => {
  it('importing the root loads none of aedes, prom-client, protobufjs, the NATS client or the ws server', () => {
    const { packages, wsServer, exports } = loadIn('./src/index.ts');
    for (const p of heavy) expect(packages).not.toContain(p);
    expect(wsServer).toBe(false);
    expect(exports).toEqual(expect.arrayContaining(['createFeed', 'Dispatcher', 'FeedHealth', 'SettradeClient', 'BidOfferAdapter', 'decodeFullBidOffer', 'backend']));
    expect(exports).not.toContain('Simulator');
    expect(exports).not.toContain('createMetrics');
    expect(exports.length).toBeLessThan(60);
  });

  // `default` (not `import`): the same ES module for import, require (Node >= 20.19) and bundlers.
  it('the simulator, the metrics and the relay are subpath exports, with types', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(pkg.exports['./sim']).toEqual({ types: './dist/sim/index.d.ts', default: './dist/sim/index.js' });
    expect(pkg.exports['./metrics']).toEqual({ types: './dist/metrics/index.d.ts', default: './dist/metrics/index.js' });
    const sim = loadIn('./src/sim/index.ts');
    expect(sim.exports).toContain('Simulator');
    expect(sim.packages).toContain('aedes'); // the check above can see a loaded package
    expect(loadIn('./src/metrics/index.ts').exports).toContain('createMetrics');
    expect(pkg.exports['./relay']).toEqual({ types: './dist/relay/index.d.ts', default: './dist/relay/index.js' });
    expect(loadIn('./src/relay/index.ts').exports).toEqual(expect.arrayContaining(['createRelay', 'connectRelayFeed']));
  });
});
