/**
 * Resolves a worker entry module that sits beside the calling module.
 *
 * In the published package the sibling is compiled JavaScript (`dist/**.js`).
 * When the library runs from its TypeScript sources (the test suite, the
 * examples under tsx) only the `.ts` file exists, so the worker is started with
 * the `tsx` loader. Returns what `new Worker(url, { execArgv })` needs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerScript {
  readonly url: URL;
  readonly execArgv: string[];
}

export function resolveWorkerScript(baseUrl: string, basename: string): WorkerScript {
  const js = new URL(`./${basename}.js`, baseUrl);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  const ts = new URL(`./${basename}.ts`, baseUrl);
  if (existsSync(fileURLToPath(ts))) return { url: ts, execArgv: ['--import', 'tsx'] };
  throw new Error(`worker entry ${basename} not found beside ${baseUrl}`);
}
