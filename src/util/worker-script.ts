/**
 * Starting worker threads on modules of this package, from the published
 * JavaScript (`dist/**.js`) or from the TypeScript sources (tests, benchmarks,
 * examples under tsx).
 *
 * `execArgv: ['--import', 'tsx']` does not take effect in worker threads on
 * Node 20 ("Unknown file extension .ts"), so a `.ts` entry is started on a
 * two-line ESM bootstrap that registers tsx's loader in the worker and then
 * imports the entry. tsx is a devDependency: only source runs need it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Finds the worker entry `basename` beside the module at `baseUrl`: the `.js`
 * file when it exists (published package), else the `.ts` source.
 */
export function resolveWorkerScript(baseUrl: string, basename: string): URL {
  const js = new URL(`./${basename}.js`, baseUrl);
  if (existsSync(fileURLToPath(js))) return js;
  const ts = new URL(`./${basename}.ts`, baseUrl);
  if (existsSync(fileURLToPath(ts))) return ts;
  throw new Error(`worker entry ${basename} not found beside ${baseUrl}`);
}

/** `new Worker(entry, options)`, through the tsx bootstrap when `entry` is TypeScript. */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}
