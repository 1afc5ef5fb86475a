/**
 * The codec's own schema model, text printer and binary encoder against protobufjs, which
 * they replaced at run time (issue #2): the same reflection, and byte-identical output for
 * generated messages of lmctfy's schema and of test schemas that use every field type,
 * proto2, proto3 and editions packing and presence, enums with negative and aliased values
 * and protobufjs's name lookups. protobufjs is still what the build compiles the schema with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import textformat from 'protobufjs/ext/textformat.js';
import { describe, expect, it } from 'vitest';
import { LmctfyError } from '../../src/engine/errors.js';
import { encodeMessage } from '../../src/messages/binary.js';
import { encodeBinary, formatText, MESSAGE_NAMES, type MessageName } from '../../src/messages/codec.js';
import { normalizeMessage } from '../../src/messages/plain.js';
import { buildSchema, type MessageType, type Schema } from '../../src/messages/reflection.js';
import { findProtoDir, isReserved, messageType, schema } from '../../src/messages/schema.js';
import { schemaFromText, schemaText } from '../../src/messages/schema-form.js';
import { messageText } from '../../src/messages/text.js';

type Message = Record<string, unknown>;

/** A protobufjs root as dist/ used to load one: parsed, written as JSON, revived from it. */
function protobufjsRoot(files: string[]): { root: protobuf.Root; json: protobuf.INamespace } {
  const parsed = new protobuf.Root();
  for (const text of files) protobuf.parse(text, parsed, { keepCase: true });
  parsed.resolveAll();
  const json = parsed.toJSON();
  const root = protobuf.Root.fromJSON(json);
  root.resolveAll();
  return { root, json };
}

/** What protobufjs printed and encoded for a normalized message (the codec before issue #2). */
function reference(type: protobuf.Type, message: Message): { text: string; bytes: Uint8Array } {
  return { text: textformat.toText(type, message), bytes: Uint8Array.from(type.encode(type.fromObject(message)).finish()) };
}

const lmctfy = protobufjsRoot(['lmctfy.proto', 'config.proto'].map((f) => fs.readFileSync(path.join(findProtoDir(path.dirname(fileURLToPath(import.meta.url))), f), 'utf8')));

const SCALARS = ['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string'];
const scalarFields = (prefix: string, first: number, label: string, options = '') =>
  SCALARS.map((t, i) => `${label} ${t} ${prefix}_${t} = ${first + i}${options};`).join('\n  ');

const PROTO2 = `
syntax = "proto2";
package eq.two;
enum Sign { ZERO = 0; MINUS_ONE = -1; MIN = -2147483648; MAX = 2147483647; }
enum Alias { option allow_alias = true; FIRST = 1; SAME = 1; OTHER = 2; }
message Every {
  ${scalarFields('o', 1, 'optional')}
  ${scalarFields('r', 20, 'repeated')}
  ${scalarFields('p', 40, 'repeated', ' [packed = true]')}
  optional Sign sign = 60;
  repeated Sign signs = 61;
  repeated Sign packed_signs = 62 [packed = true];
  optional Alias alias = 63;
  message Inner { optional int32 x = 1; optional Inner2 deep = 2; message Inner2 { optional string s = 1; } }
  optional Inner inner = 70;
  repeated Inner inners = 71;
  message Empty {}
  optional Empty empty = 72;
  required sint64 needed = 536870911;
  reserved 80 to 90, 100;
  reserved "gone";
}
`;

const PROTO3 = `
syntax = "proto3";
package eq.three;
enum Level { LEVEL_ZERO = 0; LEVEL_ONE = 1; LEVEL_NEG = -5; }
// protoc wants 0 first; protobufjs takes the first value as the default whatever it is.
enum Odd { ODD_ONE = 1; ODD_ZERO = 0; }
message Every {
  ${scalarFields('i', 1, '')}
  ${scalarFields('o', 20, 'optional')}
  ${scalarFields('r', 40, 'repeated')}
  ${scalarFields('u', 60, 'repeated', ' [packed = false]')}
  Level level = 80;
  repeated Level levels = 81;
  oneof choice { int64 chosen_number = 82; string chosen_text = 83; Level chosen_level = 84; }
  Every.Sub sub = 85;
  message Sub { double d = 1; repeated string names = 2; }
  string camel_case_name = 86 [json_name = "customJson"];
  Odd odd = 87;
}
`;

const EDITION = `
edition = "2023";
package eq.ed;
option features.field_presence = IMPLICIT;
message Every {
  ${scalarFields('i', 1, '')}
  repeated int64 packed_by_default = 20;
  repeated int64 expanded = 21 [features.repeated_field_encoding = EXPANDED];
  int32 explicit = 22 [features.field_presence = EXPLICIT];
  int32 required_one = 23 [features.field_presence = LEGACY_REQUIRED];
  message Nested { option features.repeated_field_encoding = EXPANDED; repeated sint32 values = 1; int32 zero = 2; }
  Nested nested = 24;
}
`;

/** Type names protobufjs resolves its own way: relative, qualified, absolute, and by searching nested scopes. */
const NAMES = `
syntax = "proto2";
package eq.names;
message Inner2 { optional int32 outer = 1; }
message Outer {
  message Inner { optional int32 x = 1; }
  enum Kind { A = 1; B = 2; }
  optional Inner relative = 1;
  optional Outer.Inner qualified = 2;
  optional .eq.names.Outer.Kind absolute = 3;
  optional Leaf found_in_sibling = 4;
  optional Inner2 found_below = 5;
  optional eq.two.Sign other_package = 6;
  message Mid { message Inner2 { optional bool nested = 1; } }
  message Scope { message Kind { optional bool shadowing = 1; } optional Kind kind = 1; }
  optional Scope scope = 7;
}
message Holder { message Leaf { optional string s = 1; } }
`;

const synthetic = protobufjsRoot([PROTO2, PROTO3, EDITION, NAMES]);
const syntheticSchema = buildSchema(synthetic.json);

const MAX = Number.MAX_SAFE_INTEGER;
const int32 = fc.oneof(fc.constantFrom(0, -1, 1, -(2 ** 31), 2 ** 31 - 1, 127, 128, -128), fc.integer());
const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const int64 = fc.oneof(fc.constantFrom(0, -1, 1, -MAX, MAX, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1), fc.maxSafeInteger());
const uint64 = fc.oneof(fc.constantFrom(0, 1, MAX, 2 ** 32, 2 ** 32 - 1, 2 ** 53 - 2), fc.maxSafeNat());
const floating = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1.5, 1e300, 5e-324, 0.1), fc.double(), fc.float());
const text = fc.oneof(
  fc.constantFrom('', '\t\n\r"\\\'?', '\u0000\u0001\u001f\u007f', 'é', '\u{1F600}', '\u2028', 'a b', '#not a comment'),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
);
const ARBITRARIES: Record<string, fc.Arbitrary<unknown>> = {
  double: floating,
  float: floating,
  int32,
  sint32: int32,
  sfixed32: int32,
  uint32,
  fixed32: uint32,
  int64,
  sint64: int64,
  sfixed64: int64,
  uint64,
  fixed64: uint64,
  bool: fc.boolean(),
  string: text,
};

/** Normalized messages of `type`: any subset of its fields, lists non-empty, required fields set. */
function messages(type: MessageType): fc.Arbitrary<Message> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fields) {
    const resolved = f.resolvedType;
    const value =
      resolved?.kind === 'message' ? messages(resolved) : resolved?.kind === 'enum' ? fc.constantFrom(...resolved.values.keys()) : ARBITRARIES[f.type]!;
    model[f.name] = f.repeated ? fc.array(value, { minLength: 1, maxLength: 4 }) : value;
  }
  return fc.record(model, { requiredKeys: type.fields.filter((f) => f.required).map((f) => f.name) });
}

function allMessages(s: Schema): MessageType[] {
  return [...s.messages.values()];
}

describe('the schema model reflects what protobufjs does', () => {
  it.each<[string, Schema, protobuf.Root]>([
    ['lmctfy', schema(), lmctfy.root],
    ['the test schemas', syntheticSchema, synthetic.root],
  ])('%s: fields, their types, packing, presence and reserved names', (_label, ours, root) => {
    expect(allMessages(ours).length).toBeGreaterThan(5);
    for (const type of allMessages(ours)) {
      const theirs = root.lookupType(type.fullName);
      expect(type.fields.map((f) => f.name)).toEqual(theirs.fieldsArray.map((f) => f.name));
      for (const f of type.fields) {
        const t = theirs.fields[f.name]!.resolve();
        const packable = t.resolvedType instanceof protobuf.Enum || (t.resolvedType === null && !['string', 'bytes'].includes(t.type));
        const hasPresence = Boolean(t.hasPresence) || t.required || t.resolvedType instanceof protobuf.Type;
        const ourView = [f.id, f.type, f.repeated, f.required, f.packed, f.implicit, f.jsonName, f.fullName, f.resolvedType?.fullName];
        const theirView = [t.id, t.type, t.repeated, t.required, t.repeated && t.packed && packable, !t.repeated && !hasPresence, t.jsonName];
        expect(ourView, f.fullName).toEqual([...theirView, t.fullName.slice(1), t.resolvedType?.fullName.slice(1)]);
      }
      for (const id of [1, 4, 80, 85, 90, 91, 100]) expect(isReserved(type, id), `${type.fullName} ${id}`).toBe(theirs.isReservedId(id));
      for (const name of ['gone', 'console', 'numa', 'x']) expect(isReserved(type, name), `${type.fullName} ${name}`).toBe(theirs.isReservedName(name));
    }
    for (const e of ours.enums.values()) {
      const theirs = root.lookupEnum(e.fullName);
      expect(Object.fromEntries(e.values)).toEqual({ ...theirs.values });
      expect(Object.fromEntries(e.valuesById)).toEqual({ ...theirs.valuesById });
    }
  });

  it('resolves type names as protobufjs does, nested-scope search included', () => {
    const outer = syntheticSchema.messages.get('eq.names.Outer')!;
    const resolved = Object.fromEntries(outer.fields.map((f) => [f.name, f.resolvedType?.fullName]));
    expect(resolved).toEqual({
      relative: 'eq.names.Outer.Inner',
      qualified: 'eq.names.Outer.Inner',
      absolute: 'eq.names.Outer.Kind',
      found_in_sibling: 'eq.names.Holder.Leaf',
      found_below: 'eq.names.Outer.Mid.Inner2',
      other_package: 'eq.two.Sign',
      scope: 'eq.names.Outer.Scope',
    });
    expect(syntheticSchema.messages.get('eq.names.Outer.Scope')!.fields[0]!.resolvedType?.fullName).toBe('eq.names.Outer.Scope.Kind');
  });
});

describe('the schema the CLI loads', () => {
  const built = path.resolve('dist/schema.json');
  const view = (sch: Schema) => ({
    messages: [...sch.messages.values()].map((m) => [m.fullName, m.name, [...m.reservedNames], m.reservedRanges, m.fields.map((f) => [f.name, f.fullName, f.id, f.type, f.repeated, f.required, f.packed, f.implicit, f.jsonName, f.resolvedType?.fullName])]),
    enums: [...sch.enums.values()].map((e) => [e.fullName, e.name, [...e.values], [...e.valuesById]]),
  });
  // npm test builds first; a bare vitest run without dist/ has nothing to compare.
  it.skipIf(!fs.existsSync(built))('dist/schema.json gives the model the .proto files give', () => {
    expect(view(schemaFromText(fs.readFileSync(built, 'utf8'))!)).toEqual(view(schema()));
  });

  it('the written form gives back the model it was written from: every flag, alias, reserved range and lookup of the test schemas', () => {
    const back = schemaFromText(schemaText(syntheticSchema))!;
    expect(view(back)).toEqual(view(syntheticSchema));
    // Resolved types are the revived objects themselves, not copies.
    const outer = back.messages.get('eq.names.Outer')!;
    expect(outer.fields.find((f) => f.name === 'relative')!.resolvedType).toBe(back.messages.get('eq.names.Outer.Inner'));
    expect(outer.fields.find((f) => f.name === 'absolute')!.resolvedType).toBe(back.enums.get('eq.names.Outer.Kind'));
    expect(back.messages.get('eq.names.Outer.Kind')).toBeUndefined();
    expect(back.enums.get('eq.names.Outer')).toBeUndefined();
    expect(back.messages.get('eq.names')).toBeUndefined();
  });

  it('writing fails on a model its text cannot give back (a name that is not the last part of its full name)', () => {
    const odd: MessageType = { kind: 'message', name: 'Other', fullName: 'eq.Odd', fields: [], reservedNames: new Set(), reservedRanges: [] };
    expect(() => schemaText({ messages: new Map([[odd.fullName, odd]]), enums: new Map() })).toThrow(/does not give back the model/);
  });

  /** The written text with the line of `fullName` passed through `edit`. */
  function editLine(fullName: string, edit: (line: string) => string): string {
    return schemaText(syntheticSchema)
      .split('\n')
      .map((line) => (line.startsWith(`["m",${JSON.stringify(fullName)},`) ? edit(line) : line))
      .join('\n');
  }

  it.each<[string, string, RegExp]>([
    ['names a type it does not hold', editLine('eq.names.Outer', (l) => l.replace('"eq.names.Outer.Inner"', '"eq.names.Nowhere"')), /eq\.names\.Outer\.relative names "eq\.names\.Nowhere"/],
    ['names an enum as a message', editLine('eq.names.Outer', (l) => l.replace('"eq.names.Outer.Kind"', '"eq.names.Outer.Inner"')), /eq\.names\.Outer\.absolute names "eq\.names\.Outer\.Inner"/],
    ['is not JSON', editLine('eq.names.Outer', (l) => l.slice(0, -1)), /schema form: the line of eq\.names\.Outer is not JSON/],
  ])('a line that %s is an internal error when its message is first read, the others still read', (_label, text, error) => {
    const back = schemaFromText(text)!;
    expect(back.messages.get('eq.names.Outer.Inner')!.fields.length).toBeGreaterThan(0);
    const outer = back.messages.get('eq.names.Outer')!;
    expect(outer.name).toBe('Outer');
    expect(() => outer.fields).toThrow(error);
    expect(() => outer.fields).toThrow(LmctfyError);
  });

  it.each<[string, string]>([
    ['another version', schemaText(syntheticSchema).replace(/^\{"version":2\}/, '{"version":3}')],
    ['the first version (one JSON object, no line break)', JSON.stringify({ version: 1, enums: [], messages: [] })],
    ['a first line that is not an object', `[2]\n${schemaText(syntheticSchema).split('\n').slice(1).join('\n')}`],
  ])('a text of %s is not used', (_label, text) => {
    expect(schemaFromText(text)).toBeUndefined();
  });

  it('a first line that is not JSON is an internal error', () => {
    expect(() => schemaFromText(`{"version":\n${schemaText(syntheticSchema)}`)).toThrow(/schema form: its first line is not JSON/);
  });
});

describe('printing and encoding: the same bytes as protobufjs', () => {
  it.each<[string, MessageName, Message, string, string]>([
    ['negative int32 as 10 bytes', 'MemorySpec', { eviction_priority: -1 }, 'eviction_priority: -1', '08 ff ff ff ff ff ff ff ff ff 01'],
    ['the largest int64 lmctfy takes', 'MemorySpec', { limit: -MAX }, `limit: -${MAX}`, '10 81 80 80 80 80 80 80 f0 ff 01'],
    ['escapes and UTF-8 as octal', 'MemorySpec', { hugetlbfs_path: 'a"\\\n\té\u0001' }, 'hugetlbfs_path: "a\\"\\\\\\n\\t\\303\\251\\001"', '2a 08 61 22 5c 0a 09 c3 a9 01'],
    ['doubles: nan, -0, inf', 'PressureStats', { cpu: { some: { avg10: NaN, avg60: -0, avg300: -Infinity } } },
      'cpu {\n  some {\n    avg10: nan\n    avg60: -0\n    avg300: -inf\n  }\n}',
      '0a 1d 0a 1b 09 00 00 00 00 00 00 f8 7f 11 00 00 00 00 00 00 00 80 19 00 00 00 00 00 00 f0 ff'],
    ['repeated enums, unpacked', 'CgroupMount', { hierarchy: ['CGROUP_CPU', 'CGROUP_UNIFIED'] }, 'hierarchy: CGROUP_CPU\nhierarchy: CGROUP_UNIFIED', '10 01 10 65'],
    ['empty nested message', 'EventSpec', { oom: {} }, 'oom {\n}', '0a 00'],
  ])('%s', (_label, name, message, textOut, hexOut) => {
    const theirs = reference(lmctfy.root.lookupType(messageType(name).fullName), normalizeMessage(name, messageType(name), message));
    const bytes = Buffer.from(hexOut.replaceAll(' ', ''), 'hex');
    expect([theirs.text, Buffer.from(theirs.bytes)]).toEqual([textOut, bytes]);
    expect([formatText(name, message), Buffer.from(encodeBinary(name, message))]).toEqual([`${textOut}\n`, bytes]);
  });

  it.each(MESSAGE_NAMES)('%s: generated messages', (name) => {
    const type = messageType(name);
    const theirType = lmctfy.root.lookupType(type.fullName);
    fc.assert(
      fc.property(messages(type), (message) => {
        const theirs = reference(theirType, normalizeMessage(name, type, message));
        expect(formatText(name, message)).toBe(theirs.text ? `${theirs.text}\n` : '');
        expect(encodeBinary(name, message)).toEqual(theirs.bytes);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['eq.two.Every', 'eq.three.Every', 'eq.ed.Every', 'eq.names.Outer'])('%s: every field type, generated', (fullName) => {
    const type = syntheticSchema.messages.get(fullName)!;
    const theirType = synthetic.root.lookupType(fullName);
    fc.assert(
      fc.property(messages(type), (message) => {
        const theirs = reference(theirType, message);
        expect(messageText(type, message)).toBe(theirs.text);
        expect(encodeMessage(type, message)).toEqual(theirs.bytes);
      }),
      { numRuns: 500 },
    );
  });
});
