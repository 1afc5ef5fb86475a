/**
 * Just enough protobuf text format for the fake console: nested fields of numbers,
 * strings and enum names, checked for shape only (no schema). The real console uses
 * the spec codec through ConsoleActions.
 */

/** Strings keep their quotes and escapes as written, enum names are bare: both print back as read. */
export type TextValue = number | string | TextMessage;
export interface TextMessage {
  [field: string]: TextValue;
}

const TOKEN = /\s*(?:#[^\n]*\n?\s*)*(?:([A-Za-z_]\w*)|(-?\d+(?:\.\d+)?)|("(?:[^"\\\n]|\\.)*")|([{}:])|(\S))/y;

interface Token {
  kind: 'ident' | 'number' | 'string' | 'punct';
  text: string;
  at: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]).length;
    if (m[5] !== undefined) throw new SpecSyntaxError(text, at, `unexpected "${m[5]}"`);
    if (m[1] !== undefined) tokens.push({ kind: 'ident', text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', text: m[2], at });
    else if (m[3] !== undefined) tokens.push({ kind: 'string', text: m[3], at });
    else tokens.push({ kind: 'punct', text: m[4], at });
  }
  return tokens;
}

export class SpecSyntaxError extends Error {
  constructor(text: string, at: number, what: string) {
    const before = text.slice(0, at).split('\n');
    super(`line ${before.length} column ${before[before.length - 1].length + 1}: ${what}`);
  }
}

/** Parses text format into nested plain objects; throws SpecSyntaxError with a position. */
export function parseTextSpec(text: string): TextMessage {
  const tokens = tokenize(text);
  let i = 0;
  const end = text.length;
  const fail = (what: string): never => {
    throw new SpecSyntaxError(text, tokens[i]?.at ?? end, what);
  };
  const message = (closing: boolean): TextMessage => {
    const out: TextMessage = {};
    for (;;) {
      const t = tokens[i];
      if (t === undefined) return closing ? fail('missing "}"') : out;
      if (t.text === '}' && t.kind === 'punct') return closing ? (i++, out) : fail('unexpected "}"');
      if (t.kind !== 'ident') return fail(`expected a field name, found "${t.text}"`);
      i++;
      const colon = tokens[i]?.text === ':' && tokens[i]?.kind === 'punct';
      if (colon) i++;
      const v = tokens[i];
      if (v?.kind === 'punct' && v.text === '{') {
        i++;
        out[t.text] = message(true);
      } else if (!colon) {
        return fail(`expected ":" or "{" after ${t.text}`);
      } else if (v === undefined || v.kind === 'punct') {
        return fail(`expected a value for ${t.text}`);
      } else {
        i++;
        out[t.text] = v.kind === 'number' ? Number(v.text) : v.text;
      }
    }
  };
  return message(false);
}

/** Prints nested objects back as indented text format. */
export function printTextSpec(message: TextMessage, indent = ''): string {
  return Object.entries(message)
    .map(([field, value]) =>
      typeof value === 'object'
        ? `${indent}${field} {\n${printTextSpec(value, indent + '  ')}${indent}}\n`
        : `${indent}${field}: ${value}\n`,
    )
    .join('');
}

/** `update` with the diff policy: fields in `change` replace those in `base`, the rest stay. */
export function mergeTextSpec(base: TextMessage, change: TextMessage): TextMessage {
  const out: TextMessage = { ...base };
  for (const [field, value] of Object.entries(change)) {
    const old = out[field];
    out[field] = typeof value === 'object' && typeof old === 'object' ? mergeTextSpec(old, value) : value;
  }
  return out;
}
