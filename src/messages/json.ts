/**
 * JSON specs (ours): proto field names, enums by name, numbers as JSON numbers. Parsing
 * also takes ProtoJSON's spellings (see plain.ts) and rejects unknown keys and wrong types
 * with the line and column of the key or value at fault.
 */
import { messageType, type MessageName } from './schema.js';
import { checkSize, lineColumn, specError } from './problem.js';
import { readJson } from './json-document.js';
import { normalizeMessage } from './plain.js';

export function parseJson<T>(name: MessageName, text: string): T {
  checkSize(name, Buffer.byteLength(text, 'utf8'));
  const type = messageType(name);
  const doc = readJson(text, (at, detail) => {
    throw specError(name, lineColumn(text, at), detail);
  });
  return normalizeMessage(name, type, doc.value, (holder, key, part) =>
    lineColumn(text, doc.offsetOf(holder, key, part)),
  ) as T;
}

/** Non-finite floats are strings in ProtoJSON; JSON has no literal for them. */
function nonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** `obj` as JSON with proto field names, after checking it against the schema; `indent` as JSON.stringify's. */
export function formatJson(name: MessageName, obj: unknown, indent?: number): string {
  return JSON.stringify(normalizeMessage(name, messageType(name), obj), nonFinite, indent);
}
