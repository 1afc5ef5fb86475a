/** Editing a single-line text field: the pure half of the Prompt component. */

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
