// One consumer of the memory-constrained profile, run by bench/memory.ts in a
// fresh process against the compiled package (dist/), as a user's process
// would load it. argv: mode ('in-thread' | 'worker' | 'worker-lean' | 'bare'),
// seconds, and
// the simulator's start line (JSON) on stdin. Prints one JSON line.
const [mode, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const samples = [];
const sample = () => samples.push(process.memoryUsage().rss);

if (mode === 'bare') {
  const end = Date.now() + seconds * 1000;
  const timer = setInterval(() => {
    sample();
    if (Date.now() >= end) {
      clearInterval(timer);
      report({ events: 0 });
    }
  }, 250);
} else {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { baseUrl, credentials, symbols } = JSON.parse(input);
  const t0 = performance.now();
  const { createFeed } = await import('../../dist/index.js');
  const importMs = performance.now() - t0;
  const worker = mode.startsWith('worker');
  // worker-lean: the documented memory-constrained setting (a small young generation in the worker).
  const lean = mode === 'worker-lean' ? { workerResourceLimits: { maxYoungGenerationSizeMb: 4 } } : {};
  const feed = await createFeed({ ...credentials, baseUrl, symbols, fullDepth: false, maxSize: 5_000, worker, ...lean });
  let events = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await feed.dispatcher.waitForEvents(250);
    events += feed.dispatcher.drain(() => undefined);
    sample();
  }
  const stats = feed.dispatcher.stats();
  await feed.shutdown();
  report({ events, dropped: stats.totalDropped, importMs: Math.round(importMs) });
}

function report(extra) {
  const mb = (b) => Math.round((b / 1048576) * 10) / 10;
  const sorted = [...samples].sort((a, b) => a - b);
  const mem = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      mode,
      rssMb: mb(samples.at(-1)),
      medianRssMb: mb(sorted[Math.floor(sorted.length / 2)]),
      maxRssMb: mb(sorted.at(-1)),
      heapUsedMb: mb(mem.heapUsed),
      heapTotalMb: mb(mem.heapTotal),
      ...extra,
    }) + '\n',
  );
  process.exit(0);
}
