/**
 * Tokens of protobuf text format (the grammar of C++ TextFormat, which the original lmctfy
 * parsed with): identifiers, integer and float literals, quoted strings with C escapes,
 * punctuation, `#` comments. Every token knows its offset, so errors can say where.
 */

import { digitsEnd, hasHexPrefix, identEnd, isDigitAt, isIdentCharAt, isIdentStartAt, isLetterAt, isOctalLiteral } from './text-chars.js';

export type TokenKind = 'ident' | 'int' | 'float' | 'string' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings, the literal with its quotes). */
  text: string;
  start: number;
  /** Decoded bytes of a string literal. */
  bytes?: number[];
}

/** Reports a problem at a source offset. */
export type FailAt = (offset: number, detail: string) => never;

const PUNCT = new Set(['{', '}', '<', '>', ':', '[', ']', ',', ';', '-']);
const SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const HEX = /[0-9A-Fa-f]+/y;
const EXPONENT = /[eE][+-]?[0-9]+/y;
const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63,
};

export class TextTokenizer {
  private pos = 0;
  private lookahead: Token | undefined;

  constructor(
    private readonly src: string,
    private readonly fail: FailAt,
  ) {}

  peek(): Token {
    this.lookahead ??= this.read();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** Consumes the punctuation `p` if it is next. */
  skip(p: string): Token | undefined {
    const token = this.peek();
    if (token.kind !== 'punct' || token.text !== p) return undefined;
    return this.next();
  }

  private read(): Token {
    this.skipSpace();
    const start = this.pos;
    if (start >= this.src.length) return { kind: 'end', text: '', start };
    const ch = this.src[start]!;
    if (ch === '"' || ch === "'") return this.readString(ch);
    if (isDigitAt(this.src, start) || (ch === '.' && isDigitAt(this.src, start + 1))) return this.readNumber();
    if (PUNCT.has(ch)) {
      this.pos++;
      return { kind: 'punct', text: ch, start };
    }
    if (isIdentStartAt(this.src, start)) {
      this.pos = identEnd(this.src, start + 1);
      return { kind: 'ident', text: this.src.slice(start, this.pos), start };
    }
    const shown = String.fromCodePoint(this.src.codePointAt(start)!);
    return this.fail(start, `unexpected character ${JSON.stringify(shown)}`);
  }

  private skipSpace(): void {
    const src = this.src;
    // A byte-order mark may open a file written by an editor.
    if (this.pos === 0 && src.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < src.length) {
      const ch = src[this.pos]!;
      if (SPACE.has(ch)) this.pos++;
      else if (ch === '#') {
        const eol = src.indexOf('\n', this.pos);
        this.pos = eol === -1 ? src.length : eol + 1;
      } else break;
    }
  }

  private match(re: RegExp): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    const text = m ? m[0] : '';
    this.pos += text.length;
    return text;
  }

  private readNumber(): Token {
    const start = this.pos;
    let kind: TokenKind = 'int';
    if (hasHexPrefix(this.src.slice(start, start + 2))) {
      this.pos += 2;
      if (!this.match(HEX)) this.fail(start, 'hexadecimal number without digits');
    } else {
      this.pos = digitsEnd(this.src, this.pos);
      if (this.src[this.pos] === '.') {
        kind = 'float';
        this.pos = digitsEnd(this.src, this.pos + 1);
      }
      if (isLetterAt(this.src, this.pos, 'e')) {
        kind = 'float';
        if (!this.match(EXPONENT)) this.fail(start, `malformed number ${JSON.stringify(this.src.slice(start, this.pos + 1))}`);
      }
      if (isLetterAt(this.src, this.pos, 'f')) {
        kind = 'float';
        this.pos++;
      }
    }
    const text = this.src.slice(start, this.pos);
    if (isIdentCharAt(this.src, this.pos) || this.src[this.pos] === '.') {
      const word = /[A-Za-z0-9_.]*/y;
      word.lastIndex = this.pos;
      this.fail(start, `malformed number ${JSON.stringify(text + word.exec(this.src)![0])}`);
    }
    if (kind === 'int' && text[0] === '0' && isDigitAt(text, 1) && !isOctalLiteral(text)) {
      this.fail(start, `malformed octal number ${JSON.stringify(text)}`);
    }
    return { kind, text, start };
  }

  private readString(quote: string): Token {
    const src = this.src;
    const start = this.pos;
    const bytes: number[] = [];
    this.pos++;
    for (;;) {
      if (this.pos >= src.length || src[this.pos] === '\n') this.fail(start, 'unterminated string');
      const ch = src[this.pos]!;
      if (ch === quote) {
        this.pos++;
        return { kind: 'string', text: src.slice(start, this.pos), start, bytes };
      }
      if (ch === '\\') this.readEscape(bytes);
      else {
        const cp = src.codePointAt(this.pos)!;
        if (cp >= 0xd800 && cp <= 0xdfff) this.fail(this.pos, 'invalid Unicode (unpaired surrogate) in string');
        pushUtf8(bytes, cp);
        this.pos += cp > 0xffff ? 2 : 1;
      }
    }
  }

  private readEscape(bytes: number[]): void {
    const at = this.pos;
    const ch = this.src[at + 1] ?? '';
    this.pos += 2;
    if (Object.hasOwn(SIMPLE_ESCAPES, ch)) bytes.push(SIMPLE_ESCAPES[ch]!);
    else if (ch === 'x' || ch === 'X') {
      const hex = /[0-9A-Fa-f]{1,2}/y;
      hex.lastIndex = this.pos;
      const m = hex.exec(this.src);
      if (!m) this.fail(at, '\\x escape without hexadecimal digits');
      this.pos += m[0].length;
      bytes.push(parseInt(m[0], 16));
    } else if (/[0-7]/.test(ch)) {
      const oct = /[0-7]{0,2}/y;
      oct.lastIndex = this.pos;
      const digits = ch + oct.exec(this.src)![0];
      this.pos += digits.length - 1;
      const value = parseInt(digits, 8);
      if (value > 255) this.fail(at, `octal escape \\${digits} is above \\377`);
      bytes.push(value);
    } else if (ch === 'u' || ch === 'U') {
      let cp = this.codePointEscape(at, ch === 'u' ? 4 : 8);
      if (cp >= 0xd800 && cp <= 0xdbff && this.src.startsWith('\\u', this.pos)) {
        const low = this.codePointEscape(this.pos, 4, 2);
        if (low < 0xdc00 || low > 0xdfff) this.fail(at, 'invalid Unicode escape (unpaired surrogate)');
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      }
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(at, 'invalid Unicode escape');
      pushUtf8(bytes, cp);
    } else this.fail(at, `unknown escape \\${ch || 'at end of input'}`);
  }

  /** Reads `size` hex digits at the current position (after skipping `prefix` characters). */
  private codePointEscape(at: number, size: number, prefix = 0): number {
    const digits = this.src.slice(this.pos + prefix, this.pos + prefix + size);
    if (digits.length !== size || !/^[0-9A-Fa-f]+$/.test(digits)) this.fail(at, `Unicode escape needs ${size} hexadecimal digits`);
    this.pos += prefix + size;
    return parseInt(digits, 16);
  }
}

function pushUtf8(bytes: number[], cp: number): void {
  if (cp < 0x80) bytes.push(cp);
  else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}
