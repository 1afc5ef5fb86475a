import widestLine from 'widest-line';
import { shippedConsoleCode } from './helpers.js';
import { describe, expect, it } from 'vitest';
import inkMeasureText from '../../node_modules/ink/build/measure-text.js';
import { createMeasureText } from '../../src/ui/render/measure-text.js';

describe('bounded measureText', () => {
  it.each(['', 'plain', 'two\nlines', 'wide 漢字 and emoji 🚀', '\u001b[31mred\u001b[39m text', 'a\n\nb\n', 'combining e\u0301'])(
    'measures %j as Ink does',
    (text) => {
      const measure = createMeasureText(widestLine);
      expect(measure(text)).toEqual(inkMeasureText(text));
      expect(measure(text)).toEqual(inkMeasureText(text));
    },
  );

  it('keeps at most two generations, however many distinct strings it sees', () => {
    let measured = 0;
    const measure = createMeasureText((t) => (measured++, widestLine(t)), 100);
    for (let i = 0; i < 100_000; i++) expect(measure(`${i} %`).width).toBe(String(i).length + 2);
    // Strings older than two generations are gone (measured again); the newest are held.
    measured = 0;
    measure('0 %');
    measure('250 %');
    expect(measured).toBe(2);
    for (let i = 99_950; i < 100_000; i++) measure(`${i} %`);
    expect(measured).toBe(2);
    // Still a cache: what the current frames use keeps being answered from it.
    let calls = 0;
    const counting = createMeasureText((t) => (calls++, widestLine(t)), 100);
    for (let pass = 0; pass < 50; pass++) for (let i = 0; i < 60; i++) counting(`cell ${i}`);
    expect(calls).toBe(60);
  });

  it('is what the shipped console bundles in place of Ink’s unbounded one', () => {
    const code = shippedConsoleCode();
    expect(code).toContain('function createMeasureText(');
    // Ink's own: a module-level Map every measured string goes into.
    expect(code).not.toMatch(/(?:var|let|const) measureText\d* = \(text\) =>/);
  });
});
