/**
 * Exact accounting of a simulator -> client run, both sides side by side.
 *
 * Every message the simulator published ends in exactly one place:
 *
 *   received      taken out of the ring by the consumer
 *   parseErrors   refused by the decoder (the simulator's malformed payloads)
 *   ringDrops     evicted / refused by the ring (counted by the dispatcher)
 *   queued        still in the ring when counted
 *   clientDropped dropped by the client, counted: from a superseded session,
 *                 a sink that threw, a topic no longer subscribed
 *   simShed       not written to a connection that was too far behind
 *   lostInFaults  published while no connection subscribed to its topic, or
 *                 written to a connection a fault then cut, and lost with it
 *                 (never more than was still in flight there when it was cut)
 *   unexplained   what remains; 0 when the pipeline loses nothing silently
 *
 * The simulator side is exact per symbol and per connection (fast-publisher.ts).
 * A cut connection loses what was not yet in its kernel socket buffer; the
 * client received everything else (TCP delivers the kernel's bytes before the
 * FIN). So the loss at a cut is bounded by what was in flight, and anything
 * missing beyond that bound is unexplained. The report assumes one client
 * connection at a time (as the soak runs); with several subscribers at once
 * the simulator side writes each message more than once.
 */
import { FAULT_ENDS } from './fast-publisher.js';
import type { SimAccounting } from './simulator.js';

/** The client side: consumer, adapter, dispatcher and client counters. */
export interface ClientCounts {
  /** Events the consumer took out of the ring(s), per symbol. */
  readonly receivedBySymbol: Readonly<Record<string, number>>;
  /** Payloads the adapter could not decode. */
  readonly parseErrors: number;
  /** Events the ring(s) dropped (dispatcher `totalDropped`). */
  readonly ringDrops: number;
  /** Events still in the ring(s). */
  readonly queued: number;
  /** Messages of a superseded session the client dropped (`staleMessagesDropped`). */
  readonly staleDropped: number;
  /** Messages whose sink or callback threw (adapter `callbackErrors`). */
  readonly callbackErrors: number;
  /** Messages the client received but no subscription took (client `messagesReceived` less the adapter's three counters). */
  readonly ignored: number;
}

/** One symbol's row of the report. */
export interface SymbolAccounting {
  /** Well-formed messages published. */
  readonly published: number;
  /** Malformed payloads published on its topic. */
  readonly malformed: number;
  /** Well-formed messages written to connections. */
  readonly written: number;
  /** Published while nobody subscribed. */
  readonly noSubscriber: number;
  /** Taken out of the ring by the consumer. */
  readonly received: number;
}

/** What {@link reconcile} returns. */
export interface AccountingReport {
  /** Messages published (well-formed and malformed). */
  readonly published: number;
  readonly malformed: number;
  /** Messages written to connections. */
  readonly written: number;
  readonly received: number;
  readonly parseErrors: number;
  readonly ringDrops: number;
  readonly queued: number;
  /** Stale, callback-error and ignored messages, all counted by the client. */
  readonly clientDropped: number;
  readonly simShed: number;
  /** `noSubscriber` + `lostOnCut`. */
  readonly lostInFaults: number;
  /** Published while no connection subscribed to the topic. */
  readonly noSubscriber: number;
  /** Written to connections a fault cut, and not received. */
  readonly lostOnCut: number;
  /** The bound on `lostOnCut`: messages in flight on connections when a fault cut them. */
  readonly inFlightAtCut: number;
  /** Connections a fault (or an expired token) cut. */
  readonly cutConnections: number;
  /** Published less everything explained: 0 when nothing vanished (negative: received more than was written). */
  readonly unexplained: number;
  readonly bySymbol: Readonly<Record<string, SymbolAccounting>>;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}

/** Puts the simulator's and the client's counts side by side (see the module comment). */
export function reconcile(sim: SimAccounting, client: ClientCounts): AccountingReport {
  const wellFormed = sum(Object.values(sim.publishedBySymbol));
  const malformed = sum(Object.values(sim.malformedBySymbol));
  const published = wellFormed + malformed;
  let written = 0;
  let simShed = 0;
  let inFlightAtCut = 0;
  let cutConnections = 0;
  const writtenBySymbol: Record<string, number> = {};
  for (const c of sim.connections) {
    written += c.written + c.malformedWritten;
    simShed += c.shed;
    if (FAULT_ENDS.has(c.end)) {
      inFlightAtCut += c.inFlightAtClose;
      cutConnections++;
    }
    for (const [s, n] of Object.entries(c.writtenBySymbol)) writtenBySymbol[s] = (writtenBySymbol[s] ?? 0) + n;
  }
  const noSubscriber = sum(Object.values(sim.noSubscriberBySymbol));
  // Inside the simulator: every published message was written, shed or had no subscriber.
  const simGap = published - written - simShed - noSubscriber;
  const received = sum(Object.values(client.receivedBySymbol));
  const clientDropped = client.staleDropped + client.callbackErrors + client.ignored;
  const residual = written - received - client.parseErrors - client.ringDrops - client.queued - clientDropped;
  const lostOnCut = Math.min(Math.max(residual, 0), inFlightAtCut);
  const symbols = new Set([...Object.keys(sim.publishedBySymbol), ...Object.keys(sim.malformedBySymbol), ...Object.keys(client.receivedBySymbol)]);
  const bySymbol: Record<string, SymbolAccounting> = {};
  for (const s of [...symbols].sort()) {
    bySymbol[s] = {
      published: sim.publishedBySymbol[s] ?? 0,
      malformed: sim.malformedBySymbol[s] ?? 0,
      written: writtenBySymbol[s] ?? 0,
      noSubscriber: sim.noSubscriberBySymbol[s] ?? 0,
      received: client.receivedBySymbol[s] ?? 0,
    };
  }
  return {
    published,
    malformed,
    written,
    received,
    parseErrors: client.parseErrors,
    ringDrops: client.ringDrops,
    queued: client.queued,
    clientDropped,
    simShed,
    lostInFaults: noSubscriber + lostOnCut,
    noSubscriber,
    lostOnCut,
    inFlightAtCut,
    cutConnections,
    unexplained: simGap + residual - lostOnCut,
    bySymbol,
  };
}
