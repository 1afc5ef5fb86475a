/**
 * The schema: proto/lmctfy.proto and proto/config.proto, parsed with protobufjs on first
 * use and cached. The proto directory is found by walking up from this module, which works
 * from src/spec under vitest and from the esbuild bundle in dist/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Enum, Field, Root, Type } from 'protobufjs';
import { Code, LmctfyError } from '../engine/errors.js';

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
} as const;

export type MessageName = keyof typeof FULL_NAMES;
export const MESSAGE_NAMES = Object.keys(FULL_NAMES) as MessageName[];

const PROTO_FILES = ['lmctfy.proto', 'config.proto'];

/** Largest spec input accepted in any format; bigger is INVALID_ARGUMENT, not an OOM. */
export const MAX_SPEC_BYTES = 1 << 20;

let cached: Root | undefined;

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
 * The build (scripts/build.mjs) writes the parsed schema as protobufjs JSON next to the
 * bundle: loading that skips parsing the .proto text on every CLI start.
 */
function loadPrebuilt(): Root | undefined {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const root = protobuf.Root.fromJSON(JSON.parse(text) as protobuf.INamespace);
  root.resolveAll();
  return root;
}

function loadRoot(): Root {
  const prebuilt = loadPrebuilt();
  if (prebuilt) return prebuilt;
  const dir = findProtoDir(path.dirname(fileURLToPath(import.meta.url)));
  const root = new protobuf.Root();
  // Parsing the sources ourselves keeps protobufjs away from its own fs lookup, which
  // does not survive bundling.
  for (const file of PROTO_FILES) {
    const full = path.join(dir, file);
    try {
      protobuf.parse(fs.readFileSync(full, 'utf8'), root, { keepCase: true });
    } catch (e) {
      throw new LmctfyError(Code.INTERNAL, `cannot load schema ${full}: ${(e as Error).message}`, { cause: e });
    }
  }
  root.resolveAll();
  return root;
}

export function schemaRoot(): Root {
  cached ??= loadRoot();
  return cached;
}

export function messageType(name: MessageName): Type {
  if (!Object.hasOwn(FULL_NAMES, name)) throw new LmctfyError(Code.INVALID_ARGUMENT, `unknown message type "${String(name)}"`);
  return schemaRoot().lookupType(FULL_NAMES[name]);
}

/** Field lookups of one message type, built once per type. */
export interface FieldIndex {
  /** By proto name (a Map: a key like "constructor" must not reach a prototype). */
  byName: Map<string, Field>;
  /** By proto name and by lowerCamelCase JSON name, as ProtoJSON accepts both. */
  byJsonKey: Map<string, Field>;
  byNumber: Map<number, Field>;
  /** In field-number order, the order text format prints them in. */
  ordered: Field[];
}

const indexes = new WeakMap<Type, FieldIndex>();

export function fieldIndex(type: Type): FieldIndex {
  let index = indexes.get(type);
  if (!index) {
    const ordered = type.fieldsArray.map((f) => f.resolve()).sort((a, b) => a.id - b.id);
    const byName = new Map(ordered.map((f) => [f.name, f]));
    const byJsonKey = new Map(byName);
    for (const f of ordered) byJsonKey.set(f.jsonName, f);
    index = { byName, byJsonKey, byNumber: new Map(ordered.map((f) => [f.id, f])), ordered };
    indexes.set(type, index);
  }
  return index;
}

export function isMessageField(field: Field): boolean {
  return field.resolvedType instanceof protobuf.Type;
}

export function messageOf(field: Field): Type {
  return field.resolvedType as Type;
}

export function enumOf(field: Field): Enum | undefined {
  return field.resolvedType instanceof protobuf.Enum ? field.resolvedType : undefined;
}

/** True when `name` is a reserved field name or `id` a reserved number of `type`. */
export function isReserved(type: Type, key: string | number): boolean {
  return typeof key === 'string' ? type.isReservedName(key) : type.isReservedId(key);
}
