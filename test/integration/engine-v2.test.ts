import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, hasUnified, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCgroups('cgroup v2 backend on the cgroup2 mount', () => {
  if (!hasUnified) {
    it.skip('no cgroup2 mount on this machine', () => undefined);
    return;
  }
  const t = testRoot('v2', 2);
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root, version: 2 });
  });
  afterAll(() => t.cleanup());

  const dirOf = (name: string) => api.machine.trackingDir(name);

  it('init made the root in the unified hierarchy only', () => {
    expect(dirOf('/')).toMatch(/^\/sys\/fs\/cgroup\/unified\//);
    expect(fs.existsSync(path.join(dirOf('/'), 'cgroup.procs'))).toBe(true);
  });

  it('create, run, list, detect, stats, pause/resume, killall, destroy', async () => {
    const c = await api.create('web');
    expect(fs.existsSync(dirOf('/web'))).toBe(true);
    const child = await c.run(['sh', '-c', 'while :; do :; done'], { detached: true });
    expect(c.listProcesses()).toEqual([child.pid]);
    expect(api.detect(child.pid)).toBe('/web');
    await sleep(300);
    const usage1 = c.stats('summary').cpu?.usage?.total ?? 0;
    expect(usage1).toBeGreaterThan(0);
    await c.pause();
    expect(fs.readFileSync(path.join(dirOf('/web'), 'cgroup.events'), 'utf8')).toMatch(/frozen 1/);
    expect(c.state()).toBe('FROZEN');
    const frozenAt = c.stats('summary').cpu!.usage!.total!;
    await sleep(300);
    expect(c.stats('summary').cpu!.usage!.total).toBe(frozenAt);
    await c.resume();
    expect(c.state()).toBe('THAWED');
    await c.killAll();
    expect(c.listProcesses()).toEqual([]);
    await api.destroy('web');
    expect(fs.existsSync(dirOf('/web'))).toBe(false);
  });

  it('enter moves a task into a nested container', async () => {
    await api.create('a');
    await api.create('a/b');
    const child = await api.get('a').run(['sleep', '30'], { detached: true });
    await api.get('a/b').enter([child.pid!]);
    expect(api.detect(child.pid)).toBe('/a/b');
    await api.destroy('a', { force: true });
    expect(fs.existsSync(dirOf('/a'))).toBe(false);
  });

  it('destroy -f uses cgroup.kill on a forking payload', async () => {
    await api.create('fork');
    await api.get('fork').run(['sh', '-c', 'while :; do sleep 0.01 & done'], { detached: true });
    await sleep(200);
    await api.destroy('fork', { force: true });
    expect(fs.existsSync(dirOf('/fork'))).toBe(false);
  });

  it('a memory limit with no memory controller enabled is an explicit error, nothing made', async () => {
    const err = await api.create('mem', { memory: { limit: 100_000_000 } }).catch((e) => e);
    expect([Code.UNIMPLEMENTED, Code.FAILED_PRECONDITION]).toContain(err.code);
    expect(err.message).toMatch(/memory/);
    expect(fs.existsSync(dirOf('/mem'))).toBe(false);
  });
});
