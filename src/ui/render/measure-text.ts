import { GenerationCache } from './generation-cache.js';

/** A text's size in terminal cells, as Ink's layout measures it. */
export interface TextSize {
  width: number;
  height: number;
}

export type TextMeasure = (text: string) => TextSize;

/**
 * Ink's measureText (node_modules/ink/build/measure-text.js) with a bounded cache. Ink's
 * keeps every string it ever measured: a console redrawing changing numbers every second
 * grows it for as long as it runs. Here a GenerationCache: a frame measures only the texts
 * that changed, far fewer than `limit`.
 */
export function createMeasureText(widestLine: (text: string) => number, limit = 1024): TextMeasure {
  const cache = new GenerationCache<string, TextSize>(limit);
  const measure = (text: string): TextSize => {
    if (text.length === 0) return { width: 0, height: 0 };
    return cache.get(text, () => ({ width: widestLine(text), height: text.split('\n').length }));
  };
  return measure;
}
