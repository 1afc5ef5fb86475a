import { RIGHT_ALIGNED, memoryFraction, rowCells, type TableLayout } from './columns.js';
import { fitLeft, fitRight } from './format.js';
import { bar, sparkline } from './glyphs.js';
import { usageTone, type Tone } from './theme.js';
import type { TreeRow } from './tree.js';
import { vhostMark } from './vhost.js';

/** Text in one tone (or none). */
export interface Part {
  text: string;
  tone?: Tone;
}

/** The row's text as parts, neighbours of the same tone merged: few nested Texts, and cheap to compare. */
export function rowParts(row: TreeRow, selected: boolean, layout: TableLayout, cpuHistory: readonly number[]): Part[] {
  const parts: Part[] = [];
  const add = (text: string, tone?: Tone) => {
    if (text === '') return;
    const last = parts[parts.length - 1];
    if (last !== undefined && last.tone === tone) last.text += text;
    else parts.push(tone === undefined ? { text } : { text, tone });
  };
  add(selected ? '› ' : '  ');
  add(fitLeft(nameCell(row), layout.nameWidth));
  const cells = rowCells(row);
  for (const column of layout.columns) {
    const width = layout.widths[column];
    if (column === 'bar') {
      const fraction = memoryFraction(row);
      add(' ');
      if (fraction === undefined) add(' '.repeat(width));
      else add(bar(fraction, width), usageTone(fraction));
    } else if (column === 'spark') {
      add(` ${sparkline(cpuHistory, width)}`);
    } else {
      // The separating space takes the cell's tone: it shows on the selected (inverse) row.
      const cell = cells[column];
      add(` ${(RIGHT_ALIGNED.has(column) ? fitRight : fitLeft)(cell.text, width)}`, cell.tone);
    }
  }
  return parts;
}

/** Two spaces per level, then ▾ (expanded), ▸ (collapsed) or blank (leaf); a virtual host's mark after the name. */
export function nameCell(row: TreeRow): string {
  const marker = row.childCount === 0 ? '  ' : row.collapsed ? '▸ ' : '▾ ';
  return `${'  '.repeat(row.depth)}${marker}${row.label}${vhostMark(row.view)}`;
}

/** nameCell(row).length, without building the string for other containers than virtual hosts. */
export function nameCellLength(row: TreeRow): number {
  return 2 * row.depth + 2 + row.label.length + (row.view.raw.virtualHost ? vhostMark(row.view).length : 0);
}

export function sameParts(a: readonly Part[], b: readonly Part[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].text !== b[i].text || a[i].tone !== b[i].tone) return false;
  return true;
}
