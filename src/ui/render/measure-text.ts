/** A text's size in terminal cells, as Ink's layout measures it. */
export interface TextSize {
  width: number;
  height: number;
}

export type TextMeasure = (text: string) => TextSize;

/**
 * Ink's measureText (node_modules/ink/build/measure-text.js) with a bounded cache. Ink's
 * keeps every string it ever measured: a console redrawing changing numbers every second
 * grows it for as long as it runs. Here two generations of at most `limit` entries each:
 * what the current frames use stays cached, what they stopped using is dropped.
 */
export function createMeasureText(widestLine: (text: string) => number, limit = 8192): TextMeasure {
  let current = new Map<string, TextSize>();
  let previous = new Map<string, TextSize>();
  const measure = (text: string): TextSize => {
    if (text.length === 0) return { width: 0, height: 0 };
    let size = current.get(text);
    if (size) return size;
    size = previous.get(text) ?? { width: widestLine(text), height: text.split('\n').length };
    current.set(text, size);
    if (current.size >= limit) {
      previous = current;
      current = new Map();
    }
    return size;
  };
  return measure;
}
