/**
 * The schema as the build writes it to dist/schema.json: reflection.ts's model already
 * resolved (every field's flags, JSON name and type worked out), in arrays, so a command
 * that reads a spec only links objects. Building the model from protobufjs's descriptor at
 * every `create` cost 13 M instructions (a third of what `create` adds to a bare Node
 * start: BENCHMARKS.md section 5); reviving this form costs a small part of that.
 * The format is described in docs/SCHEMA-FORM.md.
 */
import { Code, LmctfyError } from '../engine/errors.js';
import type { EnumType, Field, MessageType, Schema } from './reflection.js';

/** Bumped whenever the layout below changes: a reader meeting another version ignores the file. */
export const SCHEMA_FORM_VERSION = 1;

const REPEATED = 1;
const REQUIRED = 2;
const PACKED = 4;
const IMPLICIT = 8;

/** [name, id, type, flags, resolved type's full name or "", JSON name when it is not `name`]. */
type FieldForm = [string, number, string, number, string, string?];
/** [full name, name, fields, reserved names, reserved ranges]. */
type MessageForm = [string, string, FieldForm[], string[], Array<[number, number]>];
/** [full name, name, [value name, number] in declaration order]. */
type EnumForm = [string, string, Array<[string, number]>];

export interface SchemaForm {
  version: number;
  enums: EnumForm[];
  messages: MessageForm[];
}

export function schemaForm(schema: Schema): SchemaForm {
  const enums = [...schema.enums.values()].map((e): EnumForm => [e.fullName, e.name, [...e.values]]);
  const messages = [...schema.messages.values()].map((m): MessageForm => [
    m.fullName,
    m.name,
    m.fields.map((f) => {
      const flags = (f.repeated ? REPEATED : 0) | (f.required ? REQUIRED : 0) | (f.packed ? PACKED : 0) | (f.implicit ? IMPLICIT : 0);
      const form: FieldForm = [f.name, f.id, f.type, flags, f.resolvedType?.fullName ?? ''];
      if (f.jsonName !== f.name) form.push(f.jsonName);
      return form;
    }),
    [...m.reservedNames],
    m.reservedRanges,
  ]);
  return { version: SCHEMA_FORM_VERSION, enums, messages };
}

/**
 * The model a SchemaForm describes; undefined when it is of another version. Plain indexed
 * loops, no destructuring: this runs once per command, in V8's interpreter, where
 * destructuring an array walks its iterator (four times the instructions).
 */
export function schemaFromForm(form: SchemaForm): Schema | undefined {
  if (form.version !== SCHEMA_FORM_VERSION) return undefined;
  const schema: Schema = { messages: new Map(), enums: new Map() };
  for (let i = 0; i < form.enums.length; i++) {
    const [fullName, name, pairs] = form.enums[i]!;
    const values = new Map<string, number>();
    const valuesById = new Map<number, string>();
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[k]!;
      values.set(pair[0], pair[1]);
      if (!valuesById.has(pair[1])) valuesById.set(pair[1], pair[0]);
    }
    const e: EnumType = { kind: 'enum', name, fullName, values, valuesById };
    schema.enums.set(fullName, e);
  }
  for (let i = 0; i < form.messages.length; i++) {
    const m = form.messages[i]!;
    const message = new FormMessage(schema, m);
    schema.messages.set(m[0], message);
  }
  return schema;
}

function linkFields(schema: Schema, m: MessageForm): Field[] {
  const fields: Field[] = [];
  for (let k = 0; k < m[2].length; k++) {
    const f = m[2][k]!;
    const resolved = f[4];
    const resolvedType = resolved === '' ? undefined : (schema.messages.get(resolved) ?? schema.enums.get(resolved));
    if (resolved !== '' && !resolvedType) throw new LmctfyError(Code.INTERNAL, `schema: ${m[0]}.${f[0]} names "${resolved}", which the schema does not hold`);
    fields.push({
      name: f[0],
      id: f[1],
      type: f[2],
      repeated: (f[3] & REPEATED) !== 0,
      required: (f[3] & REQUIRED) !== 0,
      packed: (f[3] & PACKED) !== 0,
      implicit: (f[3] & IMPLICIT) !== 0,
      jsonName: f[5] ?? f[0],
      fullName: `${m[0]}.${f[0]}`,
      resolvedType,
    });
  }
  return fields;
}

/**
 * A message whose fields are linked on first use: a command reads a few of the schema's
 * messages (a `create` of cpu and memory 3 of 65), and linking them all was a third of the
 * schema's part of its start.
 */
class FormMessage implements MessageType {
  readonly kind = 'message';
  readonly name: string;
  readonly fullName: string;
  readonly reservedNames: Set<string>;
  readonly reservedRanges: Array<[number, number]>;
  #linked: Field[] | undefined;
  constructor(
    private readonly schema: Schema,
    private readonly form: MessageForm,
  ) {
    this.name = form[1];
    this.fullName = form[0];
    this.reservedNames = new Set(form[3]);
    this.reservedRanges = form[4];
  }
  get fields(): Field[] {
    return (this.#linked ??= linkFields(this.schema, this.form));
  }
}
