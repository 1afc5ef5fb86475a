/**
 * A strict JSON (RFC 8259) reader that remembers where every key and value starts, so a
 * spec error can point at the line and column. JSON.parse cannot: it keeps no positions,
 * rounds integers beyond 2^53 silently and lets a duplicated key win.
 */

/** Reports a problem at a source offset. */
export type FailAt = (offset: number, detail: string) => never;

interface Place {
  key?: number;
  value: number;
}

export interface JsonDocument {
  value: unknown;
  /** Offset of `holder[key]`'s key or value; the whole document's when holder is undefined. */
  offsetOf(holder: object | undefined, key: string | number | undefined, part: 'key' | 'value'): number;
}

/** Deeper nesting than any lmctfy message has; the limit keeps recursion off the stack's edge. */
const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonReader {
  private pos = 0;
  readonly places = new WeakMap<object, Map<string | number, Place>>();

  constructor(
    private readonly src: string,
    private readonly fail: FailAt,
  ) {}

  /** The whole document; call after start(). */
  document(): unknown {
    const value = this.value(0);
    this.space();
    if (this.pos < this.src.length) this.fail(this.pos, `unexpected ${this.describeHere()} after the JSON value`);
    return value;
  }

  /** Skips a byte-order mark and leading space; returns where the document begins. */
  start(): number {
    this.pos = this.src.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.space();
    return this.pos;
  }

  private space(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  private describeHere(): string {
    if (this.pos >= this.src.length) return 'end of input';
    return JSON.stringify(String.fromCodePoint(this.src.codePointAt(this.pos)!));
  }

  private expect(ch: string, what: string): void {
    this.space();
    if (this.src[this.pos] !== ch) this.fail(this.pos, `expected ${what}, found ${this.describeHere()}`);
    this.pos++;
  }

  private value(depth: number): unknown {
    this.space();
    if (depth > MAX_DEPTH) this.fail(this.pos, `nested more than ${MAX_DEPTH} levels deep`);
    const ch = this.src[this.pos];
    switch (ch) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.src.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(this.src);
    if (!number) this.fail(this.pos, `expected a JSON value, found ${this.describeHere()}`);
    this.pos += number[0].length;
    return numberValue(number[0]);
  }

  private remember(holder: object, key: string | number, place: Place): void {
    let map = this.places.get(holder);
    if (!map) this.places.set(holder, (map = new Map()));
    map.set(key, place);
  }

  private object(depth: number): Record<string, unknown> {
    // No prototype: a key such as "__proto__" stays an ordinary key.
    const out = Object.create(null) as Record<string, unknown>;
    this.pos++;
    this.space();
    if (this.src[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      const keyAt = this.pos;
      if (this.src[this.pos] !== '"') this.fail(this.pos, `expected a quoted key, found ${this.describeHere()}`);
      const key = this.string();
      if (Object.hasOwn(out, key)) this.fail(keyAt, `duplicate key ${JSON.stringify(key)}`);
      this.expect(':', '":"');
      this.space();
      const valueAt = this.pos;
      out[key] = this.value(depth + 1);
      this.remember(out, key, { key: keyAt, value: valueAt });
      this.space();
      if (this.src[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect('}', '"," or "}"');
      return out;
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.space();
    if (this.src[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      this.remember(out, out.length, { value: this.pos });
      out.push(this.value(depth + 1));
      this.space();
      if (this.src[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect(']', '"," or "]"');
      return out;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      PLAIN_CHARS.lastIndex = this.pos;
      const run = PLAIN_CHARS.exec(this.src)![0];
      out += run;
      this.pos += run.length;
      if (this.pos >= this.src.length) this.fail(start, 'unterminated string');
      const ch = this.src[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch !== '\\') this.fail(this.pos, 'control character in string (escape it)');
      const esc = this.src[this.pos + 1] ?? '';
      if (Object.hasOwn(ESCAPES, esc)) {
        out += ESCAPES[esc];
        this.pos += 2;
      } else if (esc === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.src.slice(this.pos + 2, this.pos + 6))) {
        out += String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else this.fail(this.pos, `invalid escape ${JSON.stringify(this.src.slice(this.pos, this.pos + 2))} in string`);
    }
  }
}

/** Longest integer kept exact; longer ones are far out of every range anyway. */
const MAX_EXACT_DIGITS = 40;

/** Integers beyond 2^53 stay exact as bigint, so range checks see the number written. */
function numberValue(text: string): number | bigint {
  const value = Number(text);
  if (/^-?[0-9]+$/.test(text) && !Number.isSafeInteger(value) && text.length <= MAX_EXACT_DIGITS) return BigInt(text);
  return value;
}

export function readJson(src: string, fail: FailAt): JsonDocument {
  const reader = new JsonReader(src, fail);
  const rootAt = reader.start();
  const value = reader.document();
  return {
    value,
    offsetOf(holder, key, part) {
      const place = holder === undefined || key === undefined ? undefined : reader.places.get(holder)?.get(key);
      if (!place) return rootAt;
      return part === 'key' && place.key !== undefined ? place.key : place.value;
    },
  };
}
