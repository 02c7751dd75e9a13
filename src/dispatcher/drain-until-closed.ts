/**
 * The consumer loop of a finite feed (a replay): drain, sleep until more
 * arrives, and stop once the ring is closed and empty.
 */
import type { EventKind } from '../events/slot-layout.js';
import type { Dispatcher } from './dispatcher.js';

/** Counts the events of `ring` until it is closed and drained; resolves to the count. */
export async function countUntilClosed<K extends EventKind>(ring: Dispatcher<K>): Promise<number> {
  let events = 0;
  const count = (): void => {
    events++;
  };
  do ring.drain(count);
  while (await ring.waitForEvents());
  ring.drain(count);
  return events;
}
