/**
 * Starts a Worker on a module that may be TypeScript: on Node 20
 * `execArgv: ['--import', 'tsx']` does not apply to worker threads, so a .ts
 * entry runs behind a tiny bootstrap that registers tsx's loader first.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}
