/**
 * reconcile() (src/sim/accounting.ts) on hand-made counts: what a cut may
 * explain is bounded by what was in flight on the cut connection, and every
 * other shortfall or surplus is unexplained.
 */
import { describe, expect, it } from 'vitest';
import { reconcile, type ClientCounts, type SimAccounting } from '../src/sim/index.js';
import type { ConnectionAccounting } from '../src/sim/fast-publisher.js';

function conn(over: Partial<ConnectionAccounting>): ConnectionAccounting {
  return { id: 1, writtenBySymbol: {}, written: 0, malformedWritten: 0, shed: 0, end: 'open', inFlightAtClose: 0, ...over };
}

function sim(connections: ConnectionAccounting[], published: Record<string, number>, extra: Partial<SimAccounting> = {}): SimAccounting {
  return { publishedBySymbol: published, malformedBySymbol: {}, handedBySymbol: published, noSubscriberBySymbol: {}, connections, ...extra };
}

function client(received: Record<string, number>, over: Partial<ClientCounts> = {}): ClientCounts {
  return { receivedBySymbol: received, parseErrors: 0, ringDrops: 0, queued: 0, staleDropped: 0, callbackErrors: 0, ignored: 0, ...over };
}

describe('reconcile', () => {
  it('every category adds up: nothing unexplained', () => {
    const r = reconcile(
      sim(
        [conn({ id: 1, written: 60, writtenBySymbol: { AOT: 60 }, malformedWritten: 2, end: 'dropped', inFlightAtClose: 10 }), conn({ id: 2, written: 30, writtenBySymbol: { AOT: 30 }, shed: 5 })],
        { AOT: 100 },
        { malformedBySymbol: { AOT: 2 }, noSubscriberBySymbol: { AOT: 5 } },
      ),
      client({ AOT: 70 }, { parseErrors: 2, ringDrops: 8, queued: 3, staleDropped: 1 }),
    );
    // 102 published = 70 received + 2 parse + 8 drops + 3 queued + 1 stale + 5 shed + 5 no subscriber + 8 lost on the cut
    expect(r).toMatchObject({ published: 102, written: 92, lostOnCut: 8, inFlightAtCut: 10, noSubscriber: 5, lostInFaults: 13, simShed: 5, cutConnections: 1, unexplained: 0 });
    expect(r.bySymbol.AOT).toEqual({ published: 100, malformed: 2, written: 90, noSubscriber: 5, received: 70 });
  });

  it('a shortfall beyond what was in flight at a cut is unexplained', () => {
    const r = reconcile(sim([conn({ written: 100, writtenBySymbol: { AOT: 100 }, end: 'token-expired', inFlightAtClose: 3 })], { AOT: 100 }), client({ AOT: 90 }));
    expect(r.lostOnCut).toBe(3);
    expect(r.unexplained).toBe(7);
  });

  it('with no cut, one missing message is unexplained; a connection the client closed explains nothing', () => {
    expect(reconcile(sim([conn({ written: 100, writtenBySymbol: { AOT: 100 } })], { AOT: 100 }), client({ AOT: 99 })).unexplained).toBe(1);
    expect(reconcile(sim([conn({ written: 100, writtenBySymbol: { AOT: 100 }, end: 'closed', inFlightAtClose: 50 })], { AOT: 100 }), client({ AOT: 99 })).unexplained).toBe(1);
  });

  it('more received than written (a duplicate) is negative unexplained', () => {
    expect(reconcile(sim([conn({ written: 100, writtenBySymbol: { AOT: 100 } })], { AOT: 100 }), client({ AOT: 101 })).unexplained).toBe(-1);
  });

  it('a message the simulator published but neither wrote, shed nor counted as unsubscribed is unexplained', () => {
    expect(reconcile(sim([conn({ written: 99, writtenBySymbol: { AOT: 99 } })], { AOT: 100 }), client({ AOT: 99 })).unexplained).toBe(1);
  });
});
