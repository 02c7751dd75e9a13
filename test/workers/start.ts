/**
 * Starts a Worker on a TypeScript entry. `execArgv: ['--import', 'tsx']` does
 * not take effect in worker threads on Node 20, so the worker runs a tiny ESM
 * bootstrap that registers tsx's loader and then imports the entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startTsWorker(entry: URL, options: WorkerOptions): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}
