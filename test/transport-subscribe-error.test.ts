/** parseSubscribeError: what a message on the service's subscribe-error topic becomes. */
import { describe, expect, it } from 'vitest';
import { parseSubscribeError } from '../src/transport/index.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseSubscribeError', () => {
  it.each([
    [
      'JSON with topic and message: symbol from the topic',
      '{"topic":"proto/topic/bidofferv3/NOPE","message":"unknown symbol"}',
      { symbol: 'NOPE', topic: 'proto/topic/bidofferv3/NOPE', message: 'unknown symbol' },
    ],
    [
      'JSON with an explicit symbol (upper-cased) and no topic',
      '{"symbol":"nope","message":"not found"}',
      { symbol: 'NOPE', message: 'not found' },
    ],
    [
      'JSON without topic: the topic found in the text',
      '{"error":"subscribe proto/topic/bidofferv3/BANPU-W9 denied"}',
      { symbol: 'BANPU-W9', topic: 'proto/topic/bidofferv3/BANPU-W9', message: '{"error":"subscribe proto/topic/bidofferv3/BANPU-W9 denied"}' },
    ],
    [
      'plain text naming a topic',
      'Subscribe failed: proto/topic/bidofferv3/XYZ (not permitted)',
      { symbol: 'XYZ', topic: 'proto/topic/bidofferv3/XYZ', message: 'Subscribe failed: proto/topic/bidofferv3/XYZ (not permitted)' },
    ],
    ['plain text without a topic', 'quota exceeded', { message: 'quota exceeded' }],
    ['an empty payload', '', { message: 'subscription rejected' }],
    ['a JSON array (not an object)', '["proto/topic/bidofferv3/AAA"]', { symbol: 'AAA', topic: 'proto/topic/bidofferv3/AAA' }],
    ['a non-string message field', '{"topic":"t/x","message":42}', { topic: 't/x', message: '{"topic":"t/x","message":42}' }],
  ])('%s', (_name, text, expected) => {
    const e = parseSubscribeError(bytes(text));
    expect(e).toMatchObject(expected);
    expect(e.raw).toBe(text);
    if (!('symbol' in expected)) expect(e.symbol).toBeUndefined();
    if (!('topic' in expected)) expect(e.topic).toBeUndefined();
  });

  it('decodes UTF-8 (Thai text kept) and replaces invalid bytes instead of throwing', () => {
    expect(parseSubscribeError(bytes('{"message":"ไม่พบหลักทรัพย์"}')).message).toBe('ไม่พบหลักทรัพย์');
    const bad = parseSubscribeError(new Uint8Array([0xff, 0xfe, 0x41]));
    expect(bad.raw).toBe('\uFFFD\uFFFDA');
    expect(bad.symbol).toBeUndefined();
  });
});
