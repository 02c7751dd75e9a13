/**
 * Child-process entry of the "events() keeps the process alive" test: waits
 * on an empty ring with nothing else keeping Node's event loop alive, then
 * prints how it ended. Exit code 13 (unsettled top-level await) is the bug.
 */
import { Dispatcher } from '../../src/dispatcher/index.js';
import { silentLogger } from '../../src/util/logger.js';

const d = new Dispatcher({ maxSize: 8, logger: silentLogger });
const first = await d.waitForEvents(100);
let n = 0;
for await (const _ of d.events({ timeoutMs: 100 })) n++;
console.log(JSON.stringify({ first, n }));
