/**
 * Checks a plain JS value (a parsed JSON document, or an object handed to a printer)
 * against a message type and returns its normalized form: proto field names in number
 * order, enums by name, integers as safe JS numbers, empty lists and nulls dropped.
 * Accepts what ProtoJSON accepts as well: lowerCamelCase keys, integers as decimal
 * strings, enums by number, "NaN" / "Infinity" / "-Infinity" for floating point.
 */
import type { Field, MessageType } from './reflection.js';
import { enumOf, fieldIndex, isReserved, messageOf, type MessageName } from './schema.js';
import { atPath, childPath, specError } from './problem.js';
import { checkInteger, enumName, fieldKind, shown, type Fail } from './scalars.js';

type Message = Record<string, unknown>;

/** Where `holder[key]` (or, with no holder, the whole input) is, e.g. `line 2, column 5`; undefined when unknown. */
export type Locate = (holder: object | undefined, key: string | number | undefined, part: 'key' | 'value') => string | undefined;

const MAX_DECIMAL_DIGITS = 40;
/** Made on first use: building its Unicode set costs 1.5 M instructions, at every CLI start if done at load. */
let loneSurrogate: RegExp | undefined;
const FLOAT_WORDS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return `"${shown(v)}"`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return `a ${typeof v}`;
  }
}

function integerOf(v: unknown, fail: Fail): [bigint | undefined, string] {
  if (typeof v === 'bigint') return [v, String(v)];
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(`expected an integer, found ${v}`);
    return [BigInt(v), String(v)];
  }
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) {
    const digits = v.replace(/^-?0*(?=.)/, '');
    const magnitude = digits.length > MAX_DECIMAL_DIGITS ? undefined : BigInt(digits);
    return [magnitude === undefined || !v.startsWith('-') ? magnitude : -magnitude, v];
  }
  return fail(`expected an integer, found ${describeValue(v)}`);
}

class Normalizer {
  constructor(
    private readonly name: MessageName,
    private readonly locate: Locate,
  ) {}

  private fail(holder: object | undefined, key: string | number | undefined, part: 'key' | 'value', detail: string): never {
    throw specError(this.name, this.locate(holder, key, part), detail);
  }

  message(type: MessageType, value: unknown, path: string, holder?: object, key?: string | number): Message {
    if (!isObject(value)) this.fail(holder, key, 'value', atPath(path, `expected an object, found ${describeValue(value)}`));
    const index = fieldIndex(type);
    const keys = new Map<Field, string>();
    for (const k of Object.keys(value)) {
      if (value[k] === undefined) continue;
      const field = index.byJsonKey.get(k);
      if (!field) {
        const why = isReserved(type, k) ? `reserved field "${shown(k)}" is not supported by this lmctfy` : `unknown field "${shown(k)}"`;
        this.fail(value, k, 'key', atPath(path, why));
      }
      const prior = keys.get(field);
      if (prior !== undefined) this.fail(value, k, 'key', atPath(path, `field "${field.name}" given twice (as "${prior}" and "${k}")`));
      keys.set(field, k);
    }
    const out: Message = {};
    for (const field of index.ordered) {
      const k = keys.get(field);
      const v = k === undefined ? undefined : value[k];
      // ProtoJSON: null means absent.
      if (v === undefined || v === null) {
        if (field.required) this.fail(holder, key, 'value', atPath(path, `missing required field "${field.name}"`));
        continue;
      }
      const fieldPath = childPath(path, field.name);
      if (!field.repeated) {
        out[field.name] = this.single(field, v, fieldPath, value, k!);
        continue;
      }
      if (!Array.isArray(v)) this.fail(value, k, 'value', `${fieldPath}: expected a list, found ${describeValue(v)}`);
      if (v.length > 0) out[field.name] = v.map((item, i) => this.single(field, item, `${fieldPath}[${i}]`, v, i));
    }
    return out;
  }

  private single(field: Field, v: unknown, path: string, holder: object, key: string | number): unknown {
    const fail: Fail = (detail) => this.fail(holder, key, 'value', `${path}: ${detail}`);
    switch (fieldKind(field)) {
      case 'message':
        return this.message(messageOf(field), v, path, holder, key);
      case 'integer': {
        const [value, literal] = integerOf(v, fail);
        return checkInteger(field, value, fail, literal);
      }
      case 'float':
        if (typeof v === 'number') return v;
        // Big integral literals (JSON keeps them exact as bigint) are valid doubles too.
        if (typeof v === 'bigint') return Number(v);
        if (typeof v === 'string' && Object.hasOwn(FLOAT_WORDS, v)) return FLOAT_WORDS[v];
        return fail(`expected a number, found ${describeValue(v)}`);
      case 'bool':
        if (typeof v === 'boolean') return v;
        return fail(`expected true or false, found ${describeValue(v)}`);
      case 'string':
        if (typeof v !== 'string') fail(`expected a string, found ${describeValue(v)}`);
        if ((loneSurrogate ??= /\p{Cs}/u).test(v)) fail('string is not valid Unicode (unpaired surrogate)');
        return v;
      case 'enum': {
        const e = enumOf(field)!;
        if (typeof v === 'string') return enumName(e, v, fail);
        if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') return enumName(e, BigInt(v), fail);
        return fail(`expected a ${e.name} value, found ${describeValue(v)}`);
      }
    }
  }
}

/** Checks and normalizes `value` as a `type` message; problems are INVALID_ARGUMENT naming the field. */
export function normalizeMessage(name: MessageName, type: MessageType, value: unknown, locate: Locate = () => undefined): Message {
  return new Normalizer(name, locate).message(type, value, '');
}
