import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { NotificationHub, type NotificationEvent } from '../../src/engine/notify/index.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { childrenNamed, fdCount, until } from './notify-procs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1 << 20;
/** Allocates (and touches) memory 1 MiB at a time, forever: the OOM killer ends it. */
const ALLOCATE_FOREVER = ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));'];
/** Allocates `mib` MiB, touches it, then sleeps until killed. */
const allocateAndHold = (mib: number) => ['node', '-e', `globalThis.b = Buffer.alloc(${mib} * (1 << 20), 1); setInterval(() => {}, 1000);`];

function exited(child: ChildProcess): Promise<{ signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal })));
}

describeCgroups('notifications on cgroup v1 (real kernel eventfds)', () => {
  const t = testRoot('notify');
  let api: ContainerApi;
  let hub: NotificationHub;
  const started: ChildProcess[] = [];

  async function runIn(name: string, argv: string[]): Promise<ChildProcess> {
    const child = await api.get(name).run(argv);
    started.push(child);
    return child;
  }

  function collect(): { events: NotificationEvent[]; cb: (e: NotificationEvent) => void } {
    const events: NotificationEvent[] = [];
    return { events, cb: (e) => void events.push(e) };
  }

  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root, version: 1 });
    hub = new NotificationHub(api.machine);
  });
  afterAll(async () => {
    hub?.close();
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t.cleanup();
  });

  it('an allocation past a 64 MiB limit delivers exactly one OOM event', async () => {
    await api.create('oom', { memory: { limit: 64 * MiB } });
    const { events, cb } = collect();
    const id = hub.register('/oom', { oom: {} }, cb);
    await hub.armed(id);
    const child = await runIn('oom', ALLOCATE_FOREVER);
    const exit = await exited(child);
    expect(exit.signal).toBe('SIGKILL');
    // Nothing else happens meanwhile: the event must come by itself (epoll, not a later wakeup).
    await until(() => events.length > 0, 'the OOM event');
    await sleep(300);
    // One OOM may be signalled more than once while its victim exits (below): each is that OOM.
    expect(events.map(({ type, container, status }) => ({ type, container, status }))).toEqual(events.map(() => ({ type: 'oom', container: '/oom', status: undefined })));
    hub.unregister(id);
  });

  it('a threshold crossing delivers one event (and crossing back down another)', async () => {
    await api.create('thr', { memory: { limit: 512 * MiB } });
    const { events, cb } = collect();
    const id = hub.register('thr', { memory_threshold: { usage: 128 * MiB } }, cb);
    await hub.armed(id);
    const child = await runIn('thr', allocateAndHold(160));
    await until(() => events.length > 0, 'the threshold event');
    await sleep(300);
    expect(events.map((e) => e.type)).toEqual(['memory_threshold']);
    const exit = exited(child);
    child.kill('SIGKILL');
    await exit;
    await until(() => events.length > 1, 'the event for usage falling back below the threshold');
    expect(events.every((e) => e.status === undefined)).toBe(true);
    hub.unregister(id);
  });

  it('ten containers OOM-ing at once each deliver their own events, none lost or crossed', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `many${i}`);
    const { events, cb } = collect();
    const ids: number[] = [];
    for (const n of names) {
      await api.create(n, { memory: { limit: 64 * MiB } });
      ids.push(hub.register(n, { oom: {} }, cb));
    }
    await Promise.all(ids.map((id) => hub.armed(id)));
    const children = await Promise.all(names.map((n) => runIn(n, ALLOCATE_FOREVER)));
    await Promise.all(children.map(exited));
    await until(() => new Set(events.map((e) => e.container)).size >= 10, 'an OOM event from each of ten containers');
    await sleep(300);
    // The kernel may signal one container's OOM more than once (a second charge fails while
    // the victim exits): each event is real, and each belongs to the container that OOM-ed.
    expect([...new Set(events.map((e) => e.container))].sort()).toEqual(names.map((n) => `/${n}`).sort());
    expect(events.every((e) => e.type === 'oom' && e.status === undefined)).toBe(true);
    for (const id of ids) hub.unregister(id);
  });

  it('unregister stops delivery while other registrations keep theirs', async () => {
    await api.create('unreg', { memory: { limit: 64 * MiB } });
    const dropped = collect();
    const kept = collect();
    const a = hub.register('unreg', { oom: {} }, dropped.cb);
    const b = hub.register('unreg', { oom: {} }, kept.cb);
    await Promise.all([hub.armed(a), hub.armed(b)]);
    hub.unregister(a);
    await exited(await runIn('unreg', ALLOCATE_FOREVER));
    await until(() => kept.events.length > 0, 'the kept registration to fire');
    await sleep(300);
    expect(dropped.events).toEqual([]);
    // One OOM may be signalled more than once (see above): every kept event is that OOM.
    expect(kept.events.map((e) => [e.container, e.type, e.status])).toEqual(kept.events.map(() => ['/unreg', 'oom', undefined]));
    expect(() => hub.unregister(a)).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    hub.unregister(b);
  });

  it('destroying the container ends its registrations with NOT_FOUND', async () => {
    await api.create('doomed', { memory: { limit: 64 * MiB } });
    const { events, cb } = collect();
    const oom = hub.register('doomed', { oom: {} }, cb);
    const thr = hub.register('doomed', { memory_threshold: { usage: 32 * MiB } }, cb);
    await Promise.all([hub.armed(oom), hub.armed(thr)]);
    await api.destroy('doomed', { force: true });
    await until(() => events.length === 2, 'two final callbacks');
    expect(events.map((e) => e.type).sort()).toEqual(['memory_threshold', 'oom']);
    for (const e of events) {
      expect(e.container).toBe('/doomed');
      expect(e.status).toBeInstanceOf(LmctfyError);
      expect(e.status!.code).toBe(Code.NOT_FOUND);
    }
    expect(() => hub.unregister(oom)).toThrow(LmctfyError);
  });

  it('refuses what cannot be watched, with the reason', async () => {
    await api.create('nomem', { cpu: { limit: 500 } });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return { code: (e as LmctfyError).code, message: (e as LmctfyError).message };
      }
      return { code: Code.OK, message: '' };
    };
    const cb = () => {};
    const noMemory = codeOf(() => hub.register('nomem', { oom: {} }, cb));
    expect(noMemory.code).toBe(Code.FAILED_PRECONDITION);
    expect(noMemory.message).toMatch(/no memory cgroup of its own/);
    expect(codeOf(() => hub.register('nomem', { memory_threshold: { usage: 1 } }, cb)).code).toBe(Code.FAILED_PRECONDITION);
    const empty = codeOf(() => hub.register('oom', { container_empty: {} }, cb));
    expect(empty.code).toBe(Code.UNIMPLEMENTED);
    expect(empty.message).toMatch(/cgroup v1/);
    expect(codeOf(() => hub.register('absent', { oom: {} }, cb)).code).toBe(Code.NOT_FOUND);
    expect(codeOf(() => hub.register('oom', { oom: {}, container_empty: {} }, cb)).code).toBe(Code.INVALID_ARGUMENT);
  });

  it('a helper that dies ends its registrations with UNAVAILABLE; the next register starts a new one', async () => {
    await api.create('crash', { memory: { limit: 64 * MiB } });
    const local = new NotificationHub(api.machine);
    const others = childrenNamed(process.pid, 'lmctfy-notify');
    const { events, cb } = collect();
    const id = local.register('crash', { oom: {} }, cb);
    await local.armed(id);
    const [helper] = childrenNamed(process.pid, 'lmctfy-notify').filter((p) => !others.includes(p));
    process.kill(helper!, 'SIGKILL');
    await until(() => events.length === 1, 'the final callback');
    expect(events[0]!.status?.code).toBe(Code.UNAVAILABLE);
    expect(events[0]!.status?.message).toMatch(/SIGKILL/);
    expect(local.size).toBe(0);
    const again = local.register('crash', { oom: {} }, cb);
    await local.armed(again);
    await exited(await runIn('crash', ALLOCATE_FOREVER));
    // One allocation can make the kernel signal OOM more than once while its victim exits.
    await until(() => events.length >= 2, 'an OOM through the new helper');
    expect(events.slice(1).map((e) => e.status)).toEqual(events.slice(1).map(() => undefined));
    const [second] = childrenNamed(process.pid, 'lmctfy-notify').filter((p) => !others.includes(p));
    local.close();
    await until(() => !childrenNamed(process.pid, 'lmctfy-notify').includes(second!), 'close() to end the new helper');
  });

  it('1,000 register/unregister cycles leave no fds or helper processes behind', async () => {
    await api.create('cycles', { memory: { limit: 64 * MiB } });
    const own = fdCount('self');
    const others = childrenNamed(process.pid, 'lmctfy-notify'); // the shared hub's helper
    const local = new NotificationHub(api.machine);
    const first = local.register('cycles', { oom: {} }, () => {});
    await local.armed(first);
    const mine = childrenNamed(process.pid, 'lmctfy-notify').filter((p) => !others.includes(p));
    expect(mine).toHaveLength(1);
    const helper = mine[0]!;
    local.unregister(first);
    // stdin, stdout, stderr and the epoll fd; each registration adds an eventfd and a control fd.
    await until(() => fdCount(helper) === 4, 'the helper to close the first registration');
    for (let i = 0; i < 1000; i++) {
      const spec = i % 2 ? { oom: {} } : { memory_threshold: { usage: (i + 1) * MiB } };
      const id = local.register('cycles', spec, () => {});
      await local.armed(id);
      local.unregister(id);
    }
    await until(() => fdCount(helper) === 4, 'the helper to close every registration');
    expect(childrenNamed(process.pid, 'lmctfy-notify').filter((p) => !others.includes(p))).toEqual([helper]);
    local.close();
    await until(() => !childrenNamed(process.pid, 'lmctfy-notify').includes(helper), 'close() to end the helper');
    await until(() => fdCount('self') === own, `our fd count to return to ${own}`);
  }, 60_000); // the kernel waits for an RCU grace period on every threshold (un)register

  it('holding the OOM killer off: a task at the limit waits instead of being killed; the killer is back at unregister and at close, not after close(true)', async () => {
    await api.create('held', { memory: { limit: 64 * MiB } });
    const file = `${api.machine.dirOf('/held', 'memory')}/memory.oom_control`;
    const control = () => fs.readFileSync(file, 'utf8');
    const { events, cb } = collect();
    const id = hub.holdOomKiller('/held', cb);
    await hub.armed(id);
    expect(control()).toContain('oom_kill_disable 1');
    const child = await runIn('held', ALLOCATE_FOREVER);
    await until(() => events.length > 0, 'the OOM event');
    expect(control()).toContain('under_oom 1');
    expect(control()).toMatch(/^oom_kill 0$/m);
    expect(child.exitCode === null && child.signalCode === null).toBe(true);
    // Given back, the kernel's OOM killer takes the task that waited.
    hub.unregister(id);
    expect(await exited(child)).toEqual({ signal: 'SIGKILL' });
    expect(control()).toContain('oom_kill_disable 0');

    // A hub closed (its helper ends at EOF, as when its owner dies) gives it back too.
    const other = new NotificationHub(api.machine);
    await other.armed(other.holdOomKiller('/held', () => {}));
    expect(control()).toContain('oom_kill_disable 1');
    other.close();
    await until(() => control().includes('oom_kill_disable 0'), 'the killer back after close');

    // Closed at once (its owner put back what it held, and another may take it next): the
    // helper is killed and writes nothing after close returns.
    const helpers = childrenNamed(process.pid, 'lmctfy-notify');
    const third = new NotificationHub(api.machine);
    await third.armed(third.holdOomKiller('/held', () => {}));
    const [helper] = childrenNamed(process.pid, 'lmctfy-notify').filter((p) => !helpers.includes(p));
    expect(helper).toBeDefined();
    third.close(true);
    await until(() => !childrenNamed(process.pid, 'lmctfy-notify').includes(helper!), 'its helper to end');
    expect(control()).toContain('oom_kill_disable 1');
    fs.writeFileSync(file, '0');
  });
});
