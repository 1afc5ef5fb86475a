/**
 * The schema: proto/lmctfy.proto and proto/config.proto as the codec's own reflection model
 * (reflection.ts), built on first use and cached. The proto directory is found by walking
 * up from this module, which works from src/messages under vitest and from the esbuild bundle
 * in dist/.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Code, LmctfyError } from '../engine/errors.js';
import { buildSchema, type EnumType, type Field, type MessageType, type Schema } from './reflection.js';
import { schemaFromText } from './schema-form.js';

/** Messages callers parse and print, by their short name. */
const FULL_NAMES = {
  ContainerSpec: 'containers.lmctfy.ContainerSpec',
  CpuSpec: 'containers.lmctfy.CpuSpec',
  MemorySpec: 'containers.lmctfy.MemorySpec',
  BlockIoSpec: 'containers.lmctfy.BlockIoSpec',
  DeviceSpec: 'containers.lmctfy.DeviceSpec',
  PidsSpec: 'containers.lmctfy.PidsSpec',
  EventSpec: 'containers.lmctfy.EventSpec',
  RunSpec: 'containers.lmctfy.RunSpec',
  ContainerStats: 'containers.lmctfy.ContainerStats',
  CpuStats: 'containers.lmctfy.CpuStats',
  MemoryStats: 'containers.lmctfy.MemoryStats',
  BlockIoStats: 'containers.lmctfy.BlockIoStats',
  PressureStats: 'containers.lmctfy.PressureStats',
  InitSpec: 'containers.InitSpec',
  CgroupMount: 'containers.CgroupMount',
  PolicySpec: 'containers.lmctfy.PolicySpec',
} as const;

export type MessageName = keyof typeof FULL_NAMES;
export const MESSAGE_NAMES = Object.keys(FULL_NAMES) as MessageName[];

const PROTO_FILES = ['lmctfy.proto', 'config.proto'];

/** Largest spec input accepted in any format; bigger is INVALID_ARGUMENT, not an OOM. */
export const MAX_SPEC_BYTES = 1 << 20;

let cached: Schema | undefined;

/** The directory holding lmctfy.proto: the nearest `proto/` above `start`. */
export function findProtoDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'proto');
    if (fs.existsSync(path.join(candidate, 'lmctfy.proto'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new LmctfyError(Code.INTERNAL, `cannot find proto/lmctfy.proto in ${start} or any directory above it`);
    }
  }
}

/**
 * The build (scripts/build.mjs) writes the model, resolved, next to the bundle
 * (schema-form.ts): the CLI parses and links the messages it reads and never loads
 * protobufjs. A file of another form's version is not used.
 */
function loadPrebuilt(): Schema | undefined {
  // Not path.join: the bundle's own directory is clean, and join's normalizing is not free (lock.ts).
  const file = `${import.meta.dirname}/schema.json`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return schemaFromText(text);
}

/**
 * With no schema.json beside this module (the source tree under vitest, or a bundle whose
 * schema.json is missing): the .proto files compiled with protobufjs as the build does.
 * Required at run time, not imported, so that esbuild leaves protobufjs out of the bundle.
 */
function compileProtos(): Schema {
  const protobuf = createRequire(import.meta.url)('protobufjs') as typeof import('protobufjs');
  const dir = findProtoDir(import.meta.dirname);
  const root = new protobuf.Root();
  // Parsing the sources ourselves keeps protobufjs away from its own fs lookup.
  for (const file of PROTO_FILES) {
    const full = path.join(dir, file);
    try {
      protobuf.parse(fs.readFileSync(full, 'utf8'), root, { keepCase: true });
    } catch (e) {
      throw new LmctfyError(Code.INTERNAL, `cannot load schema ${full}: ${(e as Error).message}`, { cause: e });
    }
  }
  root.resolveAll();
  return buildSchema(root.toJSON());
}

export function schema(): Schema {
  cached ??= loadPrebuilt() ?? compileProtos();
  return cached;
}

export function messageType(name: MessageName): MessageType {
  if (!Object.hasOwn(FULL_NAMES, name)) throw new LmctfyError(Code.INVALID_ARGUMENT, `unknown message type "${String(name)}"`);
  const type = schema().messages.get(FULL_NAMES[name]);
  if (!type) throw new LmctfyError(Code.INTERNAL, `the schema holds no message ${FULL_NAMES[name]}`);
  return type;
}

/** Field lookups of one message type, built once per type. */
export interface FieldIndex {
  /** By proto name (a Map: a key like "constructor" must not reach a prototype). */
  byName: Map<string, Field>;
  /** By proto name and by lowerCamelCase JSON name, as ProtoJSON accepts both. */
  byJsonKey: Map<string, Field>;
  byNumber: Map<number, Field>;
  /** In field-number order, the order text format and binary are written in. */
  ordered: Field[];
}

const indexes = new WeakMap<MessageType, FieldIndex>();

export function fieldIndex(type: MessageType): FieldIndex {
  let index = indexes.get(type);
  if (!index) {
    const ordered = [...type.fields].sort((a, b) => a.id - b.id);
    const byName = new Map(ordered.map((f) => [f.name, f]));
    const byJsonKey = new Map(byName);
    for (const f of ordered) byJsonKey.set(f.jsonName, f);
    index = { byName, byJsonKey, byNumber: new Map(ordered.map((f) => [f.id, f])), ordered };
    indexes.set(type, index);
  }
  return index;
}

export function isMessageField(field: Field): boolean {
  return field.resolvedType?.kind === 'message';
}

export function messageOf(field: Field): MessageType {
  return field.resolvedType as MessageType;
}

export function enumOf(field: Field): EnumType | undefined {
  return field.resolvedType?.kind === 'enum' ? field.resolvedType : undefined;
}

/** True when `name` is a reserved field name or `id` a reserved number of `type`. */
export function isReserved(type: MessageType, key: string | number): boolean {
  if (typeof key === 'string') return type.reservedNames.has(key);
  return type.reservedRanges.some(([from, to]) => from <= key && key <= to);
}
