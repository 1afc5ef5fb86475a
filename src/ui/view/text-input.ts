/** Editing a single-line text field: the pure half of the Prompt component. */
import type { KeyPress } from './key-input.js';

export interface Field {
  value: string;
  /** Insertion point, 0..value.length. */
  cursor: number;
}

/** Inserts typed or pasted text; pasted line breaks become spaces (the field is one line). */
export function insertText(field: Field, text: string): Field {
  const clean = text.replace(/\r\n|\r|\n/g, ' ');
  return {
    value: field.value.slice(0, field.cursor) + clean + field.value.slice(field.cursor),
    cursor: field.cursor + clean.length,
  };
}

export function deleteBack(field: Field): Field {
  if (field.cursor === 0) return field;
  return {
    value: field.value.slice(0, field.cursor - 1) + field.value.slice(field.cursor),
    cursor: field.cursor - 1,
  };
}

export function moveCursor(field: Field, to: number): Field {
  return { ...field, cursor: Math.min(Math.max(to, 0), field.value.length) };
}

/**
 * The part of the value that fits in `width` columns with the cursor visible (a cursor past
 * the end takes one column): text before the cursor, the character under it (a space at
 * the end) and text after it. Scrolls only once the cursor would leave the right edge.
 */
export function visibleWindow(field: Field, width: number): { before: string; at: string; after: string } {
  const w = Math.max(1, width);
  const start = Math.max(0, field.cursor - w + 1);
  const end = Math.min(start + w, field.value.length);
  return {
    before: field.value.slice(start, field.cursor),
    at: field.value[field.cursor] ?? ' ',
    after: field.value.slice(field.cursor + 1, end),
  };
}

/** What a key does to a field: changes it, or submits or cancels the prompt. */
export type FieldKey = { field: Field } | 'submit' | 'cancel';

/**
 * The prompt's keys: Enter submits, Esc cancels, ←/→/Home/End (and Ctrl+A/E) move,
 * Backspace/Delete delete, Ctrl+U clears, characters insert. A line break inside pasted
 * text inserts a space (the field is one line).
 */
export function editField(field: Field, key: KeyPress): FieldKey {
  if (key.name === 'escape') return 'cancel';
  if (key.name === 'enter') return key.inText ? { field: insertText(field, ' ') } : 'submit';
  if (key.name === 'left') return { field: moveCursor(field, field.cursor - 1) };
  if (key.name === 'right') return { field: moveCursor(field, field.cursor + 1) };
  if (key.name === 'home' || (key.ctrl && key.char === 'a')) return { field: moveCursor(field, 0) };
  if (key.name === 'end' || (key.ctrl && key.char === 'e')) return { field: moveCursor(field, field.value.length) };
  if (key.name === 'backspace' || key.name === 'delete') return { field: deleteBack(field) };
  if (key.ctrl && key.char === 'u') return { field: { value: '', cursor: 0 } };
  if (key.char !== undefined && !key.ctrl && !key.meta) return { field: insertText(field, key.char) };
  return { field };
}
