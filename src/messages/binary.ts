/**
 * Binary protobuf (`-c file`, `-b` output). Encoding writes what protobufjs wrote, byte for
 * byte (test/unit/spec-protobufjs-equivalence.test.ts): fields in number order, packing as
 * the edition and options say, negative int32 and enum values as 10-byte varints. Decoding
 * walks the wire format against the schema so that every problem names the byte offset and
 * the field: unknown or reserved field numbers, wire types that do not fit, truncation,
 * duplicated singular fields, values out of range, invalid UTF-8, missing required fields.
 */
import type { Field, MessageType } from './reflection.js';
import { enumOf, fieldIndex, isReserved, messageOf, messageType, type MessageName } from './schema.js';
import { atPath, checkSize, childPath, decodeUtf8, specError } from './problem.js';
import { checkInteger, enumName, fieldKind, type Fail, type FieldKind } from './scalars.js';
import { normalizeMessage } from './plain.js';

type Message = Record<string, unknown>;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const MAX_VARINT = 2n ** 64n - 1n;

/** The wire type a (non-packed) value of this field must have. */
function wireType(field: Field, kind: FieldKind): number {
  if (kind === 'message' || kind === 'string') return LEN;
  if (field.type === 'double' || field.type === 'fixed64' || field.type === 'sfixed64') return I64;
  if (field.type === 'float' || field.type === 'fixed32' || field.type === 'sfixed32') return I32;
  return VARINT;
}

function zigzag(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

class BinaryDecoder {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly name: MessageName,
    private readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(at: number, detail: string): never {
    throw specError(this.name, `byte offset ${at}`, detail);
  }

  private varint(end: number, path: string): bigint {
    const at = this.pos;
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= end) this.fail(at, atPath(path, 'truncated varint'));
      const b = this.bytes[this.pos++]!;
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      if (shift >= 63n) this.fail(at, atPath(path, 'varint longer than 10 bytes'));
    }
    if (value > MAX_VARINT) this.fail(at, atPath(path, 'varint above 2^64-1'));
    return value;
  }

  private fixed(size: 4 | 8, end: number, path: string): number {
    if (this.pos + size > end) this.fail(this.pos, atPath(path, `truncated ${size * 8}-bit value`));
    const at = this.pos;
    this.pos += size;
    return at;
  }

  /** Reads a length prefix and returns where the delimited bytes end. */
  private delimited(end: number, path: string): number {
    const at = this.pos;
    const length = this.varint(end, path);
    if (length > BigInt(end - this.pos)) {
      this.fail(at, atPath(path, `length ${length} runs past the end of the enclosing message`));
    }
    return this.pos + Number(length);
  }

  message(type: MessageType, end: number, path: string): Message {
    const index = fieldIndex(type);
    const out: Message = {};
    const seen = new Set<number>();
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint(end, path);
      const number = tag >> 3n;
      const wire = Number(tag & 7n);
      if (number === 0n || number > 2n ** 29n - 1n) this.fail(at, atPath(path, `invalid field number ${number}`));
      if (wire > I32) this.fail(at, atPath(path, `invalid wire type ${wire}`));
      const field = index.byNumber.get(Number(number));
      if (!field) {
        const why = isReserved(type, Number(number))
          ? `reserved field number ${number} is not supported by this lmctfy`
          : `unknown field number ${number} (wire type ${wire})`;
        this.fail(at, atPath(path, why));
      }
      if (!field.repeated) {
        if (seen.has(field.id)) this.fail(at, atPath(path, `field "${field.name}" given twice`));
        seen.add(field.id);
      }
      const fieldPath = childPath(path, field.name);
      const kind = fieldKind(field);
      const expected = wireType(field, kind);
      if (field.repeated && wire === LEN && kind !== 'message' && kind !== 'string') {
        // Packed repeated scalars: one length-delimited run of values.
        const stop = this.delimited(end, fieldPath);
        const list = (out[field.name] as unknown[] | undefined) ?? [];
        while (this.pos < stop) list.push(this.scalar(field, kind, expected, stop, `${fieldPath}[${list.length}]`));
        if (list.length > 0) out[field.name] = list;
        continue;
      }
      if (wire !== expected) this.fail(at, `${fieldPath}: wire type ${wire} does not fit field type ${field.type}`);
      let value: unknown;
      if (kind === 'message') {
        const stop = this.delimited(end, fieldPath);
        const index = field.repeated ? `[${((out[field.name] as unknown[] | undefined) ?? []).length}]` : '';
        value = this.message(messageOf(field), stop, fieldPath + index);
      } else value = this.scalar(field, kind, expected, end, fieldPath);
      if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
      else out[field.name] = value;
    }
    for (const field of index.ordered) {
      if (field.required && !Object.hasOwn(out, field.name)) {
        this.fail(end, atPath(path, `missing required field "${field.name}"`));
      }
    }
    return out;
  }

  private scalar(field: Field, kind: Exclude<FieldKind, 'message'>, wire: number, end: number, path: string): unknown {
    const at = this.pos;
    const fail: Fail = (detail) => this.fail(at, `${path}: ${detail}`);
    switch (kind) {
      case 'string': {
        const stop = this.delimited(end, path);
        const text = decodeUtf8(this.bytes.subarray(this.pos, stop));
        if (text === undefined) fail('string is not valid UTF-8');
        this.pos = stop;
        return text;
      }
      case 'float':
        return wire === I64
          ? this.view.getFloat64(this.fixed(8, end, path), true)
          : this.view.getFloat32(this.fixed(4, end, path), true);
      case 'bool':
        return this.varint(end, path) !== 0n;
      case 'enum':
        return enumName(enumOf(field)!, BigInt.asIntN(32, this.varint(end, path)), fail);
      case 'integer':
        return checkInteger(field, this.integer(field, end, path), fail);
    }
  }

  private integer(field: Field, end: number, path: string): bigint {
    switch (field.type) {
      case 'fixed64':
        return this.view.getBigUint64(this.fixed(8, end, path), true);
      case 'sfixed64':
        return this.view.getBigInt64(this.fixed(8, end, path), true);
      case 'fixed32':
        return BigInt(this.view.getUint32(this.fixed(4, end, path), true));
      case 'sfixed32':
        return BigInt(this.view.getInt32(this.fixed(4, end, path), true));
    }
    const raw = this.varint(end, path);
    switch (field.type) {
      case 'int32':
        return BigInt.asIntN(32, raw);
      case 'uint32':
        return BigInt.asUintN(32, raw);
      case 'sint32':
        return zigzag(BigInt.asUintN(32, raw));
      case 'sint64':
        return zigzag(raw);
      case 'int64':
        return BigInt.asIntN(64, raw);
      default:
        return raw;
    }
  }
}

/** Decodes binary protobuf into a plain object; anything malformed is INVALID_ARGUMENT with its byte offset. */
export function parseBinary<T>(name: MessageName, bytes: Uint8Array): T {
  checkSize(name, bytes.length);
  return new BinaryDecoder(name, bytes).message(messageType(name), bytes.length, '') as T;
}

/** A growing byte buffer. */
class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  /** Makes room for `n` more bytes and returns where they go. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += n;
    return at;
  }

  private byte(b: number): void {
    const at = this.reserve(1);
    this.buf[at] = b;
  }

  /** A non-negative integer up to 2^53 as a varint. */
  varint(n: number): void {
    for (; n > 0x7f; n = Math.floor(n / 0x80)) this.byte((n % 0x80) | 0x80);
    this.byte(n);
  }

  /** A signed integer as its 64-bit two's complement varint: ten bytes when negative. */
  signed(n: number): void {
    if (n >= 0) this.varint(n);
    else this.bigVarint(BigInt.asUintN(64, BigInt(n)));
  }

  bigVarint(n: bigint): void {
    for (; n > 0x7fn; n >>= 7n) this.byte(Number(n & 0x7fn) | 0x80);
    this.byte(Number(n));
  }

  tag(id: number, wire: number): void {
    this.varint(id * 8 + wire);
  }

  fixed32(n: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, n >>> 0, true);
  }

  fixed64(n: number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(n)), true);
  }

  float(n: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, n, true);
  }

  double(n: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, n, true);
  }

  /** Length-prefixed bytes. */
  delimited(bytes: Uint8Array): void {
    this.varint(bytes.length);
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** The value a field without presence does not write (protobufjs compares -0.0 as set). */
function isDefault(field: Field, kind: FieldKind, value: unknown): boolean {
  if (kind === 'float') return Object.is(value, 0);
  if (kind === 'enum') {
    const e = enumOf(field)!;
    return e.values.get(value as string) === e.values.values().next().value;
  }
  return value === 0 || value === false || value === '';
}

function writeValue(w: Writer, field: Field, kind: FieldKind, value: unknown): void {
  switch (kind) {
    case 'message':
      w.delimited(encodeMessage(messageOf(field), value as Message));
      return;
    case 'string':
      w.delimited(Buffer.from(value as string, 'utf8'));
      return;
    case 'bool':
      w.varint(value ? 1 : 0);
      return;
    case 'enum':
      w.signed(enumOf(field)!.values.get(value as string)!);
      return;
    case 'float':
      if (field.type === 'double') w.double(value as number);
      else w.float(value as number);
      return;
  }
  const n = value as number;
  switch (field.type) {
    case 'sint32':
    case 'sint64': {
      const big = BigInt(n);
      w.bigVarint(big < 0n ? -big * 2n - 1n : big * 2n);
      return;
    }
    case 'fixed32':
    case 'sfixed32':
      w.fixed32(n);
      return;
    case 'fixed64':
    case 'sfixed64':
      w.fixed64(n);
      return;
    default:
      w.signed(n);
  }
}

/** Encodes a normalized message (plain.ts) of `type`. */
export function encodeMessage(type: MessageType, message: Message): Uint8Array {
  const w = new Writer();
  for (const field of fieldIndex(type).ordered) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const kind = fieldKind(field);
    if (field.implicit && isDefault(field, kind, value)) continue;
    if (!field.repeated) {
      w.tag(field.id, wireType(field, kind));
      writeValue(w, field, kind, value);
    } else if (field.packed) {
      const run = new Writer();
      for (const item of value as unknown[]) writeValue(run, field, kind, item);
      w.tag(field.id, LEN);
      w.delimited(run.finish());
    } else {
      for (const item of value as unknown[]) {
        w.tag(field.id, wireType(field, kind));
        writeValue(w, field, kind, item);
      }
    }
  }
  return w.finish();
}

/** Encodes `obj` (checked against the schema first) as binary protobuf. */
export function encodeBinary(name: MessageName, obj: unknown): Uint8Array {
  const type = messageType(name);
  return encodeMessage(type, normalizeMessage(name, type, obj));
}
