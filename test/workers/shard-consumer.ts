/**
 * Worker entry of the ring-close tests: attaches one ring (workerData.handle),
 * says 'ready', counts events through `events()` until the iterator ends, and
 * reports the count: the iterator ending at all is what the tests check.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Dispatcher, type DispatcherHandle } from '../../src/dispatcher/index.js';
import { silentLogger } from '../../src/util/logger.js';

const port = parentPort!;
const { handle } = workerData as { handle: DispatcherHandle };
const d = Dispatcher.attach(handle, { logger: silentLogger });
let n = 0;
port.postMessage({ type: 'ready' });
for await (const _ of d.events()) n++;
port.postMessage({ type: 'ended', n, closed: d.closed });
