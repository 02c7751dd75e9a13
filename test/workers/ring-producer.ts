/**
 * Worker entry of the cross-thread tests and the bench: attaches to a ring and
 * pushes `count` stress events (seq 0..count-1) with the requested backend,
 * then sets done[0] = 1 and notifies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Dispatcher, type DispatcherHandle } from '../../src/dispatcher/index.js';
import type { SlotMemory } from '../../src/events/slot-layout.js';
import { silentLogger } from '../../src/util/logger.js';
import { writeStressEvent } from './stress-events.js';

interface ProducerData {
  readonly handle: DispatcherHandle;
  readonly backend: 'native' | 'js';
  readonly count: number;
  readonly done: Int32Array;
}

const data = workerData as ProducerData;
const d = Dispatcher.attach(data.handle, { backend: data.backend, logger: silentLogger });
const kind = d.kind;
let seq = 0;
// One closure for the whole run: the push loop allocates nothing.
const fill = (mem: SlotMemory): void => writeStressEvent(kind, mem, seq);
let accepted = 0;
for (; seq < data.count; seq++) if (d.pushSlot(fill)) accepted++;
Atomics.store(data.done, 0, 1);
Atomics.notify(data.done, 0);
parentPort?.postMessage({ accepted, backend: d.backend });
