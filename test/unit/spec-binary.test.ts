import { describe, expect, it } from 'vitest';
import { encodeBinary, MAX_SPEC_BYTES, parseBinary, type MessageName } from '../../src/messages/codec.js';
import { invalidMessage } from '../fixtures/spec/invalid.js';
import { fullContainerSpec, fullContainerStats, fullEventSpec, fullInitSpec, fullRunSpec } from '../fixtures/spec/messages.js';

const hex = (s: string) => Uint8Array.from(s.split(' ').filter(Boolean), (b) => parseInt(b, 16));

describe('binary: the wire bytes, worked out by hand', () => {
  it.each<[string, MessageName, unknown, string]>([
    ['the README example', 'ContainerSpec', { memory: { limit: 100000000 } }, '1a 05 10 80 c2 d7 2f'],
    ['cpu limits', 'ContainerSpec', { cpu: { limit: 2000, max_limit: 500 } }, '12 06 10 d0 0f 18 f4 03'],
    ['-1 as a 10-byte varint', 'ContainerSpec', { memory: { limit: -1 } }, '1a 0b 10 ff ff ff ff ff ff ff ff ff 01'],
    ['negative int32, sign-extended', 'ContainerSpec', { memory: { eviction_priority: -1 } }, '1a 0b 08 ff ff ff ff ff ff ff ff ff 01'],
    ['enum', 'ContainerSpec', { cpu: { scheduling_latency: 'PRIORITY' } }, '12 02 08 03'],
    ['our field number 100', 'ContainerSpec', { pids: { limit: 5 } }, 'a2 06 02 08 05'],
    ['repeated mask data, unpacked (proto2)', 'ContainerSpec', { cpu: { mask: { data: [1, 2] } } }, '12 06 22 04 08 01 08 02'],
    ['empty message', 'EventSpec', { oom: {} }, '0a 00'],
    ['double, little-endian', 'ContainerStats', { pressure: { cpu: { some: { avg10: 1.5 } } } }, 'aa 06 0d 0a 0b 0a 09 09 00 00 00 00 00 00 f8 3f'],
    ['string and our enum value 100', 'InitSpec', { cgroup_mount: [{ mount_path: '/c', hierarchy: ['CGROUP_PIDS'] }] }, '3a 06 0a 02 2f 63 10 64'],
    ['nothing', 'ContainerSpec', {}, ''],
  ])('%s', (_label, type, obj, bytes) => {
    expect(encodeBinary(type, obj)).toEqual(hex(bytes));
    expect(parseBinary(type, hex(bytes))).toEqual(obj);
  });

  it('reads packed repeated scalars too', () => {
    expect(parseBinary('ContainerSpec', hex('12 06 22 04 0a 02 01 02'))).toEqual({ cpu: { mask: { data: [1, 2] } } });
    expect(parseBinary('ContainerSpec', hex('12 06 22 04 0a 00 08 07'))).toEqual({ cpu: { mask: { data: [7] } } });
    expect(parseBinary('ContainerSpec', hex('12 04 22 02 0a 00'))).toEqual({ cpu: { mask: {} } });
  });

  it('reads a Buffer slice at a non-zero offset', () => {
    const pooled = Buffer.concat([Buffer.from([0xee, 0xee]), Buffer.from(hex('aa 06 0d 0a 0b 0a 09 09 00 00 00 00 00 00 f8 3f'))]).subarray(2);
    expect(parseBinary('ContainerStats', pooled)).toEqual({ pressure: { cpu: { some: { avg10: 1.5 } } } });
  });
});

describe('parseBinary rejects garbage with the byte offset and the field', () => {
  it.each<[string, MessageName, string, string]>([
    ['unknown field number', 'ContainerSpec', '78 01', 'ContainerSpec: byte offset 0: unknown field number 15 (wire type 0)'],
    ['unknown nested field number', 'ContainerSpec', '1a 02 78 01', 'ContainerSpec: byte offset 2: memory: unknown field number 15 (wire type 0)'],
    ['reserved field number', 'ContainerSpec', '3a 02 08 01', 'ContainerSpec: byte offset 2: filesystem: reserved field number 1 is not supported by this lmctfy'],
    ['field number 0', 'ContainerSpec', '00', 'ContainerSpec: byte offset 0: invalid field number 0'],
    ['wire type that does not fit', 'ContainerSpec', '18 05', 'ContainerSpec: byte offset 0: memory: wire type 0 does not fit field type MemorySpec'],
    ['group wire type', 'ContainerSpec', '0b', 'ContainerSpec: byte offset 0: owner: wire type 3 does not fit field type int64'],
    ['length past the end', 'ContainerSpec', '1a 05 10 80', 'ContainerSpec: byte offset 1: memory: length 5 runs past the end of the enclosing message'],
    ['varint cut by the message end', 'ContainerSpec', '1a 02 10 80 01', 'ContainerSpec: byte offset 3: memory.limit: truncated varint'],
    ['truncated varint at the end', 'ContainerSpec', '08 ff', 'ContainerSpec: byte offset 1: owner: truncated varint'],
    ['varint longer than 10 bytes', 'ContainerSpec', '08 ff ff ff ff ff ff ff ff ff ff 01', 'ContainerSpec: byte offset 1: owner: varint longer than 10 bytes'],
    ['varint above 2^64', 'ContainerSpec', '08 ff ff ff ff ff ff ff ff ff 7f', 'ContainerSpec: byte offset 1: owner: varint above 2^64-1'],
    ['truncated double', 'ContainerStats', 'aa 06 06 0a 04 0a 02 09 00', 'ContainerStats: byte offset 8: pressure.cpu.some.avg10: truncated 64-bit value'],
    ['duplicated singular field', 'ContainerSpec', '08 01 08 02', 'ContainerSpec: byte offset 2: field "owner" given twice'],
    ['beyond 2^53', 'ContainerSpec', '1a 09 10 81 80 80 80 80 80 80 10',
      'ContainerSpec: byte offset 3: memory.limit: value 9007199254740993 is beyond ±9007199254740991, the largest integer lmctfy handles exactly'],
    ['uint64 written as -1', 'ContainerSpec', '12 0b 10 ff ff ff ff ff ff ff ff ff 01',
      'ContainerSpec: byte offset 3: cpu.limit: value 18446744073709551615 is beyond ±9007199254740991, the largest integer lmctfy handles exactly'],
    ['unknown enum value', 'ContainerSpec', '12 02 08 09',
      'ContainerSpec: byte offset 3: cpu.scheduling_latency: unknown value 9 for SchedulingLatency (expected one of BEST_EFFORT, NORMAL, PRIORITY, PREMIER)'],
    ['invalid UTF-8 string', 'ContainerSpec', '1a 03 2a 01 ff', 'ContainerSpec: byte offset 3: memory.hugetlbfs_path: string is not valid UTF-8'],
    ['missing required field', 'ContainerStats', '0a 02 22 00', 'ContainerStats: byte offset 4: cpu.histograms[0]: missing required field "type"'],
    ['text given as binary', 'ContainerSpec', '6d 65 6d 6f 72 79', 'ContainerSpec: byte offset 0: security_spec: wire type 5 does not fit field type SecuritySpec'],
  ])('%s', (_label, type, bytes, message) => {
    expect(invalidMessage(() => parseBinary(type, hex(bytes)))).toBe(message);
  });

  it('rejects input above the size limit', () => {
    expect(invalidMessage(() => parseBinary('ContainerSpec', new Uint8Array(MAX_SPEC_BYTES + 1)))).toBe(
      `ContainerSpec: input is ${MAX_SPEC_BYTES + 1} bytes, more than the ${MAX_SPEC_BYTES} a spec may have`,
    );
  });
});

describe('encodeBinary', () => {
  it('rejects objects that do not fit the schema', () => {
    expect(invalidMessage(() => encodeBinary('ContainerSpec', { cpu: { limit: -1 } }))).toBe(
      'ContainerSpec: cpu.limit: negative value -1 for unsigned field (uint64)',
    );
  });

  it.each<[MessageName, object]>([
    ['ContainerSpec', fullContainerSpec],
    ['ContainerStats', fullContainerStats],
    ['EventSpec', fullEventSpec],
    ['RunSpec', fullRunSpec],
    ['InitSpec', fullInitSpec],
  ])('%s: object → binary → object is the identity', (type, obj) => {
    expect(parseBinary(type, encodeBinary(type, obj))).toEqual(obj);
  });
});
