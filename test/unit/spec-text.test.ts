import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatText, MAX_SPEC_BYTES, parseText, type MessageName } from '../../src/messages/codec.js';
import { invalidMessage } from '../fixtures/spec/invalid.js';
import { fullContainerSpec, fullContainerStats, fullEventSpec, fullInitSpec, fullRunSpec } from '../fixtures/spec/messages.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/spec/${name}`, import.meta.url), 'utf8');

describe('parseText', () => {
  it.each<[string, MessageName, string, unknown]>([
    ['the README example', 'ContainerSpec', 'memory:{limit:100000000}', { memory: { limit: 100000000 } }],
    ['two fields without separator', 'ContainerSpec', 'cpu:{limit:2000 max_limit:500}', { cpu: { limit: 2000, max_limit: 500 } }],
    ['spaces, colon before a block, <> blocks', 'ContainerSpec', 'device : < restrictions_set { restrictions { major: 1 } } >',
      { device: { restrictions_set: { restrictions: [{ major: 1 }] } } }],
    ['repeated message fields in order', 'ContainerSpec', 'device{restrictions_set{restrictions{major:1} restrictions{major:2}}}',
      { device: { restrictions_set: { restrictions: [{ major: 1 }, { major: 2 }] } } }],
    ['repeated mask data, one per line', 'ContainerSpec', 'cpu {\n mask {\n  data: 1\n  data: 2\n }\n}', { cpu: { mask: { data: [1, 2] } } }],
    ['repeated mask data as a list', 'ContainerSpec', 'cpu { mask { data: [1, 2, 3] } }', { cpu: { mask: { data: [1, 2, 3] } } }],
    ['a list of messages', 'ContainerSpec', 'device { restrictions_set { restrictions: [{major: 1}, <minor: 2>] } }',
      { device: { restrictions_set: { restrictions: [{ major: 1 }, { minor: 2 }] } } }],
    ['an empty list adds nothing', 'ContainerSpec', 'cpu { mask { data: [] } }', { cpu: { mask: {} } }],
    ['enum by name', 'ContainerSpec', 'cpu { scheduling_latency: PREMIER }', { cpu: { scheduling_latency: 'PREMIER' } }],
    ['enum by number', 'ContainerSpec', 'cpu { scheduling_latency: 3 }', { cpu: { scheduling_latency: 'PRIORITY' } }],
    ['repeated enum as a list', 'ContainerSpec', 'device{restrictions_set{restrictions{access:[READ,MKNOD]}}}',
      { device: { restrictions_set: { restrictions: [{ access: ['READ', 'MKNOD'] }] } } }],
    ['hex and octal integers', 'ContainerSpec', 'memory { limit: 0x10 reservation: 010 swap_limit: 0 }',
      { memory: { limit: 16, reservation: 8, swap_limit: 0 } }],
    ['negative int64 and int32', 'ContainerSpec', 'memory { limit: -1 eviction_priority: - 5 }', { memory: { limit: -1, eviction_priority: -5 } }],
    ['largest exact integer', 'ContainerSpec', 'memory { limit: 9007199254740991 }', { memory: { limit: 9007199254740991 } }],
    ['smallest exact integer', 'ContainerSpec', 'memory { limit: -9007199254740991 }', { memory: { limit: -9007199254740991 } }],
    ['largest uint32', 'ContainerSpec', 'blockio { device_limit_set { default_limit: 4294967295 } }',
      { blockio: { device_limit_set: { default_limit: 4294967295 } } }],
    ['bool true spellings', 'ContainerSpec', 'memory { kmem_charge_usage: True }', { memory: { kmem_charge_usage: true } }],
    ['bool t', 'ContainerSpec', 'memory { kmem_charge_usage: t }', { memory: { kmem_charge_usage: true } }],
    ['bool 0', 'ContainerSpec', 'memory { kmem_charge_usage: 0 }', { memory: { kmem_charge_usage: false } }],
    ['bool f', 'ContainerSpec', 'memory { kmem_charge_usage: f }', { memory: { kmem_charge_usage: false } }],
    ['string escapes and concatenation', 'ContainerSpec', `memory { hugetlbfs_path: "/dev/" 'huge\\x70ages\\t\\"\\'' }`,
      { memory: { hugetlbfs_path: `/dev/hugepages\t"'` } }],
    ['UTF-8 from octal bytes, \\u and raw', 'ContainerSpec', 'memory { tmpfs { path: ["caf\\303\\251", "\\u00e9", "\\U0001F600", "\\ud83d\\ude00", "é"] } }',
      { memory: { tmpfs: { path: ['café', 'é', '😀', '😀', 'é'] } } }],
    ['comments and both separators', 'ContainerSpec', '# spec\nmemory { limit: 1; } # trailing\ncpu { limit: 2, },',
      { memory: { limit: 1 }, cpu: { limit: 2 } }],
    ['empty message', 'EventSpec', 'oom {}', { oom: {} }],
    ['empty input', 'ContainerSpec', '', {}],
    ['only a comment', 'ContainerSpec', '# nothing here\n', {}],
    ['byte-order mark', 'ContainerSpec', '\uFEFFmemory{limit:1}', { memory: { limit: 1 } }],
    ['floats', 'ContainerStats', 'pressure { cpu { some { avg10: 1.5 avg60: .5e1 avg300: 2f total: 7 } } }',
      { pressure: { cpu: { some: { avg10: 1.5, avg60: 5, avg300: 2, total: 7 } } } }],
    ['inf and nan', 'ContainerStats', 'pressure { io { full { avg10: -inf avg60: nan avg300: Infinity } } }',
      { pressure: { io: { full: { avg10: -Infinity, avg60: NaN, avg300: Infinity } } } }],
    ['required fields present', 'ContainerStats', 'cpu { histograms { type: SERVE stat { bucket: 10 value: 3 } } }',
      { cpu: { histograms: [{ type: 'SERVE', stat: [{ bucket: 10, value: 3 }] }] } }],
    ['InitSpec', 'InitSpec', 'cgroup_mount { mount_path: "/sys/fs/cgroup/cpu" hierarchy: [CGROUP_CPU, CGROUP_CPUACCT] } cgroup_mount { hierarchy: CGROUP_UNIFIED }',
      { cgroup_mount: [{ mount_path: '/sys/fs/cgroup/cpu', hierarchy: ['CGROUP_CPU', 'CGROUP_CPUACCT'] }, { hierarchy: ['CGROUP_UNIFIED'] }] }],
    ['RunSpec', 'RunSpec', 'fd_policy: DETACHED', { fd_policy: 'DETACHED' }],
    ['EventSpec threshold', 'EventSpec', 'memory_threshold { usage: 1073741824 }', { memory_threshold: { usage: 1073741824 } }],
  ])('%s', (_label, type, text, expected) => {
    expect(parseText(type, text)).toEqual(expected);
  });

  it('reads the example file with every text-format construct the original accepted', () => {
    expect(parseText('ContainerSpec', fixture('container-spec.textproto'))).toEqual({
      cpu: { scheduling_latency: 'PRIORITY', limit: 2000, max_limit: 500, mask: { data: [15, 3] } },
      memory: { limit: 100000000, reservation: 50000000, swap_limit: -1 },
      device: {
        restrictions_set: {
          restrictions: [
            { permission: 'DENY', type: 'DEVICE_ALL' },
            { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE'], major: 1, minor: 3 },
          ],
        },
      },
      pids: { limit: 512 },
    });
  });
});

describe('parseText rejects bad input with the position and the field', () => {
  it.each<[string, MessageName, string, string]>([
    ['unknown top-level field', 'ContainerSpec', 'memroy:{limit:1}', 'ContainerSpec: line 1, column 1: unknown field "memroy"'],
    ['unknown nested field', 'ContainerSpec', 'memory:{memroy:1}', 'ContainerSpec: line 1, column 9: memory: unknown field "memroy"'],
    ['field names are case-sensitive', 'ContainerSpec', 'Memory {}', 'ContainerSpec: line 1, column 1: unknown field "Memory"'],
    ['reserved field of the original', 'ContainerSpec', 'filesystem { fd_limit: 3 }',
      'ContainerSpec: line 1, column 14: filesystem: reserved field "fd_limit" is not supported by this lmctfy'],
    ['string for an integer', 'ContainerSpec', 'memory { limit: "big" }',
      'ContainerSpec: line 1, column 17: memory.limit: expected an integer, found a string'],
    ['float for an integer', 'ContainerSpec', 'memory { limit: 1.5 }', 'ContainerSpec: line 1, column 17: memory.limit: expected an integer, found "1.5"'],
    ['exponent for an integer', 'ContainerSpec', 'memory { limit: 1e9 }', 'ContainerSpec: line 1, column 17: memory.limit: expected an integer, found "1e9"'],
    ['quoted enum', 'ContainerSpec', 'cpu { scheduling_latency: "NORMAL" }',
      'ContainerSpec: line 1, column 27: cpu.scheduling_latency: expected a SchedulingLatency value, found a string'],
    ['number for a string', 'ContainerSpec', 'memory { hugetlbfs_path: 5 }',
      'ContainerSpec: line 1, column 26: memory.hugetlbfs_path: expected a quoted string, found "5"'],
    ['word for a bool', 'ContainerSpec', 'memory { kmem_charge_usage: yes }',
      'ContainerSpec: line 1, column 29: memory.kmem_charge_usage: expected true or false, found "yes"'],
    ['2 for a bool', 'ContainerSpec', 'memory { kmem_charge_usage: 2 }',
      'ContainerSpec: line 1, column 29: memory.kmem_charge_usage: expected true or false, found "2"'],
    ['word for a float', 'ContainerStats', 'pressure { cpu { some { avg10: high } } }',
      'ContainerStats: line 1, column 32: pressure.cpu.some.avg10: expected a number, found "high"'],
    ['int32 out of range', 'ContainerSpec', 'memory { eviction_priority: 2147483648 }',
      'ContainerSpec: line 1, column 29: memory.eviction_priority: value 2147483648 is out of range for int32'],
    ['uint32 out of range', 'ContainerSpec', 'blockio { device_limit_set { default_limit: 4294967296 } }',
      'ContainerSpec: line 1, column 45: blockio.device_limit_set.default_limit: value 4294967296 is out of range for uint32'],
    ['int64 out of range', 'ContainerSpec', 'memory { limit: -9223372036854775809 }',
      'ContainerSpec: line 1, column 17: memory.limit: value -9223372036854775809 is out of range for int64'],
    ['absurdly long integer', 'ContainerSpec', `memory { limit: ${'9'.repeat(100)} }`,
      `ContainerSpec: line 1, column 17: memory.limit: value ${'9'.repeat(40)}… is out of range for int64`],
    ['beyond 2^53', 'ContainerSpec', 'memory { limit: 9007199254740992 }',
      'ContainerSpec: line 1, column 17: memory.limit: value 9007199254740992 is beyond ±9007199254740991, the largest integer lmctfy handles exactly'],
    ['uint64 beyond 2^53', 'ContainerSpec', 'cpu { mask { data: 0xffffffffffffffff } }',
      'ContainerSpec: line 1, column 20: cpu.mask.data: value 0xffffffffffffffff is beyond ±9007199254740991, the largest integer lmctfy handles exactly'],
    ['negative unsigned', 'ContainerSpec', 'cpu { limit: -1 }', 'ContainerSpec: line 1, column 14: cpu.limit: negative value -1 for unsigned field (uint64)'],
    ['negative unsigned in a list', 'ContainerSpec', 'cpu { mask { data: [1, -2] } }',
      'ContainerSpec: line 1, column 24: cpu.mask.data: negative value -2 for unsigned field (uint64)'],
    ['duplicated scalar', 'ContainerSpec', 'memory { limit: 1 limit: 2 }',
      'ContainerSpec: line 1, column 19: memory: field "limit" given twice (first at line 1, column 10)'],
    ['duplicated message', 'ContainerSpec', 'memory {}\nmemory {}', 'ContainerSpec: line 2, column 1: field "memory" given twice (first at line 1, column 1)'],
    ['list for a singular field', 'ContainerSpec', 'memory { limit: [1, 2] }',
      'ContainerSpec: line 1, column 17: memory.limit: a list [...] is only allowed for repeated fields'],
    ['unclosed list', 'ContainerSpec', 'cpu { mask { data: [1 2] } }',
      'ContainerSpec: line 1, column 23: cpu.mask.data: expected "," or "]" in the list, found "2"'],
    ['unknown enum name', 'ContainerSpec', 'cpu { scheduling_latency: FAST }',
      'ContainerSpec: line 1, column 27: cpu.scheduling_latency: unknown value "FAST" for SchedulingLatency (expected one of BEST_EFFORT, NORMAL, PRIORITY, PREMIER)'],
    ['unknown enum number', 'ContainerSpec', 'cpu { scheduling_latency: 9 }',
      'ContainerSpec: line 1, column 27: cpu.scheduling_latency: unknown value 9 for SchedulingLatency (expected one of BEST_EFFORT, NORMAL, PRIORITY, PREMIER)'],
    ['truncated block', 'ContainerSpec', 'memory { limit: 1',
      'ContainerSpec: line 1, column 18: unexpected end of input: "}" missing to close memory (opened at line 1, column 8)'],
    ['truncated after a colon', 'ContainerSpec', 'memory { limit:', 'ContainerSpec: line 1, column 16: memory.limit: expected an integer, found end of input'],
    ['truncated after a minus', 'ContainerSpec', 'memory { limit: -', 'ContainerSpec: line 1, column 17: memory.limit: expected an integer, found end of input'],
    ['truncated string', 'ContainerSpec', 'memory { hugetlbfs_path: "/dev', 'ContainerSpec: line 1, column 26: unterminated string'],
    ['newline in a string', 'ContainerSpec', 'memory { hugetlbfs_path: "/dev\n" }', 'ContainerSpec: line 1, column 26: unterminated string'],
    ['bad escape', 'ContainerSpec', 'memory { hugetlbfs_path: "\\q" }', 'ContainerSpec: line 1, column 27: unknown escape \\q'],
    ['escape makes invalid UTF-8', 'ContainerSpec', 'memory { hugetlbfs_path: "\\xff" }',
      'ContainerSpec: line 1, column 26: memory.hugetlbfs_path: string is not valid UTF-8'],
    ['missing colon before a scalar', 'ContainerSpec', 'memory { limit 5 }',
      'ContainerSpec: line 1, column 16: memory.limit: expected ":" after the field name, found "5"'],
    ['scalar for a message', 'ContainerSpec', 'memory: 5', 'ContainerSpec: line 1, column 9: memory: expected "{" to open the message, found "5"'],
    ['stray closer', 'ContainerSpec', '}', 'ContainerSpec: line 1, column 1: expected a field name, found "}"'],
    ['mismatched closer', 'ContainerSpec', 'memory { limit: 1 >', 'ContainerSpec: line 1, column 19: memory: expected a field name, found ">"'],
    ['double separator', 'ContainerSpec', 'memory { limit: 1;; }', 'ContainerSpec: line 1, column 19: memory: expected a field name, found ";"'],
    ['extension syntax', 'ContainerSpec', '[ext.foo]: 1', 'ContainerSpec: line 1, column 1: extension and Any fields ([...]) are not supported'],
    ['JSON given as text', 'ContainerSpec', '{"memory": {}}', 'ContainerSpec: line 1, column 1: expected a field name, found "{"'],
    ['illegal character', 'ContainerSpec', 'memory { limit: 1 } @', 'ContainerSpec: line 1, column 21: unexpected character "@"'],
    ['number glued to a word', 'ContainerSpec', 'memory { limit: 12abc }', 'ContainerSpec: line 1, column 17: malformed number "12abc"'],
    ['bad octal', 'ContainerSpec', 'memory { limit: 09 }', 'ContainerSpec: line 1, column 17: malformed octal number "09"'],
    ['missing required field', 'ContainerStats', 'cpu { histograms { stat { bucket: 1 value: 2 } } }',
      'ContainerStats: line 1, column 48: cpu.histograms[0]: missing required field "type"'],
    ['missing required field, second element', 'ContainerStats', 'cpu { histograms { type: SERVE } histograms { stat { value: 2 } } }',
      'ContainerStats: line 1, column 63: cpu.histograms[1].stat[0]: missing required field "bucket"'],
    ['position on a later line', 'ContainerSpec', 'cpu {\n  limit: 1\n  limti: 2\n}', 'ContainerSpec: line 3, column 3: cpu: unknown field "limti"'],
    ['columns count characters, not UTF-16 units', 'ContainerSpec', 'memory { hugetlbfs_path: "😀" limt: 1 }',
      'ContainerSpec: line 1, column 30: memory: unknown field "limt"'],
  ])('%s', (_label, type, text, message) => {
    expect(invalidMessage(() => parseText(type, text))).toBe(message);
  });

  it('rejects input above the size limit before reading it', () => {
    expect(invalidMessage(() => parseText('ContainerSpec', ' '.repeat(MAX_SPEC_BYTES + 1)))).toBe(
      `ContainerSpec: input is ${MAX_SPEC_BYTES + 1} bytes, more than the ${MAX_SPEC_BYTES} a spec may have`,
    );
    expect(parseText('ContainerSpec', ' '.repeat(MAX_SPEC_BYTES))).toEqual({});
  });
});

describe('formatText', () => {
  it.each<[string, MessageName, unknown, string]>([
    ['the README example', 'ContainerSpec', { memory: { limit: 100000000 } }, 'memory {\n  limit: 100000000\n}\n'],
    ['empty message', 'ContainerSpec', {}, ''],
    ['empty nested message', 'EventSpec', { oom: {} }, 'oom {\n}\n'],
    ['fields in number order, whatever the key order', 'ContainerSpec', { pids: { limit: 1 }, owner_group: 5, cpu: { limit: 1 }, owner: 7 },
      'owner: 7\ncpu {\n  limit: 1\n}\nowner_group: 5\npids {\n  limit: 1\n}\n'],
    ['enums by name, repeated one per line', 'ContainerSpec', { device: { restrictions_set: { restrictions: [{ permission: 'ALLOW', access: ['READ', 'WRITE'] }] } } },
      'device {\n  restrictions_set {\n    restrictions {\n      permission: ALLOW\n      access: READ\n      access: WRITE\n    }\n  }\n}\n'],
    ['strings quoted and escaped', 'ContainerSpec', { memory: { hugetlbfs_path: 'a"b\\c\né' } },
      'memory {\n  hugetlbfs_path: "a\\"b\\\\c\\n\\303\\251"\n}\n'],
    ['bools and negative numbers', 'ContainerSpec', { memory: { limit: -1, kmem_charge_usage: false } }, 'memory {\n  limit: -1\n  kmem_charge_usage: false\n}\n'],
    ['floats', 'ContainerStats', { pressure: { cpu: { some: { avg10: 0.5, avg60: Infinity, avg300: NaN, total: 3 } } } },
      'pressure {\n  cpu {\n    some {\n      avg10: 0.5\n      avg60: inf\n      avg300: nan\n      total: 3\n    }\n  }\n}\n'],
    ['undefined, null and empty lists print nothing', 'ContainerSpec', { owner: undefined, cpu: null, memory: { tmpfs: { path: [] } } },
      'memory {\n  tmpfs {\n  }\n}\n'],
    ['enum given by number', 'RunSpec', { fd_policy: 1 }, 'fd_policy: INHERIT\n'],
  ])('%s', (_label, type, obj, text) => {
    expect(formatText(type, obj)).toBe(text);
  });

  it('prints the example file as the original lmctfy did', () => {
    const spec = parseText('ContainerSpec', fixture('container-spec.textproto'));
    expect(formatText('ContainerSpec', spec)).toBe(fixture('container-spec.formatted.txt'));
  });

  it.each<[string, unknown, string]>([
    ['a wrong value type', { memory: { limit: 'x' } }, 'ContainerSpec: memory.limit: expected an integer, found "x"'],
    ['an unknown key', { memory: { limt: 1 } }, 'ContainerSpec: memory: unknown field "limt"'],
    ['a list for a message', { memory: [] }, 'ContainerSpec: memory: expected an object, found a list'],
    ['a non-object', 'memory { limit: 1 }', 'ContainerSpec: expected an object, found "memory { limit: 1 }"'],
    ['an unsafe integer', { memory: { limit: 2 ** 60 } }, `ContainerSpec: memory.limit: value ${2 ** 60} is beyond ±9007199254740991, the largest integer lmctfy handles exactly`],
    ['a stats field in a spec', { cpu: { histograms: [{ stat: [] }] } }, 'ContainerSpec: cpu: unknown field "histograms"'],
  ])('rejects %s', (_label, obj, message) => {
    expect(invalidMessage(() => formatText('ContainerSpec', obj))).toBe(message);
  });

  it('rejects a stats message missing a required field', () => {
    expect(invalidMessage(() => formatText('ContainerStats', { cpu: { histograms: [{ stat: [] }] } }))).toBe(
      'ContainerStats: cpu.histograms[0]: missing required field "type"',
    );
  });
});

describe('text round trips', () => {
  it.each<[MessageName, object]>([
    ['ContainerSpec', fullContainerSpec],
    ['ContainerStats', fullContainerStats],
    ['EventSpec', fullEventSpec],
    ['RunSpec', fullRunSpec],
    ['InitSpec', fullInitSpec],
  ])('%s: object → text → object is the identity, text → object → text is stable', (type, obj) => {
    const text = formatText(type, obj);
    expect(parseText(type, text)).toEqual(obj);
    expect(formatText(type, parseText(type, text))).toBe(text);
  });
});
