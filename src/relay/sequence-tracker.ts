/**
 * Per-symbol sequence checking on the consumer side. The relay numbers each
 * symbol's messages 1, 2, 3, ... per run; a jump is a gap (messages the relay
 * could not publish, or that the stream no longer holds), a new run id is a
 * relay restart (sequences start over: not a gap), and a sequence at or below
 * the last one seen is stale (a duplicate) and is not delivered.
 */

/** A jump in one symbol's sequence: `got - expected` messages are missing. */
export interface GapEvent {
  readonly symbol: string;
  /** The sequence that should have come next. */
  readonly expected: number;
  /** The sequence that came. */
  readonly got: number;
}

/** What {@link SequenceTracker.check} decided for a message. */
export const SeqVerdict = {
  /** In order (or the first of its symbol, or of a new relay run). */
  Next: 0,
  /** After a gap: deliver, and report the gap. */
  Gap: 1,
  /** Duplicate or older than the last delivered: skip. */
  Stale: 2,
} as const;
export type SeqVerdict = (typeof SeqVerdict)[keyof typeof SeqVerdict];

interface SymbolCursor {
  run: string;
  next: number;
}

export class SequenceTracker {
  readonly #cursors = new Map<string, SymbolCursor>();
  /** Gap events so far. */
  gaps = 0;
  /** Messages missing across every gap. */
  missed = 0;
  /** Stale messages skipped. */
  stale = 0;
  /** Times a symbol's relay run id changed (relay restarts seen). */
  runChanges = 0;
  /** The last gap (valid right after `check` returned Gap). */
  expected = 0;

  /** Checks `seq` of `symbol` in relay run `run`. */
  check(symbol: string, run: string, seq: number): SeqVerdict {
    const c = this.#cursors.get(symbol);
    if (c === undefined) {
      this.#cursors.set(symbol, { run, next: seq + 1 });
      return SeqVerdict.Next;
    }
    if (c.run !== run) {
      this.runChanges++;
      c.run = run;
      c.next = seq + 1;
      return SeqVerdict.Next;
    }
    if (seq === c.next) {
      c.next++;
      return SeqVerdict.Next;
    }
    if (seq < c.next) {
      this.stale++;
      return SeqVerdict.Stale;
    }
    this.expected = c.next;
    this.gaps++;
    this.missed += seq - c.next;
    c.next = seq + 1;
    return SeqVerdict.Gap;
  }

  /** Forgets a symbol (unsubscribed). */
  forget(symbol: string): void {
    this.#cursors.delete(symbol);
  }
}
