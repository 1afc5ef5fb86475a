import cliTruncate from 'cli-truncate';
import wrapAnsi from 'wrap-ansi';
import { describe, expect, it } from 'vitest';
import inkWrapText from '../../node_modules/ink/build/wrap-text.js';
import { createWrapText } from '../../src/ui/render/wrap-text.js';
import { shippedConsoleCode } from './helpers.js';

const TYPES = ['wrap', 'truncate', 'truncate-end', 'truncate-middle', 'truncate-start', 'end'];
const TEXTS = ['', 'plain', 'a long line of words that will not fit', 'two\nlines here', 'wide 漢字 and emoji 🚀 text', '\u001b[31mred\u001b[39m and plain', '▾ /g0  ▁▂▃▄▅▆▇█ 12.5%'];

describe('bounded wrapText', () => {
  it.each(TYPES)('wraps or truncates as Ink does (%s)', (type) => {
    const wrap = createWrapText(wrapAnsi, cliTruncate);
    for (const text of TEXTS) {
      for (const width of [1, 5, 12, 80]) {
        expect(wrap(text, width, type)).toBe(inkWrapText(text, width, type as never));
        expect(wrap(text, width, type)).toBe(inkWrapText(text, width, type as never));
      }
    }
  });

  it('keeps at most two generations, and answers what the frames keep asking from the cache', () => {
    let truncated = 0;
    const counting = (text: string, columns: number, options: { position: 'start' | 'middle' | 'end' }) => (truncated++, cliTruncate(text, columns, options));
    const wrap = createWrapText(wrapAnsi, counting, 100);
    for (let i = 0; i < 100_000; i++) wrap(`row ${i} 0.0%`, 10, 'truncate');
    truncated = 0;
    wrap('row 0 0.0%', 10, 'truncate');
    wrap('row 99999 0.0%', 10, 'truncate');
    expect(truncated).toBe(1);
    truncated = 0;
    for (let pass = 0; pass < 50; pass++) for (let i = 0; i < 60; i++) wrap(`cell ${i}`, 4, 'truncate');
    expect(truncated).toBe(60);
  });

  it('is what the shipped console bundles in place of Ink’s unbounded one', () => {
    const code = shippedConsoleCode();
    expect(code).toContain('function createWrapText(');
    // Ink's own: a module-level object every wrapped text goes into.
    expect(code).not.toMatch(/const cacheKey = text \+ String\(maxWidth\) \+ String\(wrapType\)/);
  });
});
