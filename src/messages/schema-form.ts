/**
 * The schema as the build writes it to dist/schema.json: reflection.ts's model already
 * resolved (every field's flags, JSON name and type worked out), one message or enum a line,
 * so a command parses and links only what it reads. Building the model from protobufjs's
 * descriptor at every `create` cost 13 M instructions (BENCHMARKS.md section 5); parsing
 * the whole file, 0.8 M, where a `create` of cpu and memory reads 3 of its 65 messages.
 * The format is described in docs/SCHEMA-FORM.md.
 */
import { Code, LmctfyError } from '../engine/errors.js';
import type { EnumType, Field, MessageType, Schema, Table } from './reflection.js';

/** Bumped whenever the layout below changes: a reader meeting another version ignores the file. */
export const SCHEMA_FORM_VERSION = 2;

const REPEATED = 1;
const REQUIRED = 2;
const PACKED = 4;
const IMPLICIT = 8;
/** The resolved type is an enum (else a message). */
const ENUM = 16;

/** [name, id, type, flags, resolved type's full name or "", JSON name when it is not `name`]. */
type FieldForm = [string, number, string, number, string, string?];
/** ["m", full name, fields, reserved names, reserved ranges]. */
type MessageForm = ['m', string, FieldForm[], string[], Array<[number, number]>];
/** ["e", full name, [value name, number] in declaration order]. */
type EnumForm = ['e', string, Array<[string, number]>];

/**
 * The file's text: a first line `{"version":2}`, then a line per enum and one per message,
 * each a JSON array that starts with its kind and full name. Checked by reading it back: the
 * model read from the text must be the model written, or the build fails.
 */
export function schemaText(schema: Schema): string {
  const lines = [JSON.stringify({ version: SCHEMA_FORM_VERSION })];
  for (const e of schema.enums.values()) {
    const form: EnumForm = ['e', e.fullName, [...e.values]];
    lines.push(JSON.stringify(form));
  }
  for (const m of schema.messages.values()) {
    const fields = m.fields.map((f) => {
      const flags =
        (f.repeated ? REPEATED : 0) | (f.required ? REQUIRED : 0) | (f.packed ? PACKED : 0) | (f.implicit ? IMPLICIT : 0) | (f.resolvedType?.kind === 'enum' ? ENUM : 0);
      const form: FieldForm = [f.name, f.id, f.type, flags, f.resolvedType?.fullName ?? ''];
      if (f.jsonName !== f.name) form.push(f.jsonName);
      return form;
    });
    const form: MessageForm = ['m', m.fullName, fields, [...m.reservedNames], m.reservedRanges];
    lines.push(JSON.stringify(form));
  }
  const text = `${lines.join('\n')}\n`;
  const back = schemaFromText(text);
  if (!back || modelView(back) !== modelView(schema)) throw new LmctfyError(Code.INTERNAL, 'schema form: the text written does not give back the model it was written from');
  return text;
}

/** Everything a reader of the model can see, as one string. */
function modelView(schema: Schema): string {
  const messages = [...schema.messages.values()].map((m) => [
    m.fullName,
    m.name,
    [...m.reservedNames],
    m.reservedRanges,
    m.fields.map((f) => [f.name, f.fullName, f.id, f.type, f.repeated, f.required, f.packed, f.implicit, f.jsonName, f.resolvedType?.kind, f.resolvedType?.fullName]),
  ]);
  const enums = [...schema.enums.values()].map((e) => [e.fullName, e.name, [...e.values], [...e.valuesById]]);
  return JSON.stringify({ messages, enums });
}

/**
 * The model the text describes; undefined when it is of another version. Nothing is parsed
 * here beyond the first line: a message or enum is found (by its line's start) when first
 * named, and its line parsed when first read. A line that is not JSON is an internal error
 * when read.
 */
export function schemaFromText(text: string): Schema | undefined {
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  const head = parseLine(text, 0, end, 'its first line') as { version?: unknown } | null;
  if (head?.version !== SCHEMA_FORM_VERSION) return undefined;
  return new FormSchema(text);
}

function parseLine(text: string, from: number, to: number, what: string): unknown {
  try {
    return JSON.parse(text.slice(from, to));
  } catch (e) {
    throw new LmctfyError(Code.INTERNAL, `schema form: ${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
}

class FormSchema implements Schema {
  readonly messages: FormTable<FormMessage>;
  readonly enums: FormTable<FormEnum>;
  constructor(readonly text: string) {
    this.messages = new FormTable(this, 'm', (fullName, at) => new FormMessage(this, fullName, at));
    this.enums = new FormTable(this, 'e', (fullName, at) => new FormEnum(this, fullName, at));
  }

  /** The form on the line starting at `at`. */
  line(at: number, fullName: string): unknown {
    const end = this.text.indexOf('\n', at);
    return parseLine(this.text, at, end < 0 ? this.text.length : end, `the line of ${fullName}`);
  }
}

/** One kind's entries, each made once (a field's resolved type is the entry itself). */
class FormTable<T> implements Table<T> {
  readonly #made = new Map<string, T>();
  constructor(
    private readonly schema: FormSchema,
    private readonly kind: 'm' | 'e',
    private readonly make: (fullName: string, at: number) => T,
  ) {}

  get(fullName: string): T | undefined {
    let entry = this.#made.get(fullName);
    if (entry === undefined) {
      // JSON.stringify quotes the name as the writer did; a line break starts every line.
      const at = this.schema.text.indexOf(`\n["${this.kind}",${JSON.stringify(fullName)},`);
      if (at < 0) return undefined;
      entry = this.make(fullName, at + 1);
      this.#made.set(fullName, entry);
    }
    return entry;
  }

  /** Every entry in the order written: the whole text parsed, for the build's check and tests. */
  *values(): IterableIterator<T> {
    const text = this.schema.text;
    for (let at = text.indexOf('\n') + 1; at > 0 && at < text.length; at = text.indexOf('\n', at) + 1) {
      const form = this.schema.line(at, `the line at ${at}`) as [string, string];
      if (form[0] === this.kind) yield this.get(form[1])!;
    }
  }
}

/** The part of a full name after its last dot. */
function lastName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** A message whose line is parsed, and fields linked, when first read. */
class FormMessage implements MessageType {
  readonly kind = 'message';
  readonly name: string;
  #form: MessageForm | undefined;
  #fields: Field[] | undefined;
  #reservedNames: Set<string> | undefined;
  constructor(
    private readonly schema: FormSchema,
    readonly fullName: string,
    private readonly at: number,
  ) {
    this.name = lastName(fullName);
  }

  get fields(): Field[] {
    return (this.#fields ??= linkFields(this.schema, this.#read()));
  }

  get reservedNames(): Set<string> {
    return (this.#reservedNames ??= new Set(this.#read()[3]));
  }

  get reservedRanges(): Array<[number, number]> {
    return this.#read()[4];
  }

  #read(): MessageForm {
    return (this.#form ??= this.schema.line(this.at, this.fullName) as MessageForm);
  }
}

/** An enum whose line is parsed when its values are first read. */
class FormEnum implements EnumType {
  readonly kind = 'enum';
  readonly name: string;
  #values: Map<string, number> | undefined;
  #valuesById: Map<number, string> | undefined;
  constructor(
    private readonly schema: FormSchema,
    readonly fullName: string,
    private readonly at: number,
  ) {
    this.name = lastName(fullName);
  }

  get values(): Map<string, number> {
    if (!this.#values) this.#read();
    return this.#values!;
  }

  get valuesById(): Map<number, string> {
    if (!this.#valuesById) this.#read();
    return this.#valuesById!;
  }

  #read(): void {
    const pairs = (this.schema.line(this.at, this.fullName) as EnumForm)[2];
    const values = new Map<string, number>();
    const valuesById = new Map<number, string>();
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[k]!;
      values.set(pair[0], pair[1]);
      if (!valuesById.has(pair[1])) valuesById.set(pair[1], pair[0]);
    }
    this.#values = values;
    this.#valuesById = valuesById;
  }
}

/** Plain indexed loops, no destructuring: this runs in V8's interpreter, where destructuring walks an iterator. */
function linkFields(schema: FormSchema, m: MessageForm): Field[] {
  const fields: Field[] = [];
  for (let k = 0; k < m[2].length; k++) {
    const f = m[2][k]!;
    const resolved = f[4];
    const resolvedType = resolved === '' ? undefined : f[3] & ENUM ? schema.enums.get(resolved) : schema.messages.get(resolved);
    if (resolved !== '' && !resolvedType) throw new LmctfyError(Code.INTERNAL, `schema: ${m[1]}.${f[0]} names "${resolved}", which the schema does not hold`);
    fields.push({
      name: f[0],
      id: f[1],
      type: f[2],
      repeated: (f[3] & REPEATED) !== 0,
      required: (f[3] & REQUIRED) !== 0,
      packed: (f[3] & PACKED) !== 0,
      implicit: (f[3] & IMPLICIT) !== 0,
      jsonName: f[5] ?? f[0],
      fullName: `${m[1]}.${f[0]}`,
      resolvedType,
    });
  }
  return fields;
}
