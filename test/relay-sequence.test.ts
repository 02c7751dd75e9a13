/** SequenceTracker: the consumer's per-symbol gap, duplicate and relay-restart rules. */
import { expect, it } from 'vitest';
import { SeqVerdict, SequenceTracker } from '../src/relay/sequence-tracker.js';

it('in order, gaps, duplicates and a new relay run are told apart, per symbol', () => {
  const t = new SequenceTracker();
  expect(t.check('AOT', 'a', 5)).toBe(SeqVerdict.Next); // first seen: no expectation yet
  expect(t.check('AOT', 'a', 6)).toBe(SeqVerdict.Next);
  expect(t.check('PTT', 'a', 1)).toBe(SeqVerdict.Next); // another symbol, its own count
  expect(t.check('AOT', 'a', 9)).toBe(SeqVerdict.Gap);
  expect(t.expected).toBe(7);
  expect(t.check('AOT', 'a', 9)).toBe(SeqVerdict.Stale);
  expect(t.check('AOT', 'a', 8)).toBe(SeqVerdict.Stale);
  expect(t.check('AOT', 'b', 1)).toBe(SeqVerdict.Next); // relay restarted: not a gap
  expect(t.check('AOT', 'b', 2)).toBe(SeqVerdict.Next);
  expect(t.check('PTT', 'a', 4)).toBe(SeqVerdict.Gap);
  expect({ gaps: t.gaps, missed: t.missed, stale: t.stale, runChanges: t.runChanges }).toEqual({ gaps: 2, missed: 4, stale: 2, runChanges: 1 });
  t.forget('AOT');
  expect(t.check('AOT', 'b', 50)).toBe(SeqVerdict.Next);
});
