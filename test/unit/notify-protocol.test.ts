import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { wantedEvent } from '../../src/engine/notify/event-kind.js';
import { LineSplitter, addCommand, delCommand, parseReply } from '../../src/engine/notify/protocol.js';
import { notifySpec } from '../../src/cli/commands/notify.js';

function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LmctfyError ? e.code : undefined;
  }
  return Code.OK;
}

describe('helper commands', () => {
  it('puts the dir last so it may hold spaces', () => {
    expect(addCommand(7, '/sys/fs/cgroup/memory/a b', { type: 'oom' })).toBe('add 7 oom /sys/fs/cgroup/memory/a b\n');
    expect(addCommand(8, '/m/x', { type: 'memory_threshold', usage: 67108864 })).toBe('add 8 threshold 67108864 /m/x\n');
    expect(addCommand(9, '/m/p', { type: 'oom', holdKiller: true })).toBe('add 9 oomguard /m/p\n');
    expect(delCommand(8)).toBe('del 8\n');
  });

  it('refuses a dir that would end the line early', () => {
    expect(codeOf(() => addCommand(1, '/m/a\nadd 2 oom /m/b', { type: 'oom' }))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => addCommand(1, '', { type: 'oom' }))).toBe(Code.INVALID_ARGUMENT);
  });
});

describe('helper replies', () => {
  it.each([
    ['ok 1', { kind: 'ok', id: 1 }],
    ['event 42', { kind: 'event', id: 42 }],
    ['gone 9007199254740991', { kind: 'gone', id: 9007199254740991 }],
    ['error 3 open /x/memory.oom_control: No such file or directory', { kind: 'error', id: 3, message: 'open /x/memory.oom_control: No such file or directory' }],
    ['error - malformed command', { kind: 'error', id: undefined, message: 'malformed command' }],
    ['error 5', { kind: 'error', id: 5, message: '' }],
  ])('%j', (line, reply) => {
    expect(parseReply(line)).toEqual(reply);
  });

  it.each(['', 'ok', 'ok ', 'ok x', 'ok 1 2', 'event -1', 'event 1.5', 'gone 99999999999999999999', 'hello 1', 'error x msg', 'OK 1'])(
    'ignores %j',
    (line) => {
      expect(parseReply(line)).toBeUndefined();
    },
  );

  it('splits a stream into lines across chunk boundaries', () => {
    const s = new LineSplitter();
    expect(s.push('ok 1\nev')).toEqual(['ok 1']);
    expect(s.push('ent 1')).toEqual([]);
    expect(s.push('\ngone 1\n\n')).toEqual(['event 1', 'gone 1', '']);
    expect(s.push('')).toEqual([]);
  });
});

describe('EventSpec', () => {
  it('takes exactly one event', () => {
    expect(wantedEvent({ oom: {} })).toEqual({ type: 'oom' });
    expect(wantedEvent({ container_empty: {} })).toEqual({ type: 'container_empty' });
    expect(wantedEvent({ memory_threshold: { usage: 0 } })).toEqual({ type: 'memory_threshold', usage: 0 });
    expect(codeOf(() => wantedEvent({}))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => wantedEvent({ oom: {}, container_empty: {} }))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => wantedEvent({ oom: {}, memory_threshold: { usage: 1 } }))).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([undefined, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN])('refuses threshold usage %s', (usage) => {
    expect(codeOf(() => wantedEvent({ memory_threshold: { usage } }))).toBe(Code.INVALID_ARGUMENT);
  });
});

describe('notify command arguments', () => {
  it('maps to EventSpecs', () => {
    expect(notifySpec('memory', 'oom', undefined)).toEqual({ oom: {} });
    expect(notifySpec('memory', 'threshold', '1048576')).toEqual({ memory_threshold: { usage: 1048576 } });
  });

  it.each([
    ['cpu', 'oom', undefined],
    ['memory', 'empty', undefined],
    ['memory', 'oom', '5'],
    ['memory', 'threshold', undefined],
    ['memory', 'threshold', '-1'],
    ['memory', 'threshold', '1e6'],
    ['memory', 'threshold', '99999999999999999999'],
  ])('refuses %s %s %s', (resource, event, bytes) => {
    expect(codeOf(() => notifySpec(resource, event, bytes))).toBe(Code.INVALID_ARGUMENT);
  });
});
