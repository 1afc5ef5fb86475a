import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { Machine } from '../../src/engine/kernel/machine.js';
import { NotificationHub, notificationHub, type NotificationEvent } from '../../src/engine/notify/index.js';
import { counterRose, fellToZero, parseKeyed } from '../../src/engine/notify/v2-watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MEMORY_EVENTS = (oomKill: number, high = 0) => `low 0\nhigh ${high}\nmax 0\noom ${oomKill}\noom_kill ${oomKill}\noom_group_kill 0\n`;
const CGROUP_EVENTS = (populated: number) => `populated ${populated}\nfrozen 0\n`;

describe('cgroup v2 event files', () => {
  it('parses flat-keyed files, skipping junk', () => {
    expect(parseKeyed('oom 1\noom_kill 2\n\nbogus\nx y\nmax 18446744073709551615\nhigh 1 2')).toEqual(
      new Map([
        ['oom', 1],
        ['oom_kill', 2],
        ['max', 18446744073709551615],
      ]),
    );
  });

  it('an oom event per observed rise of oom_kill, none for other keys', () => {
    const rose = counterRose('oom_kill', MEMORY_EVENTS(0));
    expect(rose(MEMORY_EVENTS(0, 5))).toBe(false);
    expect(rose(MEMORY_EVENTS(1))).toBe(true);
    expect(rose(MEMORY_EVENTS(1))).toBe(false);
    expect(rose(MEMORY_EVENTS(4))).toBe(true);
    expect(rose('truncated')).toBe(false);
    expect(rose(MEMORY_EVENTS(4))).toBe(false);
  });

  it('container_empty when populated goes from 1 to 0 only', () => {
    const fell = fellToZero('populated', CGROUP_EVENTS(0));
    expect(fell(CGROUP_EVENTS(0))).toBe(false);
    expect(fell(CGROUP_EVENTS(1))).toBe(false);
    expect(fell(CGROUP_EVENTS(1))).toBe(false);
    expect(fell(CGROUP_EVENTS(0))).toBe(true);
    expect(fell(CGROUP_EVENTS(0))).toBe(false);
    expect(fellToZero('populated', '')(CGROUP_EVENTS(0))).toBe(false);
  });
});

/** A fake cgroup2 mount of ordinary files: inotify works on them like on kernfs. */
describe('NotificationHub on a fake cgroup v2 dir', () => {
  let top: string;
  let hub: NotificationHub;
  let events: NotificationEvent[];
  const cb = (e: NotificationEvent) => void events.push(e);

  function makeContainer(name: string, files: Record<string, string>): string {
    const dir = path.join(top, name);
    fs.mkdirSync(dir);
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  }

  async function until(pred: () => boolean, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; events: ${JSON.stringify(events)}`);
      await sleep(5);
    }
  }

  beforeEach(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-fake-v2-'));
    const machine = new Machine({
      io: realIo,
      version: 2,
      layout: { mode: 'v2', v1: new Map(), unified: { mountPoint: top, mountRoot: '/', controllers: [] } },
      procCgroupText: '0::/\n',
    });
    hub = new NotificationHub(machine);
    events = [];
  });
  afterEach(() => {
    hub.close();
    fs.rmSync(top, { recursive: true, force: true });
  });

  it('delivers one oom event per rise of oom_kill', async () => {
    const dir = makeContainer('a', { 'memory.events': MEMORY_EVENTS(0), 'cgroup.events': CGROUP_EVENTS(0) });
    const id = hub.register('/a', { oom: {} }, cb);
    await hub.armed(id);
    fs.writeFileSync(path.join(dir, 'memory.events'), MEMORY_EVENTS(0, 3));
    await sleep(100);
    expect(events).toEqual([]);
    fs.writeFileSync(path.join(dir, 'memory.events'), MEMORY_EVENTS(1, 3));
    await until(() => events.length === 1);
    expect(events[0]).toEqual({ type: 'oom', container: '/a' });
    fs.writeFileSync(path.join(dir, 'memory.events'), MEMORY_EVENTS(2, 3));
    await until(() => events.length === 2);
    await sleep(100);
    expect(events).toHaveLength(2);
    hub.unregister(id);
    fs.writeFileSync(path.join(dir, 'memory.events'), MEMORY_EVENTS(3));
    await sleep(100);
    expect(events).toHaveLength(2);
  });

  it('delivers container_empty when populated drops to 0', async () => {
    const dir = makeContainer('b', { 'cgroup.events': CGROUP_EVENTS(1) });
    hub.register('b', { container_empty: {} }, cb);
    fs.writeFileSync(path.join(dir, 'cgroup.events'), CGROUP_EVENTS(1));
    await sleep(100);
    expect(events).toEqual([]);
    fs.writeFileSync(path.join(dir, 'cgroup.events'), CGROUP_EVENTS(0));
    await until(() => events.length === 1);
    expect(events[0]).toEqual({ type: 'container_empty', container: '/b' });
  });

  it('a removed container ends the registration with NOT_FOUND', async () => {
    const dir = makeContainer('c', { 'memory.events': MEMORY_EVENTS(0), 'cgroup.events': CGROUP_EVENTS(1) });
    const oom = hub.register('/c', { oom: {} }, cb);
    hub.register('/c', { container_empty: {} }, cb);
    expect(hub.size).toBe(2);
    fs.rmSync(dir, { recursive: true });
    await until(() => events.length === 2);
    for (const e of events) {
      expect(e.container).toBe('/c');
      expect(e.status?.code).toBe(Code.NOT_FOUND);
    }
    expect(events.map((e) => e.type).sort()).toEqual(['container_empty', 'oom']);
    expect(hub.size).toBe(0);
    expect(() => hub.unregister(oom)).toThrow(LmctfyError);
  });

  it('a sibling coming and going is not a removal', async () => {
    makeContainer('d', { 'memory.events': MEMORY_EVENTS(0) });
    hub.register('/d', { oom: {} }, cb);
    fs.mkdirSync(path.join(top, 'd2'));
    fs.rmdirSync(path.join(top, 'd2'));
    await sleep(100);
    expect(events).toEqual([]);
    expect(hub.size).toBe(1);
  });

  it('refuses what v2 cannot watch, naming why', () => {
    makeContainer('nomem', { 'cgroup.events': CGROUP_EVENTS(0) });
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as LmctfyError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => hub.register('/nomem', { memory_threshold: { usage: 1 } }, cb)).code).toBe(Code.UNIMPLEMENTED);
    const noMemory = err(() => hub.register('/nomem', { oom: {} }, cb));
    expect(noMemory.code).toBe(Code.FAILED_PRECONDITION);
    expect(noMemory.message).toMatch(/memory\.events/);
    expect(err(() => hub.register('/missing', { oom: {} }, cb)).code).toBe(Code.NOT_FOUND);
    expect(err(() => hub.register('/nomem', {}, cb)).code).toBe(Code.INVALID_ARGUMENT);
    expect(err(() => hub.register('/nomem/../tasks', { container_empty: {} }, cb)).code).toBe(Code.INVALID_ARGUMENT);
    expect(err(() => hub.unregister(12345)).code).toBe(Code.INVALID_ARGUMENT);
    expect(hub.size).toBe(0);
  });

  it('notificationHub() gives one hub per Machine, and a fresh one after close()', () => {
    const first = notificationHub(hub.machine);
    expect(notificationHub(hub.machine)).toBe(first);
    first.close();
    const second = notificationHub(hub.machine);
    expect(second).not.toBe(first);
    expect(second.closed).toBe(false);
    second.close();
  });

  it('close() drops everything and refuses new registrations', async () => {
    const dir = makeContainer('e', { 'memory.events': MEMORY_EVENTS(0) });
    const id = hub.register('/e', { oom: {} }, cb);
    hub.close();
    await expect(hub.armed(id)).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    fs.writeFileSync(path.join(dir, 'memory.events'), MEMORY_EVENTS(1));
    await sleep(100);
    expect(events).toEqual([]);
    expect(() => hub.register('/e', { oom: {} }, cb)).toThrow(/closed/);
  });
});
