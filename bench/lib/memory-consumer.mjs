// One consumer of the memory-constrained profile, run by bench/memory.ts in a
// fresh process against the compiled package (dist/), as a user's process
// would load it. stdin: one JSON object { mode: 'bare' | 'in-thread' |
// 'worker', seconds, baseUrl, credentials, symbols, workerResourceLimits? }
// (node flags and environment are the parent's choice). Prints one JSON line:
// RSS (last, median, max of samples every 250 ms), its anonymous and
// file-backed parts (Linux), this thread's V8 heap by space, and which of the
// heavy dependencies this thread loaded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const cfg = JSON.parse(input);
const samples = [];
const sample = () => samples.push(process.memoryUsage().rss);
const t0 = performance.now();
let importMs = 0;

if (cfg.mode === 'bare') {
  const end = Date.now() + cfg.seconds * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    sample();
  }
  report({ events: 0 });
} else {
  const { createFeed } = await import(cfg.entry ?? '../../dist/index.js');
  importMs = performance.now() - t0;
  const worker = cfg.mode === 'worker';
  const limits = cfg.workerResourceLimits ? { workerResourceLimits: cfg.workerResourceLimits } : {};
  const feed = await createFeed({ ...cfg.credentials, baseUrl: cfg.baseUrl, symbols: cfg.symbols, fullDepth: false, maxSize: 5_000, worker, ...limits });
  let events = 0;
  const end = Date.now() + cfg.seconds * 1000;
  while (Date.now() < end) {
    await feed.dispatcher.waitForEvents(250);
    events += feed.dispatcher.drain(() => undefined);
    sample();
  }
  const stats = feed.dispatcher.stats();
  const before = snapshot();
  await feed.shutdown();
  report({ events, dropped: stats.totalDropped, importMs: Math.round(importMs) }, before);
}

function rssParts() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { anonMb: mb(kb('RssAnon') * 1024), fileMb: mb(kb('RssFile') * 1024) };
  } catch {
    return {};
  }
}

function snapshot() {
  const mem = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), mb(s.space_size)]));
  const loaded = new Set();
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  for (const name of ['zod', 'mqtt', 'ws', 'pino']) if (cjs.some((p) => p.includes(`/node_modules/${name}/`))) loaded.add(name);
  return { ...rssParts(), heapUsedMb: mb(mem.heapUsed), heapTotalMb: mb(mem.heapTotal), externalMb: mb(mem.external), spacesMb: spaces, cjsLoaded: [...loaded] };
}

function mb(b) {
  return Math.round((b / 1048576) * 10) / 10;
}

function report(extra, snap = snapshot()) {
  const sorted = [...samples].sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      mode: cfg.mode,
      rssMb: mb(samples.at(-1)),
      medianRssMb: mb(sorted[Math.floor(sorted.length / 2)]),
      maxRssMb: mb(sorted.at(-1)),
      ...snap,
      ...extra,
    }) + '\n',
  );
  process.exit(0);
}
