/**
 * `lmctfy help spec`: the fields a spec can set, with their types and units, written from the
 * .proto files' own comments so that the reference cannot drift from the schema.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Enum, Field, Type } from 'protobufjs';
import { findProtoDir } from '../messages/schema.js';

const WIDTH = 88;

/** A comment as lines of at most WIDTH columns (a longer word stays whole), each indented. */
export function wrap(text: string | null | undefined, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of (text ?? '').split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function typeLabel(field: Field): string {
  const resolved = field.resolvedType;
  const base = resolved && 'values' in resolved ? Object.keys((resolved as Enum).values).join('|') : field.type;
  return field.repeated ? `repeated ${base}` : base;
}

/** Settable fields below `type`, as `path (type)` lines each followed by its comment. */
export function describeFields(type: Type, prefix = ''): string[] {
  const lines: string[] = [];
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    const name = `${prefix}${field.name}`;
    const resolved = field.resolvedType;
    if (resolved && 'fieldsArray' in resolved) {
      const nested = resolved as Type;
      // A message with no fields (the original's parts this lmctfy does not carry) sets nothing.
      if (nested.fieldsArray.length === 0) continue;
      lines.push(`  ${name}${field.repeated ? ' (repeated)' : ''} {…}`, ...wrap(field.comment ?? nested.comment, '      '));
      lines.push(...describeFields(nested, `${name}.`));
      continue;
    }
    lines.push(`  ${name} (${typeLabel(field)})`, ...wrap(field.comment, '      '));
  }
  return lines;
}

/** The ContainerSpec reference, parsed from the .proto files (protobufjs: loaded for help only). */
export function containerSpecHelp(): string {
  const protobuf = createRequire(import.meta.url)('protobufjs') as typeof import('protobufjs');
  const dir = findProtoDir(import.meta.dirname);
  const root = new protobuf.Root();
  for (const file of ['lmctfy.proto', 'config.proto']) {
    protobuf.parse(fs.readFileSync(path.join(dir, file), 'utf8'), root, { keepCase: true, alternateCommentMode: true });
  }
  root.resolveAll();
  return [
    ...wrap(
      'ContainerSpec fields (text format: cpu:{limit:500} memory:{limit:100000000 reservation:50000000}; ' +
        'JSON takes the same names). Only the resources a spec names are isolated.',
      '',
    ),
    '',
    ...describeFields(root.lookupType('containers.lmctfy.ContainerSpec')),
    '',
  ].join('\n');
}
