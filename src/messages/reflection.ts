/**
 * The schema as the codec sees it: message types, their fields and enums, built from the
 * protobufjs JSON descriptor (`Root#toJSON()`) of the .proto files; the build writes the
 * result to dist/schema.json (schema-form.ts).
 * Building it takes a millisecond or two, where loading protobufjs and reviving the same
 * JSON with it took tens (issue #2). Names, editions and features resolve as protobufjs
 * resolves them, so the codec reads and writes exactly what it did on protobufjs.
 */
import { Code, LmctfyError } from '../engine/errors.js';

export interface EnumType {
  kind: 'enum';
  name: string;
  fullName: string;
  /** By name, in declaration order. */
  values: Map<string, number>;
  /** The first name declared for each number (aliases share one). */
  valuesById: Map<number, string>;
}

export interface MessageType {
  kind: 'message';
  name: string;
  fullName: string;
  /** In declaration order. */
  fields: Field[];
  reservedNames: Set<string>;
  /** Inclusive [from, to] ranges of reserved field numbers. */
  reservedRanges: Array<[number, number]>;
}

export interface Field {
  name: string;
  id: number;
  /** As the schema writes it: a scalar type, or the name of a message or enum. */
  type: string;
  repeated: boolean;
  required: boolean;
  /** A repeated scalar written as one length-delimited run. */
  packed: boolean;
  /** Without presence (proto3 singular scalars): the type's default value is not written. */
  implicit: boolean;
  jsonName: string;
  fullName: string;
  resolvedType: MessageType | EnumType | undefined;
}

/** Entries by full name; a Map is one. */
export interface Table<T> {
  get(fullName: string): T | undefined;
  /** In the order the model was built in. */
  values(): Iterable<T>;
}

export interface Schema {
  /** By full name without the leading dot, e.g. `containers.lmctfy.CpuSpec`. */
  messages: Table<MessageType>;
  enums: Table<EnumType>;
}

/** protobufjs's JSON descriptor, the parts of it this file reads. */
interface JsonNode {
  nested?: Record<string, JsonNode>;
  edition?: string;
  options?: { features?: Features };
  fields?: Record<string, JsonField>;
  oneofs?: Record<string, { oneof: string[] }>;
  reserved?: Array<[number, number] | string>;
  group?: boolean;
  values?: Record<string, number>;
  id?: number;
}

interface JsonField {
  type: string;
  id: number;
  rule?: string;
  protoName?: string;
  keyType?: string;
  extend?: string;
  jsonName?: string;
  edition?: string;
  options?: { features?: Features; packed?: boolean; json_name?: string };
}

/** The editions features that change what the codec writes. */
type Features = Record<string, string>;

/** Each edition's defaults for those features, as protobufjs has them. */
const PROTO2: Features = { field_presence: 'EXPLICIT', repeated_field_encoding: 'EXPANDED', message_encoding: 'LENGTH_PREFIXED' };
const EXPLICIT_PACKED: Features = { field_presence: 'EXPLICIT', repeated_field_encoding: 'PACKED', message_encoding: 'LENGTH_PREFIXED' };
const EDITION_DEFAULTS: Record<string, Features> = {
  proto2: PROTO2,
  proto3: { field_presence: 'IMPLICIT', repeated_field_encoding: 'PACKED', message_encoding: 'LENGTH_PREFIXED' },
  '2023': EXPLICIT_PACKED,
  '2024': EXPLICIT_PACKED,
  '2026': EXPLICIT_PACKED,
};

const SCALARS = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes']);

/** A name scope for type lookups: the root, a package or a message. */
interface Scope {
  parent: Scope | undefined;
  nested: Map<string, Scope | EnumType>;
  message: MessageType | undefined;
}

interface PendingField {
  field: Field;
  scope: Scope;
  features: Features;
}

function unsupported(fullName: string, what: string): never {
  throw new LmctfyError(Code.INTERNAL, `${fullName}: ${what} is not supported by the spec codec`);
}

function featuresFor(edition: string | undefined, inherited: Features, own: Features | undefined, fullName: string): Features {
  let base = inherited;
  if (edition !== undefined) {
    const defaults = EDITION_DEFAULTS[edition];
    if (!defaults) throw new LmctfyError(Code.INTERNAL, `${fullName}: unknown edition "${edition}"`);
    base = defaults;
  }
  return { ...base, ...own };
}

/** The lowerCamelCase name ProtoJSON uses: each underscore dropped, the letter after it upper-cased. */
function jsonNameOf(name: string): string {
  let out = '';
  let upper = false;
  for (const ch of name) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

class Builder {
  readonly schema = { messages: new Map<string, MessageType>(), enums: new Map<string, EnumType>() };
  readonly root: Scope = { parent: undefined, nested: new Map(), message: undefined };
  private readonly pending: PendingField[] = [];
  private readonly groups = new Set<MessageType>();

  /**
   * `edition` is the one in force around `json`; `inherited` the features of the enclosing
   * message. A declaration directly in a package starts afresh from its own edition, which
   * protobufjs takes to be proto3 when the JSON names none.
   */
  add(scope: Scope, prefix: string, name: string, json: JsonNode, edition: string, inherited: Features): void {
    const fullName = prefix + name;
    const inPackage = scope.message === undefined;
    const own = json.edition ?? (inPackage && (json.fields || json.values) ? 'proto3' : undefined);
    const features = featuresFor(own, inherited, json.options?.features, fullName);
    const effective = own ?? edition;
    if (json.values) {
      const values = new Map<string, number>();
      const valuesById = new Map<number, string>();
      for (const [key, id] of Object.entries(json.values)) {
        values.set(key, id);
        if (!valuesById.has(id)) valuesById.set(id, key);
      }
      const e: EnumType = { kind: 'enum', name, fullName, values, valuesById };
      this.schema.enums.set(fullName, e);
      scope.nested.set(name, e);
      return;
    }
    if (json.id !== undefined) unsupported(fullName, 'an extension field');
    const child: Scope = { parent: scope, nested: new Map(), message: undefined };
    scope.nested.set(name, child);
    if (json.fields) {
      const message: MessageType = { kind: 'message', name, fullName, fields: [], reservedNames: new Set(), reservedRanges: [] };
      for (const r of json.reserved ?? []) {
        if (typeof r === 'string') message.reservedNames.add(r);
        else message.reservedRanges.push(r);
      }
      child.message = message;
      this.schema.messages.set(fullName, message);
      if (json.group) this.groups.add(message);
      const inOneof = new Set<string>();
      for (const { oneof } of Object.values(json.oneofs ?? {})) for (const n of oneof) inOneof.add(n);
      for (const [fieldName, f] of Object.entries(json.fields)) {
        this.addField(message, child, fieldName, f, inOneof.has(fieldName), f.edition ?? effective, features);
      }
    }
    for (const [nestedName, nested] of Object.entries(json.nested ?? {})) {
      this.add(child, `${fullName}.`, nestedName, nested, effective, features);
    }
  }

  private addField(message: MessageType, scope: Scope, name: string, json: JsonField, inOneof: boolean, edition: string, inherited: Features): void {
    const fullName = `${message.fullName}.${name}`;
    if (json.keyType !== undefined) unsupported(fullName, 'a map field');
    if (json.extend !== undefined) unsupported(fullName, 'an extension field');
    const features = featuresFor(json.edition, inherited, json.options?.features, fullName);
    // Before editions, proto2 and proto3 spelled these features as rules and options.
    if (edition === 'proto2' || edition === 'proto3') {
      if (json.rule === 'required') features.field_presence = 'LEGACY_REQUIRED';
      const packed = json.options?.packed;
      if (packed !== undefined) features.repeated_field_encoding = packed ? 'PACKED' : 'EXPANDED';
    }
    const repeated = json.rule === 'repeated';
    const field: Field = {
      name,
      id: json.id,
      type: json.type,
      repeated,
      required: features.field_presence === 'LEGACY_REQUIRED',
      packed: repeated && features.repeated_field_encoding === 'PACKED',
      implicit: !repeated && !inOneof && features.field_presence === 'IMPLICIT',
      jsonName: json.jsonName ?? json.options?.json_name ?? jsonNameOf(json.protoName ?? name),
      fullName,
      resolvedType: undefined,
    };
    message.fields.push(field);
    this.pending.push({ field, scope, features });
  }

  /** Resolves every field's type once all declarations are known; narrows packed and implicit to what can have them. */
  resolveFields(): void {
    for (const { field, scope, features } of this.pending) {
      if (SCALARS.has(field.type)) {
        if (field.type === 'string' || field.type === 'bytes') field.packed = false;
        continue;
      }
      const found = this.lookup(scope, field.type);
      if (!found) throw new LmctfyError(Code.INTERNAL, `${field.fullName}: no such type or enum "${field.type}"`);
      field.resolvedType = found;
      if (found.kind === 'message') {
        if (features.message_encoding === 'DELIMITED' || this.groups.has(found)) unsupported(field.fullName, 'a group (delimited) field');
        field.packed = false;
        field.implicit = false;
      }
    }
  }

  /**
   * protobufjs's lookup: relative to `from`, then by full name, then from each enclosing
   * scope outward; a leading dot starts at the root.
   */
  private lookup(from: Scope, name: string): MessageType | EnumType | undefined {
    const path = name.split('.');
    if (path[0] === '') return this.lookup(this.root, name.slice(1));
    const found = typeIn(from, path) ?? this.schema.messages.get(name) ?? this.schema.enums.get(name);
    if (found) return found;
    for (let scope = from.parent; scope; scope = scope.parent) {
      const outer = typeIn(scope, path);
      if (outer) return outer;
    }
    return undefined;
  }
}

/** The type or enum `path` names inside `scope`, searching nested scopes too (protobufjs does). */
function typeIn(scope: Scope, path: string[]): MessageType | EnumType | undefined {
  const found = search(scope, path);
  return found && 'kind' in found ? found : found?.message;
}

function search(scope: Scope, path: string[]): Scope | EnumType | undefined {
  const [first, ...rest] = path as [string, ...string[]];
  const found = scope.nested.get(first);
  if (found) {
    if (rest.length === 0) return found;
    return 'kind' in found ? undefined : search(found, rest);
  }
  for (const nested of scope.nested.values()) {
    if ('kind' in nested) continue;
    const deeper = search(nested, path);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Builds the schema from protobufjs's JSON descriptor of a resolved root. */
export function buildSchema(json: unknown): Schema {
  const builder = new Builder();
  for (const [name, node] of Object.entries((json as JsonNode).nested ?? {})) {
    builder.add(builder.root, '', name, node, 'proto2', PROTO2);
  }
  builder.resolveFields();
  return builder.schema;
}
