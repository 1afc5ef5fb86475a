/**
 * Properties of the codec over generated input: nothing a user can type or pipe in makes
 * it throw anything but INVALID_ARGUMENT with a position, and every valid message survives
 * each format's round trip. FUZZ_RUNS overrides the number of runs (default 1,000).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import {
  encodeBinary,
  formatJson,
  formatText,
  MESSAGE_NAMES,
  parseBinary,
  parseJson,
  parseSpecInput,
  parseText,
  type MessageName,
} from '../../src/messages/codec.js';
import type { MessageType } from '../../src/messages/reflection.js';
import { messageType, schema } from '../../src/messages/schema.js';
import { fullContainerSpec, fullContainerStats } from '../fixtures/spec/messages.js';

const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const property = { numRuns: runs };
/** Per-test budget that grows with FUZZ_RUNS (the slowest property needs ≈0.5 ms a run). */
const timeout = Math.max(30_000, runs * 3);

/** Runs `fn`; a throw must be INVALID_ARGUMENT whose message matches `where` (the position). */
function failsOnlyAsInvalid(fn: () => unknown, where: RegExp): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof LmctfyError) || e.code !== Code.INVALID_ARGUMENT) throw e;
    expect(e.message).toMatch(where);
  }
}

const TEXT_WHERE = /^\w+: (line \d+, column \d+|input is \d+ bytes)/;
const BINARY_WHERE = /^\w+: (byte offset \d+|input is \d+ bytes)/;
const ANY_WHERE = /^\w+: /;

const messageName = fc.constantFrom(...MESSAGE_NAMES);
/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: codeUnit }), fc.string({ unit: 'binary-ascii' }));

function allNames(): { fields: string[]; enums: string[] } {
  const fields = new Set<string>();
  const enums = new Set<string>();
  for (const type of schema().messages.values()) for (const f of type.fields) fields.add(f.name);
  for (const e of schema().enums.values()) for (const v of e.values.keys()) enums.add(v);
  return { fields: [...fields], enums: [...enums] };
}

const names = allNames();

/** Text-format-shaped noise: real field and enum names, numbers, strings, punctuation. */
const textToken = fc.oneof(
  fc.constantFrom(...names.fields),
  fc.constantFrom(...names.enums),
  fc.constantFrom('{', '}', '<', '>', ':', '[', ']', ',', ';', '-', '#c\n', '\n', ' ', 'true', 'inf', 'nan', '"', "'", '\\'),
  fc.constantFrom('0', '-1', '0x1F', '017', '09', '1.5', '.5e3', '2f', '1e', '9007199254740993', '18446744073709551616', '99999999999999999999999999999999999999999999'),
  fc.string({ unit: codeUnit, maxLength: 4 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\xff"', '"\\u00e9"', '"\\ud800"', '"\\U0010ffff"', '"\\777"', '"a" "b"'),
);
const textish = fc.array(textToken, { maxLength: 40 }).map((tokens) => tokens.join(' '));

/** JSON-shaped noise: objects keyed by real field names, any JSON values inside. */
const jsonish = fc
  .anything({
    key: fc.oneof(fc.constantFrom(...names.fields), fc.string()),
    values: [fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constantFrom(...names.enums), fc.bigInt()],
    maxDepth: 6,
  })
  .map((v) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? JSON.parse(x.toString()) : x)) ?? '');

describe('no input throws anything but INVALID_ARGUMENT with a position', () => {
  it('arbitrary strings as text format', () => {
    fc.assert(fc.property(messageName, anyString, (name, s) => failsOnlyAsInvalid(() => parseText(name, s), TEXT_WHERE)), property);
  }, timeout);

  it('text-format-shaped strings', () => {
    fc.assert(fc.property(messageName, textish, (name, s) => failsOnlyAsInvalid(() => parseText(name, s), TEXT_WHERE)), property);
  }, timeout);

  it('arbitrary strings as JSON', () => {
    fc.assert(fc.property(messageName, anyString, (name, s) => failsOnlyAsInvalid(() => parseJson(name, s), TEXT_WHERE)), property);
  }, timeout);

  it('JSON-shaped strings', () => {
    fc.assert(fc.property(messageName, jsonish, (name, s) => failsOnlyAsInvalid(() => parseJson(name, s), TEXT_WHERE)), property);
  }, timeout);

  it('arbitrary bytes as binary', () => {
    fc.assert(
      fc.property(messageName, fc.uint8Array({ maxLength: 256 }), (name, b) => failsOnlyAsInvalid(() => parseBinary(name, b), BINARY_WHERE)),
      property,
    );
  }, timeout);

  it('arbitrary bytes and strings through auto-detection', () => {
    fc.assert(
      fc.property(messageName, fc.oneof(fc.uint8Array({ maxLength: 256 }), anyString), (name, input) =>
        failsOnlyAsInvalid(() => parseSpecInput(name, input), ANY_WHERE),
      ),
      property,
    );
  }, timeout);

  it('valid binary messages with bytes flipped, cut or inserted', () => {
    const valid = [encodeBinary('ContainerSpec', fullContainerSpec), encodeBinary('ContainerStats', fullContainerStats)];
    const mutation = fc.tuple(fc.constantFrom(0, 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(mutation, ([which, edits]) => {
        const bytes = [...valid[which]!];
        for (const [at, value, kind] of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'flip') bytes[i % bytes.length] = value;
          else if (kind === 'cut') bytes.length = i;
          else bytes.splice(i, 0, value);
        }
        const name: MessageName = which === 0 ? 'ContainerSpec' : 'ContainerStats';
        failsOnlyAsInvalid(() => parseBinary(name, Uint8Array.from(bytes)), BINARY_WHERE);
      }),
      property,
    );
  }, timeout);

  it('arbitrary values handed to the printers and the encoder', () => {
    fc.assert(
      fc.property(messageName, fc.anything({ key: fc.oneof(fc.constantFrom(...names.fields), fc.string()), maxDepth: 4 }), (name, value) => {
        failsOnlyAsInvalid(() => formatText(name, value), ANY_WHERE);
        failsOnlyAsInvalid(() => formatJson(name, value), ANY_WHERE);
        failsOnlyAsInvalid(() => encodeBinary(name, value), ANY_WHERE);
      }),
      property,
    );
  }, timeout);
});

const INTEGERS: Record<string, fc.Arbitrary<number>> = {
  int32: fc.integer(),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  int64: fc.maxSafeInteger(),
  uint64: fc.maxSafeNat(),
};

/** Valid plain objects of `type`: any subset of its fields, lists non-empty, required fields present. */
function validMessage(type: MessageType): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fields) {
    let value: fc.Arbitrary<unknown>;
    if (f.resolvedType?.kind === 'message') value = validMessage(f.resolvedType);
    else if (f.resolvedType?.kind === 'enum') value = fc.constantFrom(...f.resolvedType.values.keys());
    // JSON has no -0 (JSON.stringify prints 0), so a -0 could not survive that leg.
    else if (f.type === 'double') value = fc.double().map((x) => (Object.is(x, -0) ? 0 : x));
    else if (f.type === 'bool') value = fc.boolean();
    else if (f.type === 'string') value = fc.string({ unit: 'binary' });
    else value = INTEGERS[f.type]!;
    model[f.name] = f.repeated ? fc.array(value, { minLength: 1, maxLength: 3 }) : value;
  }
  const requiredKeys = type.fields.filter((f) => f.required).map((f) => f.name);
  return fc.record(model, { requiredKeys });
}

describe('every valid message survives each format', () => {
  it.each<MessageName>(['ContainerSpec', 'ContainerStats', 'EventSpec', 'RunSpec', 'InitSpec'])('%s', (name) => {
    fc.assert(
      fc.property(validMessage(messageType(name)), (obj) => {
        expect(parseText(name, formatText(name, obj))).toEqual(obj);
        expect(parseJson(name, formatJson(name, obj))).toEqual(obj);
        expect(parseBinary(name, encodeBinary(name, obj))).toEqual(obj);
      }),
      { numRuns: Math.max(1, Math.floor(runs / 5)) },
    );
  }, timeout);
});
