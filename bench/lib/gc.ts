/** Counts garbage collections (PerformanceObserver 'gc' entries) while a body runs. */
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';

/** Runs `body` and resolves to the number of GC events it caused (minor and major). */
export async function countGc(body: () => void): Promise<number> {
  let count = 0;
  const obs = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  await tick();
  const before = count;
  body();
  // Entries are delivered asynchronously: let them arrive before counting.
  await tick();
  await tick();
  obs.disconnect();
  return count - before;
}
