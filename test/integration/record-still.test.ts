import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { engineStatsSource } from '../../src/engine/sampling/index.js';
import { Sampler } from '../../src/stats/sampler.js';
import type { CgroupVersion } from '../../src/engine/kernel/layout.js';
import type { RawContainerSample } from '../../src/stats/model.js';

/** Lets inotify's events in (see stats-watch.test.ts): two immediates are a whole loop iteration, poll phase included. */
const turn = async () => {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

/**
 * The recorder's cheap pass (Sampler reuseStill over a watching source): a container none
 * of whose tasks ran is not read again, its last reading handed on as the very same object,
 * which the store skips unread; anything that may have changed it is read whole.
 */
function stillSuite(version: CgroupVersion) {
  const t = testRoot(`still${version}`, version);
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root, version });
  });
  afterAll(() => t.cleanup());

  const within = async (top: string, fn: (open: (validateEvery?: number) => { s: Sampler; reads: string[] }) => Promise<void>) => {
    await api.create(top, version === 1 ? { memory: { limit: 104_857_600 } } : {});
    const samplers: Sampler[] = [];
    try {
      await fn((validateEvery = Number.MAX_SAFE_INTEGER) => {
        const reads: string[] = [];
        const io: KernelIo = { ...realIo, readFile: (p) => (reads.push(p), realIo.readFile(p)) };
        const source = engineStatsSource(ContainerApi.open({ root: t.root, io, version }), { watch: true, validateEvery });
        const s = new Sampler(source, { root: `/${top}`, host: false, type: 'counters', histograms: true, reuseStill: true });
        samplers.push(s);
        return { s, reads };
      });
    } finally {
      for (const s of samplers) s.close();
      await api.destroy(top, { force: true });
    }
  };
  const byName = (s: Sampler) => new Map(s.sample().containers.map((c): [string, RawContainerSample] => [c.name, c]));
  const ran = async (name: string) => {
    const child = await api.get(name).run(['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done']);
    await once(child, 'exit');
  };

  it('hands on an idle container’s reading unread, one cheap read each pass, none below a still parent', () =>
    within('idle', async (open) => {
      await api.create('idle/kid');
      const { s, reads } = open();
      byName(s);
      await turn();
      byName(s);
      const before = byName(s);
      reads.length = 0;
      const after = byName(s);
      expect(after.get('/idle')).toBe(before.get('/idle'));
      expect(after.get('/idle/kid')).toBe(before.get('/idle/kid'));
      const files = reads.filter((p) => p.includes('/idle')).map((p) => p.slice(p.lastIndexOf('/') + 1));
      expect(files).toEqual([version === 1 ? 'cpuacct.usage' : 'cpu.stat']);
    }));

  it('reads whole a container whose tasks ran, and its parent, not its idle sibling', () =>
    within('busy', async (open) => {
      await api.create('busy/a');
      await api.create('busy/b');
      const { s } = open();
      byName(s);
      await turn();
      const before = byName(s);
      await ran('busy/a');
      await turn();
      const after = byName(s);
      expect(after.get('/busy/a')).not.toBe(before.get('/busy/a'));
      expect(after.get('/busy/a')!.stats.cpu!.usage!.total).toBeGreaterThan(before.get('/busy/a')!.stats.cpu!.usage!.total!);
      expect(after.get('/busy')).not.toBe(before.get('/busy'));
      expect(after.get('/busy/b')).toBe(before.get('/busy/b'));
    }));

  it('a container that ran and went still records an empty interval of CPU latency, not the busy one again', () =>
    within('hist', async (open) => {
      await api.create('hist/a');
      const { s } = open();
      const child = await api.get('hist/a').run(['/bin/sh', '-c', 'while :; do i=0; while [ $i -lt 500 ]; do i=$((i+1)); done; sleep 0.01; done'], { detached: true });
      try {
        const usage = () => byName(s).get('/hist/a')!;
        const first = usage();
        // Until a pass carries an interval in which it ran (the first one only starts the series).
        let busy = usage();
        while (!(busy.stats.cpu?.histograms ?? []).some((h) => h.stat.some((b) => b.value > 0)) || busy.stats.cpu!.usage!.total === first.stats.cpu!.usage!.total) {
          await new Promise((r) => setTimeout(r, 20));
          busy = usage();
        }
        process.kill(child.pid!, 'SIGSTOP');
        // The stopped shell's last `sleep 0.01` still ends (and is charged its exit): wait until
        // the shell is the container's only task, so nothing in it can run any more.
        for (let waited = 0; api.get('hist/a').listProcesses().length > 1; waited += 20) {
          if (waited > 5000) throw new Error('the stopped shell\'s last child did not end');
          await new Promise((r) => setTimeout(r, 20));
        }
        // Until a pass has seen its last CPU time.
        let last = usage();
        for (let next = usage(); next !== last; next = usage()) last = next;
        expect(last.stats.cpu!.histograms!.flatMap((h) => h.stat.map((b) => b.value)).every((v) => v === 0)).toBe(true);
        expect(last.stats.cpu!.histograms!.length).toBe(busy.stats.cpu!.histograms!.length);
        expect(usage()).toBe(last);
      } finally {
        process.kill(child.pid!, 'SIGKILL');
        await once(child, 'exit');
      }
    }));

  it('reads whole a container whose settings or freezer were written, though none of its tasks ran', () =>
    within('set', async (open) => {
      await api.create('set/kid');
      const { s } = open();
      byName(s);
      await turn();
      byName(s);
      if (version === 1) {
        await api.get('set').update({ memory: { limit: 209_715_200 } }, 'diff');
        await turn();
        expect(byName(s).get('/set')!.limits.memoryLimit).toBe(209_715_200);
      }
      await api.get('set').pause();
      await turn();
      const frozen = byName(s);
      expect(frozen.get('/set')!.stats.freezer?.state).toBe('FROZEN');
      expect(frozen.get('/set/kid')!.stats.freezer?.state).toBe('FROZEN');
      await api.get('set').resume();
      await turn();
      expect(byName(s).get('/set/kid')!.stats.freezer?.state).toBe('THAWED');
    }));

  /** The files of a container read since `from` in `reads` (its own dirs only, not its children's). */
  const filesOf = (reads: string[], name: string) => reads.filter((p) => p.slice(0, p.lastIndexOf('/')).endsWith(name)).map((p) => p.slice(p.lastIndexOf('/') + 1));
  /** Passes until a container is taken as still again (each may read it whole once). */
  const settle = async (s: Sampler) => {
    for (let i = 0; i < 3; i++) {
      byName(s);
      await turn();
    }
  };

  // The sampler's root has no parent in its tree, so only its own emptiness spares its read.
  it('reads nothing of a container without tasks', () =>
    within('none', async (open) => {
      const { s, reads } = open();
      await settle(s);
      const before = byName(s);
      reads.length = 0;
      expect(byName(s).get('/none')).toBe(before.get('/none'));
      expect(filesOf(reads, '/none')).toEqual([]);
    }));

  it('reads the CPU time alone of an idle container holding a task', () =>
    within('one', async (open) => {
      const sleeper = await api.get('one').run(['/bin/sleep', '600'], { detached: true });
      try {
        // Until it sleeps: loading and starting sleep is CPU time of the container, on a loaded machine for longer than a few passes.
        while (fs.readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'S') await new Promise((r) => setTimeout(r, 20));
        const { s, reads } = open();
        await settle(s);
        const before = byName(s);
        reads.length = 0;
        expect(byName(s).get('/one')).toBe(before.get('/one'));
        expect(filesOf(reads, '/one')).toEqual([version === 1 ? 'cpuacct.usage' : 'cpu.stat']);
      } finally {
        sleeper.kill('SIGKILL');
        await once(sleeper, 'exit');
      }
    }));

  it('stops reading a container once its last task has exited', () =>
    within('left', async (open) => {
      const sleeper = await api.get('left').run(['/bin/sleep', '600'], { detached: true });
      const { s, reads } = open();
      await settle(s);
      sleeper.kill('SIGKILL');
      await once(sleeper, 'exit');
      // Its exit is charged (a pass that reads it whole), then it stands still at a new CPU time and is asked again.
      await settle(s);
      reads.length = 0;
      byName(s);
      expect(filesOf(reads, '/left')).toEqual([]);
    }));

  it('reads an empty container in the pass after `lmctfy run` put a task in it', () =>
    within('joinrun', async (open) => {
      const { s, reads } = open();
      await settle(s);
      const before = byName(s).get('/joinrun')!;
      await ran('joinrun');
      await turn();
      reads.length = 0;
      const after = byName(s).get('/joinrun')!;
      expect(filesOf(reads, '/joinrun')).toContain(version === 1 ? 'cpuacct.usage' : 'cpu.stat');
      expect(after).not.toBe(before);
      expect(after.stats.cpu!.usage!.total).toBeGreaterThan(before.stats.cpu!.usage!.total!);
    }));

  it.each(['cgroup.procs', 'tasks'])('reads an empty container in the pass after a plain write of a pid to its CPU time’s %s', (file) =>
    within(`join${file.replace('.', '')}`, async (open) => {
      const name = `/join${file.replace('.', '')}`;
      const dir = ContainerApi.open({ root: t.root, version }).machine.dirOf(name, version === 1 ? 'cpuacct' : 'cpu')!;
      const { s } = open();
      await settle(s);
      const before = byName(s).get(name)!;
      // Waits on stdin until it has joined, then spins: its CPU time is charged to the container.
      const child = spawn('/bin/sh', ['-c', 'read x; i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
      try {
        fs.writeFileSync(`${dir}/${file}`, `${child.pid}\n`);
        child.stdin.end('go\n');
        // Until the spin is over (it has become sleep): its CPU time is the container's.
        while (fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() !== 'sleep') await new Promise((r) => setTimeout(r, 20));
        await turn();
        const after = byName(s).get(name)!;
        expect(after).not.toBe(before);
        expect(after.stats.cpu!.usage!.total).toBeGreaterThan(before.stats.cpu!.usage!.total!);
      } finally {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }),
  );

  it('records for a container that stayed empty what a full read gives', () =>
    within('same', async (open) => {
      const { s } = open();
      await settle(s);
      byName(s);
      const kept = byName(s).get('/same')!;
      const full = new Sampler(engineStatsSource(ContainerApi.open({ root: t.root, version })), { root: '/same', host: false, type: 'counters' });
      const fresh = full.sample().containers.find((c) => c.name === '/same')!;
      full.close();
      const plain = (c: RawContainerSample) => ({ stats: { ...c.stats, cpu: { ...c.stats.cpu, histograms: undefined } }, limits: c.limits });
      expect(plain(kept)).toEqual(plain(fresh));
    }));

  /** Waits until a task sleeps (state S): what it ran loading and starting is CPU time of its container. */
  const asleep = async (pid: number) => {
    while (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'S') await new Promise((r) => setTimeout(r, 20));
  };
  /** A task in `name` (a plain write of its pid) that sleeps reading stdin, then spins once it reads a line: a wake no cgroup event tells of. */
  const waiter = async (name: string) => {
    const dir = ContainerApi.open({ root: t.root, version }).machine.dirOf(name, 'cpuacct')!;
    const child = spawn('/bin/sh', ['-c', 'read x; i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
    fs.writeFileSync(`${dir}/cgroup.procs`, `${child.pid}\n`);
    await asleep(child.pid!);
    return child;
  };

  /** `kid` runs between each of three passes, never while one reads (its parent's sum check holds from the third): the last pass. */
  const ranBetweenPasses = async (s: Sampler, kid: string) => {
    let last = byName(s);
    for (let i = 0; i < 3; i++) {
      await ran(kid);
      await turn();
      last = byName(s);
    }
    return last;
  };

  // The sum check (still.ts, checkKids): v1's CPU time is a parent's own plus its children's, exactly.
  it.runIf(version === 1)('reads no idle child holding a task when its parent grew by exactly what the children that ran grew', () =>
    within('sum', async (open) => {
      for (const kid of ['a', 'b', 'c']) await api.create(`sum/${kid}`);
      const sleepers = await Promise.all(['b', 'c'].map((kid) => api.get(`sum/${kid}`).run(['/bin/sleep', '600'], { detached: true })));
      try {
        for (const p of sleepers) await asleep(p.pid!);
        const { s, reads } = open();
        await settle(s);
        const before = await ranBetweenPasses(s, 'sum/a');
        await ran('sum/a');
        await turn();
        reads.length = 0;
        const after = byName(s);
        expect(after.get('/sum/a')!.stats.cpu!.usage!.total).toBeGreaterThan(before.get('/sum/a')!.stats.cpu!.usage!.total!);
        expect(after.get('/sum')).not.toBe(before.get('/sum'));
        for (const kid of ['/sum/b', '/sum/c']) {
          expect(filesOf(reads, kid)).toEqual([]);
          expect(after.get(kid)).toBe(before.get(kid));
        }
      } finally {
        for (const p of sleepers) p.kill('SIGKILL');
        await Promise.all(sleepers.map((p) => once(p, 'exit')));
      }
    }));

  it.runIf(version === 1)('reads whole an idle child whose task woke with no event, though its parent’s other child ran too', () =>
    within('woke', async (open) => {
      for (const kid of ['a', 'w']) await api.create(`woke/${kid}`);
      const w = await waiter('/woke/w');
      try {
        const { s } = open();
        await settle(s);
        const before = await ranBetweenPasses(s, 'woke/a');
        await ran('woke/a');
        w.stdin!.end('go\n');
        while (fs.readFileSync(`/proc/${w.pid}/comm`, 'utf8').trim() !== 'sleep') await new Promise((r) => setTimeout(r, 20));
        await turn();
        const after = byName(s);
        expect(after.get('/woke/w')).not.toBe(before.get('/woke/w'));
        expect(after.get('/woke/w')!.stats.cpu!.usage!.total).toBeGreaterThan(before.get('/woke/w')!.stats.cpu!.usage!.total!);
        expect(after.get('/woke/a')!.stats.cpu!.usage!.total).toBeGreaterThan(before.get('/woke/a')!.stats.cpu!.usage!.total!);
      } finally {
        w.kill('SIGKILL');
        await once(w, 'exit');
      }
    }));

  it('reads a still container whole when its re-validation is due, and hands on its reading when nothing in it moved', () =>
    within('due', async (open) => {
      const { s, reads } = open(2);
      await settle(s);
      const kept = byName(s).get('/due');
      let whole = 0;
      for (let i = 0; i < 4; i++) {
        reads.length = 0;
        expect(byName(s).get('/due')).toBe(kept);
        if (filesOf(reads, '/due').includes('memory.usage_in_bytes')) whole++;
      }
      // Every second pass re-validates it.
      expect(whole).toBe(2);
    }));
}

describeCgroups('recorder cheap pass (cgroup v1)', () => stillSuite(1));
