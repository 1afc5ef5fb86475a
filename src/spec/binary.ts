/**
 * Binary protobuf (`-c file`, `-b` output). Encoding is protobufjs's; decoding walks the
 * wire format against the schema itself so that every problem names the byte offset and
 * the field: unknown or reserved field numbers, wire types that do not fit, truncation,
 * duplicated singular fields, values out of range, invalid UTF-8, missing required fields.
 */
import type { Field, Type } from 'protobufjs';
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

  message(type: Type, end: number, path: string): Message {
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

/** Encodes `obj` (checked against the schema first) as binary protobuf. */
export function encodeBinary(name: MessageName, obj: unknown): Uint8Array {
  const type = messageType(name);
  const message = type.fromObject(normalizeMessage(name, type, obj));
  return Uint8Array.from(type.encode(message).finish());
}
