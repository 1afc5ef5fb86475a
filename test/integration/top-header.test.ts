/**
 * The console's header names the cgroup lmctfy's root is to the kernel (issue 12.6): the
 * live source gives the delegated directory of the watched tree's top, as it exists.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { liveSource } from '../../src/cli/top.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { LiveSampler } from '../../src/stats/live.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';

describeCgroups('top: the header names the delegated cgroup', () => {
  const t = testRoot('top-header');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('box', {});
  });
  afterAll(() => t.cleanup());

  // The header is read without sampling: the sampler is never asked for anything.
  const idle = {} as LiveSampler;

  it.each([
    ['/', ''],
    ['/box', '/box'],
  ])('top of %s: a directory of that container in one of the root\'s hierarchies', (name, below) => {
    const header = liveSource(api, idle, name).header();
    expect(header.rootName).toBe(name);
    expect(rootDirs(t.root).map((d) => `${d}${below}`)).toContain(header.cgroupPath);
    expect(fs.statSync(header.cgroupPath!).isDirectory()).toBe(true);
  });
});
