import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatJson, MAX_SPEC_BYTES, parseJson, parseText, type MessageName } from '../../src/messages/codec.js';
import { invalidMessage } from '../fixtures/spec/invalid.js';
import { fullContainerSpec, fullContainerStats, fullEventSpec, fullInitSpec, fullRunSpec } from '../fixtures/spec/messages.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/spec/${name}`, import.meta.url), 'utf8');

describe('parseJson', () => {
  it.each<[string, MessageName, string, unknown]>([
    ['the README example', 'ContainerSpec', '{"memory":{"limit":100000000}}', { memory: { limit: 100000000 } }],
    ['empty object', 'ContainerSpec', ' {} ', {}],
    ['lowerCamelCase keys (ProtoJSON)', 'ContainerSpec', '{"cpu":{"maxLimit":500,"schedulingLatency":"NORMAL"}}',
      { cpu: { max_limit: 500, scheduling_latency: 'NORMAL' } }],
    ['integers as decimal strings (ProtoJSON)', 'ContainerSpec', '{"memory":{"limit":"-1","reservation":"007"}}', { memory: { limit: -1, reservation: 7 } }],
    ['integral numbers in exponent form', 'ContainerSpec', '{"memory":{"limit":1e8,"reservation":2.0}}', { memory: { limit: 100000000, reservation: 2 } }],
    ['enum by number', 'RunSpec', '{"fd_policy":2}', { fd_policy: 'DETACHED' }],
    ['null is absent (ProtoJSON)', 'ContainerSpec', '{"memory":null,"cpu":{"limit":null}}', { cpu: {} }],
    ['empty lists are absent', 'ContainerSpec', '{"cpu":{"mask":{"data":[]}}}', { cpu: { mask: {} } }],
    ['repeated enums', 'InitSpec', '{"cgroup_mount":[{"mount_path":"/x","hierarchy":["CGROUP_PIDS","CGROUP_UNIFIED"]}]}',
      { cgroup_mount: [{ mount_path: '/x', hierarchy: ['CGROUP_PIDS', 'CGROUP_UNIFIED'] }] }],
    ['non-finite floats as strings', 'ContainerStats', '{"pressure":{"cpu":{"some":{"avg10":"NaN","avg60":"Infinity","avg300":"-Infinity"}}}}',
      { pressure: { cpu: { some: { avg10: NaN, avg60: Infinity, avg300: -Infinity } } } }],
    ['string escapes', 'ContainerSpec', '{"memory":{"hugetlbfs_path":"a\\"\\\\\\/\\n\\u00e9\\ud83d\\ude00"}}', { memory: { hugetlbfs_path: 'a"\\/\né😀' } }],
    ['byte-order mark', 'ContainerSpec', '\uFEFF{"owner":1}', { owner: 1 }],
    ['largest exact integer', 'ContainerSpec', '{"memory":{"limit":9007199254740991}}', { memory: { limit: 9007199254740991 } }],
    ['big integral literal for a double', 'ContainerStats', '{"pressure":{"cpu":{"some":{"avg10":9007199254740993}}}}',
      { pressure: { cpu: { some: { avg10: 9007199254740992 } } } }],
  ])('%s', (_label, type, text, expected) => {
    expect(parseJson(type, text)).toEqual(expected);
  });

  it('reads the JSON example as the same spec as the text example', () => {
    expect(parseJson('ContainerSpec', fixture('container-spec.json'))).toEqual(parseText('ContainerSpec', fixture('container-spec.textproto')));
  });
});

describe('parseJson rejects bad input with the position and the key path', () => {
  it.each<[string, MessageName, string, string]>([
    ['unknown key', 'ContainerSpec', '{"memroy":{}}', 'ContainerSpec: line 1, column 2: unknown field "memroy"'],
    ['unknown nested key', 'ContainerSpec', '{"memory": {"limit": 100,\n  "limt": 5}}', 'ContainerSpec: line 2, column 3: memory: unknown field "limt"'],
    ['reserved key', 'ContainerSpec', '{"filesystem":{"fd_limit":3}}',
      'ContainerSpec: line 1, column 16: filesystem: reserved field "fd_limit" is not supported by this lmctfy'],
    ['the same field twice under two spellings', 'ContainerSpec', '{"cpu":{"max_limit":1,"maxLimit":2}}',
      'ContainerSpec: line 1, column 23: cpu: field "max_limit" given twice (as "max_limit" and "maxLimit")'],
    ['duplicate key', 'ContainerSpec', '{"owner":1,"owner":2}', 'ContainerSpec: line 1, column 12: duplicate key "owner"'],
    ['string for a message', 'ContainerSpec', '{"memory":"big"}', 'ContainerSpec: line 1, column 11: memory: expected an object, found "big"'],
    ['list for a message', 'ContainerSpec', '{"memory":[]}', 'ContainerSpec: line 1, column 11: memory: expected an object, found a list'],
    ['object for an integer', 'ContainerSpec', '{"owner":{}}', 'ContainerSpec: line 1, column 10: owner: expected an integer, found an object'],
    ['bool for an integer', 'ContainerSpec', '{"owner":true}', 'ContainerSpec: line 1, column 10: owner: expected an integer, found true'],
    ['fraction for an integer', 'ContainerSpec', '{"memory":{"limit":1.5}}', 'ContainerSpec: line 1, column 20: memory.limit: expected an integer, found 1.5'],
    ['word string for an integer', 'ContainerSpec', '{"owner":"1e3"}', 'ContainerSpec: line 1, column 10: owner: expected an integer, found "1e3"'],
    ['number for a string', 'ContainerSpec', '{"memory":{"hugetlbfs_path":5}}', 'ContainerSpec: line 1, column 29: memory.hugetlbfs_path: expected a string, found 5'],
    ['string for a bool', 'ContainerSpec', '{"memory":{"kmem_charge_usage":"true"}}',
      'ContainerSpec: line 1, column 32: memory.kmem_charge_usage: expected true or false, found "true"'],
    ['string for a float', 'ContainerStats', '{"pressure":{"io":{"some":{"avg10":"1.5"}}}}',
      'ContainerStats: line 1, column 36: pressure.io.some.avg10: expected a number, found "1.5"'],
    ['list item of the wrong type', 'ContainerSpec', '{"cpu":{"mask":{"data":[1,"x"]}}}', 'ContainerSpec: line 1, column 27: cpu.mask.data[1]: expected an integer, found "x"'],
    ['null in a list', 'ContainerSpec', '{"cpu":{"mask":{"data":[null]}}}', 'ContainerSpec: line 1, column 25: cpu.mask.data[0]: expected an integer, found null'],
    ['scalar for a repeated field', 'ContainerSpec', '{"cpu":{"mask":{"data":1}}}', 'ContainerSpec: line 1, column 24: cpu.mask.data: expected a list, found 1'],
    ['int32 out of range', 'ContainerSpec', '{"memory":{"eviction_priority":-2147483649}}',
      'ContainerSpec: line 1, column 32: memory.eviction_priority: value -2147483649 is out of range for int32'],
    ['beyond 2^53, exactly', 'ContainerSpec', '{"memory":{"limit":9007199254740993}}',
      'ContainerSpec: line 1, column 20: memory.limit: value 9007199254740993 is beyond ±9007199254740991, the largest integer lmctfy handles exactly'],
    ['beyond 2^53 as a string', 'ContainerSpec', '{"memory":{"limit":"18446744073709551615"}}',
      'ContainerSpec: line 1, column 20: memory.limit: value 18446744073709551615 is out of range for int64'],
    ['negative unsigned', 'ContainerSpec', '{"cpu":{"limit":-5}}', 'ContainerSpec: line 1, column 17: cpu.limit: negative value -5 for unsigned field (uint64)'],
    ['unknown enum name', 'ContainerSpec', '{"cpu":{"scheduling_latency":"FAST"}}',
      'ContainerSpec: line 1, column 30: cpu.scheduling_latency: unknown value "FAST" for SchedulingLatency (expected one of BEST_EFFORT, NORMAL, PRIORITY, PREMIER)'],
    ['unknown enum number', 'RunSpec', '{"fd_policy":7}', 'RunSpec: line 1, column 14: fd_policy: unknown value 7 for FdPolicy (expected one of UNKNOWN, INHERIT, DETACHED)'],
    ['missing required field', 'ContainerStats', '{"cpu":{"histograms":[{"stat":[]}]}}',
      'ContainerStats: line 1, column 23: cpu.histograms[0]: missing required field "type"'],
    ['lone surrogate in a string', 'ContainerSpec', '{"memory":{"hugetlbfs_path":"\\ud800"}}',
      'ContainerSpec: line 1, column 29: memory.hugetlbfs_path: string is not valid Unicode (unpaired surrogate)'],
    ['top-level list', 'ContainerSpec', '[]', 'ContainerSpec: line 1, column 1: expected an object, found a list'],
    ['top-level null', 'ContainerSpec', 'null', 'ContainerSpec: line 1, column 1: expected an object, found null'],
    ['trailing comma', 'ContainerSpec', '{"owner":1,}', 'ContainerSpec: line 1, column 12: expected a quoted key, found "}"'],
    ['truncated', 'ContainerSpec', '{"memory": {"limit": 100', 'ContainerSpec: line 1, column 25: expected "," or "}", found end of input'],
    ['unterminated string', 'ContainerSpec', '{"memory', 'ContainerSpec: line 1, column 2: unterminated string'],
    ['single quotes', 'ContainerSpec', "{'owner':1}", `ContainerSpec: line 1, column 2: expected a quoted key, found "'"`],
    ['a comment', 'ContainerSpec', '{"owner":1 // me\n}', 'ContainerSpec: line 1, column 12: expected "," or "}", found "/"'],
    ['leading zero', 'ContainerSpec', '{"owner":01}', 'ContainerSpec: line 1, column 11: expected "," or "}", found "1"'],
    ['NaN literal', 'ContainerStats', '{"pressure":{"cpu":{"some":{"avg10":NaN}}}}', 'ContainerStats: line 1, column 37: expected a JSON value, found "N"'],
    ['raw control character', 'ContainerSpec', '{"memory":{"hugetlbfs_path":"a\tb"}}', 'ContainerSpec: line 1, column 31: control character in string (escape it)'],
    ['bad escape', 'ContainerSpec', '{"memory":{"hugetlbfs_path":"\\x41"}}', 'ContainerSpec: line 1, column 30: invalid escape "\\\\x" in string'],
    ['text after the document', 'ContainerSpec', '{} {}', 'ContainerSpec: line 1, column 4: unexpected "{" after the JSON value'],
    ['deep nesting', 'ContainerSpec', `{"owner":${'['.repeat(100)}`, 'ContainerSpec: line 1, column 74: nested more than 64 levels deep'],
  ])('%s', (_label, type, text, message) => {
    expect(invalidMessage(() => parseJson(type, text))).toBe(message);
  });

  it('rejects input above the size limit', () => {
    expect(invalidMessage(() => parseJson('ContainerSpec', `{}${' '.repeat(MAX_SPEC_BYTES)}`))).toMatch(/^ContainerSpec: input is \d+ bytes/);
  });
});

describe('formatJson', () => {
  it.each<[string, MessageName, unknown, string]>([
    ['proto names, number order, compact', 'ContainerSpec', { pids: { limit: 5 }, cpu: { maxLimit: 500, limit: 1 } },
      '{"cpu":{"limit":1,"max_limit":500},"pids":{"limit":5}}'],
    ['enums by name', 'RunSpec', { fd_policy: 2 }, '{"fd_policy":"DETACHED"}'],
    ['non-finite floats as strings', 'ContainerStats', { pressure: { cpu: { some: { avg10: NaN, avg60: -Infinity } } } },
      '{"pressure":{"cpu":{"some":{"avg10":"NaN","avg60":"-Infinity"}}}}'],
    ['empty', 'EventSpec', {}, '{}'],
  ])('%s', (_label, type, obj, json) => {
    expect(formatJson(type, obj)).toBe(json);
  });

  it('indents when asked', () => {
    expect(formatJson('ContainerSpec', { memory: { limit: 1 } }, 2)).toBe('{\n  "memory": {\n    "limit": 1\n  }\n}');
  });

  it('rejects objects that do not fit the schema', () => {
    expect(invalidMessage(() => formatJson('ContainerSpec', { memory: { limit: true } }))).toBe(
      'ContainerSpec: memory.limit: expected an integer, found true',
    );
  });

  it.each<[MessageName, object]>([
    ['ContainerSpec', fullContainerSpec],
    ['ContainerStats', fullContainerStats],
    ['EventSpec', fullEventSpec],
    ['RunSpec', fullRunSpec],
    ['InitSpec', fullInitSpec],
  ])('%s: object → JSON → object is the identity', (type, obj) => {
    expect(parseJson(type, formatJson(type, obj))).toEqual(obj);
    expect(parseJson(type, formatJson(type, obj, 2))).toEqual(obj);
  });
});
