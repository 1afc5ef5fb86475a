import stringWidth from 'string-width';
import widestLine from 'widest-line';
import { shippedConsoleCode } from './helpers.js';
import { describe, expect, it } from 'vitest';
import { NARROW_GLYPHS, createTextWidth, fastLineWidth } from '../../src/ui/render/text-width.js';

const { stringWidth: width, widestLine: widest } = createTextWidth(stringWidth);

describe('text width', () => {
  it('counts every glyph of the fast path as string-width does: one column', () => {
    const glyphs = [...NARROW_GLYPHS];
    for (let c = 0x2500; c <= 0x259f; c++) glyphs.push(String.fromCodePoint(c));
    for (const g of glyphs) {
      expect(stringWidth(g), `U+${g.codePointAt(0)!.toString(16)}`).toBe(1);
      expect(fastLineWidth(g)).toBe(1);
    }
  });

  it.each([
    ['', 0],
    ['plain ascii', 11],
    ['› ▾ /web ⌂10.0.0.2  ▁▂▃█▉░', 26],
    ['\u001b[31mred\u001b[39m \u001b[7;1mbold\u001b[27;22m', 8],
    ['\u001b[m', 0],
  ])('measures %j on the fast path as string-width does', (text, expected) => {
    expect(fastLineWidth(text)).toBe(expected);
    expect(stringWidth(text)).toBe(expected);
  });

  it.each([
    'wide 漢字',
    'emoji 🚀',
    'combining e\u0301',
    '▸\ufe0f variation selector',
    'tab\there',
    'link \u001b]8;;http://x\u0007x\u001b]8;;\u0007',
    'cursor \u001b[2K moved',
    'unterminated \u001b[31',
    'é precomposed',
  ])('leaves %j to string-width', (text) => {
    expect(fastLineWidth(text)).toBe(-1);
    expect(width(text)).toBe(stringWidth(text));
  });

  it.each(['one\ntwo lines', '▁▂\n漢字漢字', '\n', 'a\n\u001b[1mbbb\u001b[22m\n'])('takes the widest line of %j as widest-line does', (text) => {
    expect(widest(text)).toBe(widestLine(text));
  });
});

describe('the shipped console', () => {
  it('measures with the fast path in Ink’s layout and render alike', () => {
    const code = shippedConsoleCode();
    expect(code).toContain('function fastLineWidth(');
    // widest-line's own, which render-node-to-output imported.
    expect(code).not.toMatch(/function widestLine\(string\)/);
  });
});
