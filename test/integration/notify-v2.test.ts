import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { NotificationHub, type NotificationEvent } from '../../src/engine/notify/index.js';
import { describeCgroups, hasUnified, testRoot } from '../helpers/cgroups.js';
import { until } from './notify-procs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cgroup2 mount here has no controllers, so memory.events cannot be exercised for real
 * (the fake-dir unit test covers it); cgroup.events `populated` and removal are real.
 */
describeCgroups('notifications on the real cgroup2 mount (inotify)', () => {
  const t = testRoot('notify2', 2);
  let api: ContainerApi;
  let hub: NotificationHub;
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    expect(hasUnified).toBe(true);
    api = await ContainerApi.init({}, { root: t.root, version: 2 });
    hub = new NotificationHub(api.machine);
  });
  afterAll(async () => {
    hub?.close();
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t.cleanup();
  });

  it('container_empty fires once when the last process exits', async () => {
    await api.create('job', {});
    const events: NotificationEvent[] = [];
    hub.register('job', { container_empty: {} }, (e) => void events.push(e));
    const child = await api.get('job').run(['sleep', '0.3']);
    started.push(child);
    await new Promise((r) => child.once('exit', r));
    await until(() => events.length > 0, 'container_empty');
    await sleep(200);
    expect(events).toEqual([{ type: 'container_empty', container: '/job' }]);
  });

  it('destroying the container ends the registration with NOT_FOUND', async () => {
    await api.create('gone', {});
    const events: NotificationEvent[] = [];
    hub.register('gone', { container_empty: {} }, (e) => void events.push(e));
    await api.destroy('gone');
    await until(() => events.length > 0, 'the final callback');
    expect(events).toHaveLength(1);
    expect(events[0]!.status).toBeInstanceOf(LmctfyError);
    expect(events[0]!.status!.code).toBe(Code.NOT_FOUND);
  });

  it('memory events without a memory controller, and thresholds, are refused', async () => {
    await api.create('plain', {});
    expect(() => hub.register('plain', { oom: {} }, () => {})).toThrow(expect.objectContaining({ code: Code.FAILED_PRECONDITION }));
    expect(() => hub.register('plain', { memory_threshold: { usage: 1 << 20 } }, () => {})).toThrow(expect.objectContaining({ code: Code.UNIMPLEMENTED }));
  });
});
