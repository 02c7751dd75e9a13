/**
 * Run as a plain Node process (`node --expose-gc --import tsx`): validates
 * options (loading zod), releases zod, collects garbage and prints whether
 * zod's module is still reachable, and the heap before and after, as JSON.
 */
import { createRequire } from 'node:module';
import { Dispatcher } from '../../src/dispatcher/index.js';
import { releaseZod, zodLoaded } from '../../src/util/options-schema.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const cache = createRequire(import.meta.url).cache;
const zodKeys = (): string[] => Object.keys(cache).filter((k) => /node_modules[\\/]+zod[\\/]/.test(k));

function heapUsed(): number {
  gc!();
  return process.memoryUsage().heapUsed;
}

// Node's ES module loader caches an imported JSON file in the require cache
// as \`{ exports, loaded }\`, not a full module (no \`children\`): the simulator
// CLI crashed on one in an early version of the release. tsx's loader hides
// that, so the entry is made here as Node makes it.
cache[new URL('../../package.json', import.meta.url).pathname] = { exports: {}, loaded: true } as NodeJS.Module;
const before = heapUsed();
new Dispatcher({ kind: 'bestBidAsk', maxSize: 8 });
const loadedKeys = zodKeys().length;
const ref = new WeakRef(cache[zodKeys()[0]!]!.exports as object);
const loaded = heapUsed();
releaseZod();
setImmediate(() => {
  const released = heapUsed();
  process.stdout.write(
    JSON.stringify({ loadedKeys, keysAfter: zodKeys().length, loadedAfter: zodLoaded(), reachable: ref.deref() !== undefined, before, loaded, released }) + '\n',
  );
});
