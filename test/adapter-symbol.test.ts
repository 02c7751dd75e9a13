/** Symbol validation and rate-limited logging (no network). */
import { describe, expect, it } from 'vitest';
import { InvalidSymbolError, normalizeSymbol, topicOf } from '../src/protocol/symbol.js';
import { RateLimitedLog } from '../src/util/rate-limited-log.js';
import type { Logger } from '../src/util/logger.js';

describe('normalizeSymbol', () => {
  it('upper-cases valid SET symbols', () => {
    expect(normalizeSymbol('aot')).toBe('AOT');
    expect(normalizeSymbol('banpu-w5')).toBe('BANPU-W5');
    expect(normalizeSymbol('S&J')).toBe('S&J');
    expect(normalizeSymbol('A'.repeat(32))).toBe('A'.repeat(32));
    expect(topicOf('PTT')).toBe('proto/topic/bidofferv3/PTT');
  });

  it.each([
    ['', /empty/],
    ['A'.repeat(33), /longer than 32/],
    ['É'.repeat(17), /longer than 32/], // 34 UTF-8 bytes
    ['AOT/PTT', /'\/'/],
    ['AOT+', /'\+'/],
    ['#', /'#'/],
    ['A OT', /whitespace/],
    ['AOT\t', /whitespace/],
    ['AOT\u0000', /control/],
    ['AOT\u007f', /control/],
    ['AOT\u200b', /control/],
  ])('rejects %j with an error naming it', (input, reason) => {
    let caught: unknown;
    try {
      normalizeSymbol(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidSymbolError);
    expect((caught as InvalidSymbolError).code).toBe('ERR_INVALID_SYMBOL');
    expect((caught as Error).message).toContain(JSON.stringify(input));
    expect((caught as Error).message).toMatch(reason);
  });

  it('rejects non-strings', () => {
    expect(() => normalizeSymbol(42)).toThrow(InvalidSymbolError);
    expect(() => normalizeSymbol(undefined)).toThrow(/must be a string/);
  });
});

describe('RateLimitedLog', () => {
  it('logs the first 10 of each kind in full, then every 1000th', () => {
    const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }),
    };
    const log = new RateLimitedLog(logger);
    let built = 0;
    for (let i = 0; i < 2500; i++) log.error('parse', () => ({ i, n: ++built }), 'bad payload');
    for (let i = 0; i < 3; i++) log.error('callback', () => ({ i }), 'threw');
    const parse = lines.filter((l) => l.obj.kind === 'parse');
    expect(parse.map((l) => l.obj.count)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000, 2000]);
    expect(parse[10]?.msg).toBe('bad payload (occurrence 1000)');
    expect(built).toBe(12); // fields are only built for logged occurrences
    expect(lines.filter((l) => l.obj.kind === 'callback')).toHaveLength(3);
    expect(log.count('parse')).toBe(2500);
  });
});
