import { describe, expect, it } from 'vitest';
import { detectFormat, encodeBinary, MAX_SPEC_BYTES, parseSpecInput, type SpecFormat } from '../../src/messages/codec.js';
import { invalidMessage } from '../fixtures/spec/invalid.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const readme = { memory: { limit: 100000000 } };

describe('detectFormat', () => {
  it.each<[string, string | Uint8Array, string]>([
    ['text string', 'memory:{limit:100000000}', 'text'],
    ['JSON string', '{"memory":{}}', 'json'],
    ['JSON after blank lines and a BOM', '\uFEFF \n\t{"memory":{}}', 'json'],
    ['broken JSON is still JSON', '{ memory', 'json'],
    ['empty string', '', 'text'],
    ['text bytes', bytes('memory { limit: 1 }\n'), 'text'],
    ['JSON bytes', bytes('{"owner": 1}'), 'json'],
    ['empty bytes', new Uint8Array(0), 'text'],
    ['binary that is not UTF-8', encodeBinary('ContainerSpec', { cpu: { limit: 2000 } }), 'binary'],
    ['binary that happens to be valid UTF-8', encodeBinary('ContainerSpec', { memory: { limit: 100 } }), 'binary'],
    ['a string is never binary', '\u0008\u0001', 'text'],
  ])('%s', (_label, input, format) => {
    expect(detectFormat(input)).toBe(format);
  });
});

describe('parseSpecInput', () => {
  it.each<[string, string | Uint8Array, SpecFormat | undefined]>([
    ['text, auto', 'memory:{limit:100000000}', undefined],
    ['JSON, auto', '{"memory":{"limit":100000000}}', 'auto'],
    ['binary, auto', encodeBinary('ContainerSpec', readme), 'auto'],
    ['text bytes, auto', bytes('memory:{limit:100000000}'), 'auto'],
    ['text, explicit', 'memory:{limit:100000000}', 'text'],
    ['JSON bytes, explicit', bytes('{"memory":{"limit":100000000}}'), 'json'],
    ['binary, explicit', encodeBinary('ContainerSpec', readme), 'binary'],
  ])('%s', (_label, input, format) => {
    expect(parseSpecInput('ContainerSpec', input, format)).toEqual(readme);
  });

  it.each<[string, string | Uint8Array, SpecFormat, string]>([
    ['broken JSON reports the JSON error', '{"memory": {"limit": }}', 'auto', 'ContainerSpec: line 1, column 22: expected a JSON value, found "}"'],
    ['binary garbage', Uint8Array.from([0xff, 0xfe, 0x01]), 'auto', 'ContainerSpec: byte offset 0: invalid wire type 7'],
    ['binary asked of a string', 'memory {}', 'binary', 'ContainerSpec: binary input must be bytes, not a string'],
    ['text asked of non-UTF-8 bytes', Uint8Array.from([0xff]), 'text', 'ContainerSpec: text input is not valid UTF-8'],
    ['JSON asked of text', 'memory {}', 'json', 'ContainerSpec: line 1, column 1: expected a JSON value, found "m"'],
    ['huge bytes', new Uint8Array(MAX_SPEC_BYTES + 1), 'auto', `ContainerSpec: input is ${MAX_SPEC_BYTES + 1} bytes, more than the ${MAX_SPEC_BYTES} a spec may have`],
    ['huge string, counted in UTF-8 bytes', 'é'.repeat(MAX_SPEC_BYTES / 2 + 1), 'auto',
      `ContainerSpec: input is ${MAX_SPEC_BYTES + 2} bytes, more than the ${MAX_SPEC_BYTES} a spec may have`],
  ])('%s', (_label, input, format, message) => {
    expect(invalidMessage(() => parseSpecInput('ContainerSpec', input, format))).toBe(message);
  });
});
