/** A status message takes at most this many lines: enough for an admission refusal's "why" (who holds the budget) at 80 columns. */
export const STATUS_MAX_LINES = 3;

/**
 * The status message as lines of at most `width` characters, broken between words (a word
 * longer than a line is cut into pieces); past STATUS_MAX_LINES the last line ends in "…".
 * One line for a message that fits, so the table keeps its rows.
 */
export function statusLines(text: string, width: number): string[] {
  const w = Math.max(1, width);
  if (text.length <= w) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    if (line !== '' && line.length + 1 + rest.length <= w) {
      line += ` ${rest}`;
      continue;
    }
    if (line !== '') lines.push(line);
    while (rest.length > w) {
      lines.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    line = rest;
  }
  lines.push(line);
  if (lines.length <= STATUS_MAX_LINES) return lines;
  const kept = lines.slice(0, STATUS_MAX_LINES);
  const last = kept[STATUS_MAX_LINES - 1]!;
  kept[STATUS_MAX_LINES - 1] = `${last.slice(0, w - 1)}…`;
  return kept;
}
