/**
 * Protobuf text format, as the original lmctfy read and printed specs:
 * `memory:{limit:100000000}` in, one field per line with 2-space nested blocks out.
 * Parsing is strict: unknown fields, duplicated singular fields, values out of range and
 * anything that is not text format are INVALID_ARGUMENT with line and column.
 */
import type { EnumType, Field, MessageType } from './reflection.js';
import { fieldIndex, isReserved, messageOf, messageType, enumOf, type MessageName } from './schema.js';
import { atPath, checkSize, childPath, decodeUtf8, lineColumn, specError } from './problem.js';
import { checkInteger, enumName, fieldKind, integerLiteral, shown, type Fail, type FieldKind } from './scalars.js';
import { TextTokenizer, type Token } from './text-tokens.js';
import { normalizeMessage } from './plain.js';

type Message = Record<string, unknown>;

const CLOSERS: Record<string, string> = { '{': '}', '<': '>' };

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'string':
      return 'a string';
    default:
      return `"${shown(token.text)}"`;
  }
}

function isPunct(token: Token, p: string): boolean {
  return token.kind === 'punct' && token.text === p;
}

class TextParser {
  private readonly tokens: TextTokenizer;

  constructor(
    private readonly name: MessageName,
    private readonly src: string,
  ) {
    this.tokens = new TextTokenizer(src, (at, detail) => this.fail(at, detail));
  }

  fail(at: number, detail: string): never {
    throw specError(this.name, lineColumn(this.src, at), detail);
  }

  /** Fields until `open`'s closer (or the end of input at the top level). */
  message(type: MessageType, path: string, open?: Token): Message {
    const out: Message = {};
    const seen = new Map<string, number>();
    const closer = open ? CLOSERS[open.text] : undefined;
    let end: Token;
    for (;;) {
      const token = this.tokens.peek();
      if (token.kind === 'end') {
        if (open) {
          this.fail(token.start, `unexpected end of input: "${closer}" missing to close ${path} (opened at ${lineColumn(this.src, open.start)})`);
        }
        end = token;
        break;
      }
      if (closer && isPunct(token, closer)) {
        end = this.tokens.next();
        break;
      }
      if (token.kind !== 'ident') {
        const expected = isPunct(token, '[')
          ? 'extension and Any fields ([...]) are not supported'
          : `expected a field name, found ${describe(token)}`;
        this.fail(token.start, atPath(path, expected));
      }
      this.field(type, path, out, seen);
      if (!this.tokens.skip(',')) this.tokens.skip(';');
    }
    for (const field of fieldIndex(type).ordered) {
      if (field.required && !Object.hasOwn(out, field.name)) {
        this.fail(end.start, atPath(path, `missing required field "${field.name}"`));
      }
    }
    return out;
  }

  private field(type: MessageType, path: string, out: Message, seen: Map<string, number>): void {
    const nameToken = this.tokens.next();
    const name = nameToken.text;
    const field = fieldIndex(type).byName.get(name);
    if (!field) {
      const why = isReserved(type, name) ? `reserved field "${name}" is not supported by this lmctfy` : `unknown field "${name}"`;
      this.fail(nameToken.start, atPath(path, why));
    }
    if (!field.repeated) {
      const first = seen.get(name);
      if (first !== undefined) {
        this.fail(nameToken.start, atPath(path, `field "${name}" given twice (first at ${lineColumn(this.src, first)})`));
      }
      seen.set(name, nameToken.start);
    }
    const fieldPath = childPath(path, name);
    const kind = fieldKind(field);
    const isMessage = kind === 'message';
    if (isMessage) this.tokens.skip(':');
    else if (!this.tokens.skip(':')) {
      this.fail(this.tokens.peek().start, `${fieldPath}: expected ":" after the field name, found ${describe(this.tokens.peek())}`);
    }
    const value = (): unknown => {
      if (kind !== 'message') return this.scalar(field, kind, fieldPath);
      const index = field.repeated ? `[${((out[name] as unknown[] | undefined) ?? []).length}]` : '';
      return this.messageValue(messageOf(field), fieldPath + index);
    };
    const list = this.tokens.skip('[');
    if (!list) {
      add(out, field, value());
      return;
    }
    if (!field.repeated) this.fail(list.start, `${fieldPath}: a list [...] is only allowed for repeated fields`);
    if (this.tokens.skip(']')) return;
    do add(out, field, value());
    while (this.tokens.skip(','));
    const close = this.tokens.peek();
    if (!this.tokens.skip(']')) this.fail(close.start, `${fieldPath}: expected "," or "]" in the list, found ${describe(close)}`);
  }

  private messageValue(type: MessageType, path: string): Message {
    const open = this.tokens.peek();
    if (!isPunct(open, '{') && !isPunct(open, '<')) this.fail(open.start, `${path}: expected "{" to open the message, found ${describe(open)}`);
    this.tokens.next();
    return this.message(type, path, open);
  }

  private scalar(field: Field, kind: Exclude<FieldKind, 'message'>, path: string): unknown {
    if (kind === 'string') return this.string(path);
    const minus = this.tokens.skip('-');
    const token = this.tokens.next();
    const fail: Fail = (detail) => this.fail(minus?.start ?? token.start, `${path}: ${detail}`);
    const sign = minus && token.kind !== 'end' ? '-' : '';
    switch (kind) {
      case 'integer': {
        if (token.kind !== 'int') fail(`expected an integer, found ${sign}${describe(token)}`);
        const magnitude = integerLiteral(token.text);
        const value = magnitude === undefined ? undefined : minus ? -magnitude : magnitude;
        return checkInteger(field, value, fail, sign + token.text);
      }
      case 'float':
        return (minus ? -1 : 1) * floatValue(token, fail);
      case 'bool':
        if (minus) fail('expected true or false, found "-"');
        return boolValue(token, fail);
      case 'enum': {
        const e = enumOf(field) as EnumType;
        if (token.kind === 'int') {
          const magnitude = integerLiteral(token.text) ?? 2n ** 64n;
          return enumName(e, minus ? -magnitude : magnitude, fail);
        }
        if (token.kind !== 'ident' || minus) fail(`expected a ${e.name} value, found ${sign}${describe(token)}`);
        return enumName(e, token.text, fail);
      }
    }
  }

  /** One or more adjacent string literals, concatenated, as UTF-8 text. */
  private string(path: string): string {
    const first = this.tokens.next();
    if (first.kind !== 'string') this.fail(first.start, `${path}: expected a quoted string, found ${describe(first)}`);
    const bytes = first.bytes!;
    while (this.tokens.peek().kind === 'string') for (const b of this.tokens.next().bytes!) bytes.push(b);
    const text = decodeUtf8(Uint8Array.from(bytes));
    if (text === undefined) this.fail(first.start, `${path}: string is not valid UTF-8`);
    return text;
  }
}

function floatValue(token: Token, fail: Fail): number {
  if (token.kind === 'float') return Number(token.text.replace(/[fF]$/, ''));
  if (token.kind === 'int') return Number(integerLiteral(token.text) ?? Infinity);
  if (token.kind === 'ident') {
    const word = token.text.toLowerCase();
    if (word === 'inf' || word === 'infinity') return Infinity;
    if (word === 'nan') return NaN;
  }
  return fail(`expected a number, found ${describe(token)}`);
}

function boolValue(token: Token, fail: Fail): boolean {
  if (token.kind === 'ident' && ['true', 'True', 't'].includes(token.text)) return true;
  if (token.kind === 'ident' && ['false', 'False', 'f'].includes(token.text)) return false;
  if (token.kind === 'int' && (token.text === '1' || token.text === '0')) return token.text === '1';
  return fail(`expected true or false, found ${describe(token)}`);
}

function add(out: Message, field: Field, value: unknown): void {
  if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
  else out[field.name] = value;
}

/** Parses protobuf text format into a plain object (snake_case, enums by name, absent fields absent). */
export function parseText<T>(name: MessageName, text: string): T {
  checkSize(name, Buffer.byteLength(text, 'utf8'));
  const type = messageType(name);
  return new TextParser(name, text).message(type, '') as T;
}

/** A string as protobufjs's text format quotes it: its UTF-8 bytes, unprintable ones as 3-digit octal escapes. */
function quoted(text: string): string {
  let out = '"';
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function floatText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (Object.is(n, -0)) return '-0';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

function scalarText(field: Field, value: unknown): string {
  switch (fieldKind(field)) {
    case 'string':
      return quoted(value as string);
    case 'float':
      return floatText(value as number);
    case 'bool':
      return value ? 'true' : 'false';
    default:
      // Enums are held by name, integers as numbers: both print as they are.
      return String(value);
  }
}

function writeMessage(type: MessageType, message: Message, indent: string, lines: string[]): void {
  for (const field of fieldIndex(type).ordered) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    for (const item of field.repeated ? (value as unknown[]) : [value]) {
      if (field.resolvedType?.kind === 'message') {
        lines.push(`${indent}${field.name} {`);
        writeMessage(field.resolvedType, item as Message, `${indent}  `, lines);
        lines.push(`${indent}}`);
      } else lines.push(`${indent}${field.name}: ${scalarText(field, item)}`);
    }
  }
}

/** A normalized message (plain.ts) of `type` in text format, lines joined without a final newline. */
export function messageText(type: MessageType, message: Message): string {
  const lines: string[] = [];
  writeMessage(type, message, '', lines);
  return lines.join('\n');
}

/**
 * Prints `obj` as the original lmctfy did: one `name: value` per line, nested messages as
 * `name {` ... `}` with 2-space indent, fields in number order, a trailing newline; an
 * empty message prints as ''. A field that does not fit the schema is INVALID_ARGUMENT.
 */
export function formatText(name: MessageName, obj: unknown): string {
  const type = messageType(name);
  const text = messageText(type, normalizeMessage(name, type, obj));
  return text ? `${text}\n` : '';
}
