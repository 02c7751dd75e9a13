/**
 * Starts a Worker on a script from `resolveWorkerScript`. When the script is
 * TypeScript (running from sources), `execArgv: ['--import', 'tsx']` does not
 * take effect in worker threads on Node 20 ("Unknown file extension .ts"), so
 * the worker is started on a tiny ESM bootstrap that registers tsx's loader
 * in the worker and then imports the script.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerScript } from '../util/worker-script.js';

/** `new Worker(script.url, options)`, with a tsx bootstrap for `.ts` entries. */
export function startWorker(script: WorkerScript, options: WorkerOptions): Worker {
  if (!script.url.pathname.endsWith('.ts')) return new Worker(script.url, { ...options, execArgv: script.execArgv });
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(script.url.href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}
