/**
 * Field kinds and the checks every input format shares: integer ranges (including the
 * 2^53 limit of JS numbers), unsigned fields, enum names.
 */
import { Code, LmctfyError } from '../engine/errors.js';
import type { EnumType, Field } from './reflection.js';
import { enumOf, isMessageField } from './schema.js';
import { hasHexPrefix, isOctalLiteral } from './text-chars.js';

/** Reports a problem with the value at hand; the caller knows where it is. */
export type Fail = (detail: string) => never;

export type FieldKind = 'message' | 'enum' | 'integer' | 'float' | 'bool' | 'string';

interface IntegerRange {
  min: bigint;
  max: bigint;
  unsigned: boolean;
}

const INT32: IntegerRange = { min: -(2n ** 31n), max: 2n ** 31n - 1n, unsigned: false };
const UINT32: IntegerRange = { min: 0n, max: 2n ** 32n - 1n, unsigned: true };
const INT64: IntegerRange = { min: -(2n ** 63n), max: 2n ** 63n - 1n, unsigned: false };
const UINT64: IntegerRange = { min: 0n, max: 2n ** 64n - 1n, unsigned: true };

const INTEGER_RANGES: Record<string, IntegerRange> = {
  int32: INT32,
  sint32: INT32,
  sfixed32: INT32,
  uint32: UINT32,
  fixed32: UINT32,
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Memory byte limits where the kernel's own "unlimited" reads as lmctfy's -1: v1's
 * memory.limit_in_bytes prints 2^63 − 4096 (the page counter's maximum) and takes up to
 * INT64_MAX, so a user pasting either gets what it means rather than a refusal.
 */
const KERNEL_UNLIMITED_BYTES = 2n ** 63n - 4096n;
const KERNEL_UNLIMITED_FIELDS = new Set(['limit', 'reservation', 'swap_limit'].map((f) => `containers.lmctfy.MemorySpec.${f}`));

/** Longest integer literal worth converting; anything longer is out of every range. */
const MAX_INTEGER_DIGITS = 40;

export function fieldKind(field: Field): FieldKind {
  if (isMessageField(field)) return 'message';
  if (enumOf(field)) return 'enum';
  if (Object.hasOwn(INTEGER_RANGES, field.type)) return 'integer';
  switch (field.type) {
    case 'double':
    case 'float':
      return 'float';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
  }
  // bytes, groups and maps have no use in lmctfy's schema; a schema change adding one
  // must extend the codec, not slip through it.
  throw new LmctfyError(Code.INTERNAL, `${field.fullName}: field type ${field.type} is not supported by the spec codec`);
}

/** Shortens a user-supplied literal for an error message. */
export function shown(text: string): string {
  const flat = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return flat.slice(1, -1);
}

/** Converts a checked integer literal token (decimal, 0x hex or 0 octal) to a bigint, or undefined if absurdly long. */
export function integerLiteral(text: string): bigint | undefined {
  let body = text;
  let prefix = '';
  if (hasHexPrefix(text)) {
    prefix = '0x';
    body = text.slice(2);
  } else if (isOctalLiteral(text)) {
    prefix = '0o';
    body = text.slice(1);
  }
  // Leading zeros off, one digit kept (the body is digits: no line break for `.` to miss).
  let zeros = 0;
  while (zeros < body.length - 1 && body.charCodeAt(zeros) === 48) zeros++;
  body = body.slice(zeros);
  if (body.length > MAX_INTEGER_DIGITS) return undefined;
  return BigInt(prefix + body);
}

/**
 * Range-checks an integer for the field's proto type and converts it to a JS number.
 * `value` undefined means a literal too long to be in any range; `literal` is how the
 * user wrote it, for the message.
 */
export function checkInteger(field: Field, value: bigint | undefined, fail: Fail, literal?: string): number {
  const range = INTEGER_RANGES[field.type]!;
  const text = shown(literal ?? String(value));
  const negative = value === undefined ? text.startsWith('-') : value < 0n;
  if (range.unsigned && negative) fail(`negative value ${text} for unsigned field (${field.type})`);
  if (value === undefined || value < range.min || value > range.max) fail(`value ${text} is out of range for ${field.type}`);
  if (value >= KERNEL_UNLIMITED_BYTES && KERNEL_UNLIMITED_FIELDS.has(field.fullName)) return -1;
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    fail(`value ${text} is beyond ±${Number.MAX_SAFE_INTEGER}, the largest integer lmctfy handles exactly`);
  }
  return Number(value);
}

function enumNames(e: EnumType): string {
  return [...e.values.keys()].join(', ');
}

/** The enum value's name, from a name or a number; unknown ones fail listing the valid names. */
export function enumName(e: EnumType, key: string | bigint, fail: Fail): string {
  if (typeof key === 'string') {
    if (e.values.has(key)) return key;
    fail(`unknown value "${shown(key)}" for ${e.name} (expected one of ${enumNames(e)})`);
  }
  const name = key >= -(2n ** 31n) && key < 2n ** 31n ? e.valuesById.get(Number(key)) : undefined;
  if (name === undefined) fail(`unknown value ${shown(String(key))} for ${e.name} (expected one of ${enumNames(e)})`);
  return name;
}
