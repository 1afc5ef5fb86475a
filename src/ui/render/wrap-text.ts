import { GenerationCache } from './generation-cache.js';

type WrapAnsi = (text: string, columns: number, options: { trim: boolean; hard: boolean }) => string;
type Truncate = (text: string, columns: number, options: { position: 'start' | 'middle' | 'end' }) => string;

/**
 * Ink's wrapText (node_modules/ink/build/wrap-text.js) with a bounded cache. Ink's keeps
 * every text it ever wrapped or truncated in a module-level object: every table row whose
 * numbers or sparkline moved is a new entry each pass, for as long as the console runs.
 * The same wrapping and truncation (Ink's own wrap-ansi and cli-truncate, handed in).
 */
export function createWrapText(wrapAnsi: WrapAnsi, truncate: Truncate, limit = 1024): (text: string, maxWidth: number, wrapType: string) => string {
  const cache = new GenerationCache<string, string>(limit);
  return (text, maxWidth, wrapType) =>
    cache.get(`${maxWidth}\u0000${wrapType}\u0000${text}`, () => {
      if (wrapType === 'wrap') return wrapAnsi(text, maxWidth, { trim: false, hard: true });
      if (wrapType.startsWith('truncate')) {
        const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
        return truncate(text, maxWidth, { position });
      }
      return text;
    });
}
