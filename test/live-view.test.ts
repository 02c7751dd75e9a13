import { describe, expect, it } from 'vitest';
import { BidAskFlag } from '../src/events/types.js';
import { formatPrice, formatVolume, redrawSequence, renderLiveView, renderPlainLine, type ViewSnapshot } from '../src/cli/live-view.js';

function snapshot(over: Partial<ViewSnapshot> = {}): ViewSnapshot {
  return {
    backend: 'native',
    mode: 'worker',
    state: 'CONNECTED',
    epoch: 2,
    uptimeSec: 12.4,
    eventsPerSec: 123.4,
    totalEvents: 1500,
    drops: 0,
    parseErrors: 3,
    queueLen: 1,
    maxSize: 65536,
    latency: { samples: 100, p50Us: 12.34, p99Us: 98.76, maxUs: 150 },
    feedDead: false,
    staleSymbols: [],
    showDepth: false,
    symbols: [
      { symbol: 'AOT', events: 800, bid: 68.25, ask: 68.5, bidVol: 12300, askVol: 4500, bidFlag: 1, askFlag: 1, stale: false, lastSeenMs: 5 },
      { symbol: 'PTT', events: 700, bid: 0, ask: 0, bidVol: 100, askVol: 200, bidFlag: BidAskFlag.ATO, askFlag: BidAskFlag.ATO, stale: true, lastSeenMs: 3500 },
      { symbol: 'KBANK', events: 0, stale: false },
    ],
    ...over,
  };
}

describe('live view', () => {
  it('formats SET prices, auction flags and volumes', () => {
    expect(formatPrice(3.62, BidAskFlag.NORMAL)).toBe('3.62');
    expect(formatPrice(0, BidAskFlag.ATC)).toBe('ATC');
    expect(formatPrice(undefined, undefined)).toBe('-');
    expect(formatVolume(1234500)).toBe('1,234,500');
  });

  it('shows a line per symbol with bid/ask and sizes, and the pipeline figures', () => {
    const lines = renderLiveView(snapshot());
    const text = lines.join('\n');
    const aot = lines.find((l) => l.startsWith('AOT'))!;
    expect(aot).toMatch(/12,300\s+68\.25\s+68\.50\s+4,500\s+800\s+live/);
    const ptt = lines.find((l) => l.startsWith('PTT'))!;
    expect(ptt).toMatch(/ATO\s+ATO/);
    expect(ptt).toContain('STALE 3.5s');
    expect(lines.find((l) => l.startsWith('KBANK'))).toContain('waiting');
    expect(text).toContain('backend native');
    expect(text).toContain('state CONNECTED');
    expect(text).toContain('epoch 2');
    expect(text).toContain('drops 0');
    expect(text).toContain('parse errors 3');
    expect(text).toContain('p50 12.3us p99 98.8us');
    expect(text).toMatch(/events\/s 123 /);
    expect(text).not.toContain('\x1b');
  });

  it('reports a dead feed and stale symbols in the health line', () => {
    expect(renderLiveView(snapshot({ feedDead: true })).join('\n')).toContain('health FEED DEAD');
    expect(renderLiveView(snapshot({ staleSymbols: ['PTT'] })).join('\n')).toContain('health stale: PTT');
    expect(renderLiveView(snapshot()).join('\n')).toContain('health ok');
  });

  it('shows ten levels a side in the depth view', () => {
    const depth = {
      bidPrices: Array.from({ length: 10 }, (_, i) => 68.25 - 0.25 * i),
      askPrices: Array.from({ length: 10 }, (_, i) => 68.5 + 0.25 * i),
      bidVolumes: Array.from({ length: 10 }, (_, i) => 100 * (i + 1)),
      askVolumes: Array.from({ length: 10 }, (_, i) => 200 * (i + 1)),
    };
    const s = snapshot({ showDepth: true });
    const withDepth = { ...s, symbols: [{ ...s.symbols[0], depth }] };
    const lines = renderLiveView(withDepth);
    const levels = lines.filter((l) => /^\s+\d+\s/.test(l));
    expect(levels).toHaveLength(10);
    expect(levels[0]).toMatch(/^\s+1\s+100\s+68\.25 \|\s+68\.50\s+200$/);
    expect(levels[9]).toMatch(/^\s+10\s+1,000\s+66\.00 \|\s+70\.75\s+2,000$/);
  });

  it('cuts lines to the terminal width without colour', () => {
    for (const line of renderLiveView(snapshot(), { width: 40 })) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('repaints in place: cursor home, erase each line, erase below', () => {
    const seq = redrawSequence(['a', 'b']);
    expect(seq).toBe('\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[J');
  });

  it('has a plain one-line form for pipes', () => {
    const line = renderPlainLine(snapshot());
    expect(line).toContain('state=CONNECTED epoch=2');
    expect(line).toContain('AOT 68.25/68.50');
    expect(line).toContain('PTT ATO/ATO');
    expect(line).not.toContain('\n');
  });
});
