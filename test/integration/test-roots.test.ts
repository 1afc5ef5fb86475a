/**
 * The test-root scaffolding itself (test/helpers/cgroups.ts): a suite's roots are removed
 * when the suite is over even if its own teardown never removes them, roots whose test
 * process died are recognised by name, and a root's journal goes with the root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { journalPath } from '../../src/engine/journal.js';
import { describeCgroups, journalFiles, rootDirs, staleAmong, testRoot } from '../helpers/cgroups.js';

let abandoned: string | undefined;
let payload: ChildProcess | undefined;

describeCgroups('a suite that leaves its root behind', () => {
  const t = testRoot('abandon');
  abandoned = t.root;

  it('makes its root and a child cgroup with a running task, and never cleans up', () => {
    payload = spawn('sleep', ['600'], { stdio: 'ignore' });
    for (const dir of rootDirs(t.root)) {
      fs.mkdirSync(path.join(dir, 'child'), { recursive: true });
      // A new v1 cpuset has no CPUs to run a task on.
      if (!dir.includes('/cpuset/')) fs.writeFileSync(path.join(dir, 'child', 'cgroup.procs'), String(payload.pid));
    }
    expect(rootDirs(t.root).every((d) => fs.existsSync(path.join(d, 'child')))).toBe(true);
  });
});

describeCgroups('after that suite', () => {
  it('its root is gone in every hierarchy and its task was killed', async () => {
    expect(abandoned).toBeDefined();
    expect(rootDirs(abandoned!).filter((d) => fs.existsSync(d))).toEqual([]);
    const child = payload!;
    const signal = child.exitCode !== null || child.signalCode !== null ? child.signalCode : await new Promise((r) => child.once('exit', (_c, s) => r(s)));
    expect(signal).toBe('SIGKILL');
  });
});

describeCgroups('a root that wrote a journal', () => {
  it('leaves no journal file once cleaned up', async () => {
    const t = testRoot('journal');
    try {
      const api = await ContainerApi.init({}, { root: t.root });
      await api.create('/box', {});
      const journal = journalPath(api.machine.trackingDir('/'));
      expect(fs.existsSync(journal)).toBe(true);
      expect(journalFiles(t.root)).toContain(journal);
    } finally {
      await t.cleanup();
    }
    expect(journalFiles(t.root).filter((f) => fs.existsSync(f))).toEqual([]);
  });
});

describe('stale roots are known by the pid in their name', () => {
  const alive = (pid: number) => pid === 100;
  it.each([
    ['lmctfy-test-v2-200-mio3k2x1-0', true],
    ['lmctfy-test-res-v2-200-mio3k2x1-3', true],
    ['lmctfy-test-v2-100-mio3k2x1-0', false],
    ['lmctfy-probe-200-1733140000000', true],
    ['lmctfy-probe-100-1733140000000', false],
    ['lmctfy-bench-200', false],
    ['lmctfy-test-200', false],
    ['web', false],
    ['process_api', false],
  ])('%s: stale %s', (entry, stale) => {
    expect(staleAmong([entry], alive)).toEqual(stale ? [entry] : []);
  });
});
