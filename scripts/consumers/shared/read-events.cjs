'use strict';
// What every JavaScript consumer of the matrix does once it has a feed: take
// five events (15 s at most), shut the feed down, print one JSON line for
// test-consumers.sh, and fail the process with fewer than five. CommonJS, so
// the CommonJS, ES module and bundled consumers all load this same file
// (test-consumers.sh copies it beside each).

/** Reads up to five events from `feed`, then shuts it down; resolves to "SYMBOL bid/ask" lines. */
async function readFiveEvents(feed) {
  const seen = [];
  for await (const e of feed.dispatcher.events({ signal: AbortSignal.timeout(15_000) })) {
    seen.push(`${e.symbol} ${e.bid}/${e.ask}`);
    if (seen.length === 5) break;
  }
  await feed.shutdown();
  return seen;
}

/** Prints the case's JSON line (what test-consumers.sh checks) and sets the exit code. */
function report(name, backend, seen, extra) {
  console.log(JSON.stringify({ case: name, backend, events: seen.length, first: seen[0], ...extra }));
  if (seen.length < 5) process.exitCode = 1;
}

module.exports = { readFiveEvents, report };
