/**
 * Protobuf text format on one line, for editing in the one-line spec prompt: runs of
 * whitespace become one space and `#` comments are dropped (they would swallow the rest
 * of the line), except inside quoted strings, which stay byte for byte.
 */
export function specToOneLine(text: string): string {
  let out = '';
  let quote: string | undefined;
  let pendingSpace = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      out += ch;
      if (ch === '\\' && i + 1 < text.length) out += text[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      pendingSpace = true;
      continue;
    }
    if (/\s/.test(ch)) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && out !== '') out += ' ';
    pendingSpace = false;
    if (ch === '"' || ch === "'") quote = ch;
    out += ch;
  }
  return out;
}
