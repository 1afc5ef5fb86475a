import { RIGHT_ALIGNED, cellsOf, factsFraction, rowFacts, sameFacts, type RowFacts, type TableLayout } from './columns.js';
import { fitLeft, fitRight } from './format.js';
import { bar, sparkline } from './glyphs.js';
import type { TextSpec } from '../render/frame-output.js';
import { toneColor, usageTone, type Tone } from './theme.js';
import type { TreeRow } from './tree.js';
import { vhostMark } from './vhost.js';

/** Text in one tone (or none). */
export interface Part {
  text: string;
  tone?: Tone;
}

/** The row's text as parts, neighbours of the same tone merged: few nested Texts, and cheap to compare. */
export function rowParts(row: TreeRow, selected: boolean, layout: TableLayout, cpuHistory: readonly number[]): Part[] {
  return partsOf(nameCell(row), rowFacts(row), selected, layout, cpuHistory);
}

function partsOf(name: string, facts: RowFacts, selected: boolean, layout: TableLayout, cpuHistory: readonly number[]): Part[] {
  const parts: Part[] = [];
  const add = (text: string, tone?: Tone) => {
    if (text === '') return;
    const last = parts[parts.length - 1];
    if (last !== undefined && last.tone === tone) last.text += text;
    else parts.push(tone === undefined ? { text } : { text, tone });
  };
  add(selected ? '› ' : '  ');
  add(fitLeft(name, layout.nameWidth));
  const cells = cellsOf(facts);
  for (const column of layout.columns) {
    const width = layout.widths[column];
    if (column === 'bar') {
      const fraction = factsFraction(facts);
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

/**
 * A row's parts as the one Ink Text the table draws for it: its toned parts nested Texts
 * of their colour (one part: the Text's own colour), the selected row inverse; plain text
 * without colour. The Row component renders this and the row fast path draws it
 * (render/frame-output.ts textLine), so the two cannot differ in what they style.
 */
export function rowText(parts: readonly Part[], selected: boolean, color: boolean): TextSpec {
  if (!color) return { children: [{ text: parts.map((p) => p.text).join('') }] };
  if (parts.length === 1) return { children: [{ text: parts[0].text }], color: toneColor(parts[0].tone), inverse: selected };
  return { children: parts.map((p) => ({ text: p.text, color: toneColor(p.tone) })), inverse: selected };
}

/** What a row was drawn from, and the parts drawn. */
interface Drawn {
  name: string;
  facts: RowFacts;
  selected: boolean;
  layout: TableLayout;
  cpuHistory: readonly number[];
  parts: Part[];
}

/**
 * rowParts for the rows of successive frames: a row drawn from the same name cell, facts,
 * selection, layout and history as in the previous frame gets that frame's parts (the same
 * array), so an idle row costs no formatting and compares by identity. Keeps the rows of
 * the last frame only.
 */
export class RowPartsMemo {
  private previous = new Map<string, Drawn>();
  private current = new Map<string, Drawn>();

  /** Starts a frame: the rows drawn since the last call are what the next ones are compared with. */
  frame(): void {
    if (this.current.size > 0) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  parts(row: TreeRow, selected: boolean, layout: TableLayout, cpuHistory: readonly number[]): Part[] {
    const name = nameCell(row);
    const facts = rowFacts(row);
    const d = this.current.get(row.name) ?? this.previous.get(row.name);
    const parts =
      d !== undefined && d.name === name && d.selected === selected && d.layout === layout && sameFacts(d.facts, facts) && sameValues(d.cpuHistory, cpuHistory)
        ? d.parts
        : partsOf(name, facts, selected, layout, cpuHistory);
    this.current.set(row.name, { name, facts, selected, layout, cpuHistory, parts });
    return parts;
  }
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  // An idle container's window is the same array pass after pass (Ring.recent).
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
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
