import { Box, Text, renderToString } from 'ink';
import { describe, expect, it, vi } from 'vitest';
import { Row } from '../../src/ui/components/Row.js';
import { textLine } from '../../src/ui/render/frame-output.js';
import { layoutColumns } from '../../src/ui/view/columns.js';
import { rowText, type Part } from '../../src/ui/view/row-parts.js';
import { ColorContext, type Tone } from '../../src/ui/view/theme.js';

// Chalk decides its colour level when first imported; the test process has no terminal.
vi.hoisted(() => {
  process.env['FORCE_COLOR'] = '1';
});

/** A table row as the table builds it: gutter, name, cells, bar, sparkline (row-parts.ts). */
function row(name: string, tones: Array<Tone | undefined>, columns: number, selected: boolean): Part[] {
  const layout = layoutColumns(columns, name.length);
  const parts: Part[] = [{ text: selected ? '› ' : '  ' }, { text: name.padEnd(layout.nameWidth) }];
  let k = 0;
  for (const column of layout.columns) {
    const width = layout.widths[column];
    const text = column === 'bar' ? ' ' + '█'.repeat(Math.min(2, width)).padEnd(width) : column === 'spark' ? ' ' + '▁▂▃▅▇'.repeat(20).slice(0, width) : ' ' + '12.5%'.padStart(width).slice(0, width);
    const tone = tones[k++ % tones.length];
    const last = parts[parts.length - 1];
    if (last.tone === tone) last.text += text;
    else parts.push(tone === undefined ? { text } : { text, tone });
  }
  return parts;
}

/** The line Ink draws for the table's Row below a title line, in a column as wide as the terminal. */
function inkLine(parts: Part[], selected: boolean, color: boolean, columns: number): string {
  const frame = renderToString(
    <ColorContext.Provider value={color}>
      <Box flexDirection="column" width={columns}>
        <Text>title</Text>
        <Row parts={parts} selected={selected} />
      </Box>
    </ColorContext.Provider>,
    { columns },
  );
  return frame.split('\n')[1];
}

const NAMES = ['  ▾ /', '    web', '      ▸ batch-with-a-rather-long-name', '    数据库', '    café'];
const TONES: Array<Array<Tone | undefined>> = [[undefined], ['ok'], ['warn', undefined], ['error', 'frozen', undefined], ['frozen']];

describe('a table row drawn without a frame (textLine) is the line Ink draws for the Row', () => {
  for (const columns of [80, 200]) {
    for (const color of [true, false]) {
      for (const selected of [false, true]) {
        it(`at ${columns} columns, ${color ? 'colour' : 'no colour'}, ${selected ? 'selected' : 'not selected'}`, () => {
          for (const name of NAMES) {
            for (const tones of TONES) {
              const parts = row(name, tones, columns, selected);
              const line = textLine(rowText(parts, selected, color), columns);
              const ink = inkLine(parts, selected, color, columns);
              // A name of wide characters is two columns each: the row may not fit, and Ink cuts it.
              const fits = name !== '    数据库' || line !== undefined;
              if (name === '    web') expect(line).toBeDefined();
              expect(fits).toBe(true);
              if (line !== undefined) expect(line, `${name} ${tones.join(',')}`).toBe(ink);
            }
          }
        });
      }
    }
  }

  it('a row of one part takes that part’s tone as its Text’s own colour', () => {
    const parts: Part[] = [{ text: '  all of it in one tone', tone: 'warn' }];
    for (const selected of [false, true]) expect(textLine(rowText(parts, selected, true), 80)).toBe(inkLine(parts, selected, true, 80));
  });

  it('a row narrower than the terminal, ending in spaces or in a colour, selected or not', () => {
    const rows: Part[][] = [
      [{ text: '  short row   ' }],
      [{ text: '  name ' }, { text: ' 97.0%', tone: 'error' }],
      [{ text: '  name ' }, { text: ' 97.0%   ', tone: 'warn' }, { text: '   ' }],
      [{ text: '  ' }, { text: 'frozen', tone: 'frozen' }, { text: ' x ' }, { text: ' ', tone: 'ok' }],
    ];
    for (const parts of rows) {
      for (const selected of [false, true]) {
        for (const color of [true, false]) {
          const line = textLine(rowText(parts, selected, color), 80);
          expect(line).toBeDefined();
          expect(line, JSON.stringify(parts)).toBe(inkLine(parts, selected, color, 80));
        }
      }
    }
  });

  it('a row wider than the terminal is left to Ink, which truncates it', () => {
    const parts: Part[] = [{ text: '  ' }, { text: 'x'.repeat(90), tone: 'ok' }];
    expect(textLine(rowText(parts, false, true), 80)).toBeUndefined();
    const wide: Part[] = [{ text: '  ' + '数'.repeat(40) }];
    expect(textLine(rowText(wide, false, true), 80)).toBeUndefined();
    expect(inkLine(wide, false, true, 80)).toMatch(/…$/);
  });

  it('wide characters that fit take two columns, as in Ink’s frame', () => {
    const parts: Part[] = [{ text: '  数据库 ' }, { text: '12.5%', tone: 'error' }];
    const line = textLine(rowText(parts, true, true), 40);
    expect(line).toBe(inkLine(parts, true, true, 40));
  });
});
