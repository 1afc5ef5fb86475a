import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CachingIo } from '../../src/engine/kernel/cached-io.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { Code } from '../../src/engine/errors.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { errorOf } from '../helpers/errors.js';

describeCgroups('CachingIo on real cgroup files', () => {
  const t = testRoot('cachedio');
  /** Container c's directory in a v1 hierarchy. */
  const dirOf = (controller: string) =>
    fs
      .readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter(([, c]) => c === controller)
      .map(([, , p]) => path.join('/sys/fs/cgroup', controller, p!, t.root, 'c'))[0]!;
  let dir: string;
  beforeAll(() => {
    expect(lmctfy(t.root, ['init', '']).code).toBe(0);
    expect(lmctfy(t.root, ['create', 'c', 'cpu:{limit:500} memory:{limit:100000000}']).code).toBe(0);
    dir = dirOf('cpu');
  });
  afterAll(() => t.cleanup());

  it('keeps a file open and re-reads what the kernel holds now', () => {
    const io = new CachingIo(realIo);
    expect(io.readFile(`${dir}/cpu.shares`).trim()).toBe('512');
    fs.writeFileSync(`${dir}/cpu.shares`, '700');
    expect(io.readFile(`${dir}/cpu.shares`).trim()).toBe('700');
    expect(io.openCount).toBe(1);
    io.close();
    expect(io.openCount).toBe(0);
  });

  it('reads a task list afresh each time: a task joining and leaving shows at the next read', async () => {
    // A kept-open v1 cgroup.procs or tasks re-read at offset 0 gives back the list built at its first read.
    const io = new CachingIo(realIo);
    const lists = [`${dir}/cgroup.procs`, `${dir}/tasks`];
    for (const f of lists) expect(io.readFile(f).trim()).toBe('');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      fs.writeFileSync(`${dir}/cgroup.procs`, String(child.pid));
      for (const f of lists) expect(io.readFile(f).trim()).toBe(String(child.pid));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    for (const f of lists) expect(io.readFile(f).trim()).toBe('');
    expect(lists.filter((f) => io.holds(f))).toEqual([]);
    io.close();
  });

  it('past maxOpen reads still work, by open/read/close', () => {
    const io = new CachingIo(realIo, { maxOpen: 2 });
    for (const f of ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.stat']) expect(io.readFile(`${dir}/${f}`)).not.toBe('');
    expect(io.openCount).toBe(2);
    io.close();
  });

  it('when full, it keeps the files read every pass rather than those read now and then', () => {
    const io = new CachingIo(realIo, { maxOpen: 4 });
    const every = ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'].map((f) => `${dir}/${f}`);
    const sometimes = ['cpu.stat', 'cpu.idle', 'cgroup.procs', 'tasks', 'notify_on_release'].map((f) => `${dir}/${f}`);
    // The rare files come first, as on a sampler's first pass, and fill the cache.
    for (let pass = 0; pass < 6; pass++) {
      if (pass % 3 === 0) for (const f of sometimes) io.readFile(f);
      for (const f of every) io.readFile(f);
      io.endPass();
    }
    expect(every.filter((f) => io.holds(f))).toEqual(every);
    io.close();
  });

  it('closes descriptors idle for idlePasses passes', () => {
    const io = new CachingIo(realIo, { idlePasses: 2 });
    io.readFile(`${dir}/cpu.shares`);
    io.endPass();
    expect(io.openCount).toBe(1);
    io.endPass();
    io.endPass();
    expect(io.openCount).toBe(0);
  });

  it('a long idle limit is looked for every quarter of it: closed after 8 to 10 idle passes', () => {
    const io = new CachingIo(realIo, { idlePasses: 8 });
    io.readFile(`${dir}/cpu.shares`);
    const open: number[] = [];
    for (let i = 0; i < 11; i++) {
      io.endPass();
      open.push(io.openCount);
    }
    expect(open.slice(0, 7)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(open.slice(9)).toEqual([0, 0]);
  });

  it('a removed cgroup reads as NOT_FOUND and its descriptor is dropped', () => {
    expect(lmctfy(t.root, ['create', 'gone', 'cpu:{limit:500}']).code).toBe(0);
    const gone = path.join(path.dirname(dir), 'gone');
    const io = new CachingIo(realIo);
    io.readFile(`${gone}/cpu.shares`);
    expect(lmctfy(t.root, ['destroy', 'gone']).code).toBe(0);
    expect(errorOf(() => io.readFile(`${gone}/cpu.shares`))?.code).toBe(Code.NOT_FOUND);
    expect(io.openCount).toBe(0);
  });

  it('under a low open-files limit it shrinks instead of failing (EMFILE)', () => {
    // A budget far above `ulimit -n 48`: the opens fail with EMFILE partway and the cache gives way.
    const dirs = ['cpu', 'cpuacct', 'memory'].map(dirOf);
    const script = `
      const { CachingIo, realIo } = await import(${JSON.stringify(path.resolve('dist/index.js'))});
      const fs = await import('node:fs');
      const files = ${JSON.stringify(dirs)}.flatMap((d) => fs.readdirSync(d).map((f) => d + '/' + f))
        .filter((f) => { try { fs.readFileSync(f); return true; } catch { return false; } });
      const io = new CachingIo(realIo, { maxOpen: 100000 });
      for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 4; i++) for (const f of files) io.readFile(f);
      console.log(JSON.stringify({ files: files.length, open: io.openCount }));`;
    const r = spawnSync('sh', ['-c', `ulimit -n 48 && exec "$0" --input-type=module -e "$1"`, process.execPath, script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { files: number; open: number };
    expect(out.files).toBeGreaterThan(48);
    expect(out.open).toBeLessThan(48);
    expect(out.open).toBeGreaterThan(0);
  });

  it('lmctfy top --json samples a tree with more files than a small ulimit -n allows', () => {
    for (let i = 0; i < 30; i++) expect(lmctfy(t.root, ['create', `many${i}`, 'cpu:{limit:500} memory:{limit:100000000}']).code).toBe(0);
    const r = spawnSync('sh', ['-c', `ulimit -n 128 && exec "$0" "$1" top --json --count 3 --interval 0.25`, process.execPath, BIN], {
      encoding: 'utf8',
      env: { ...process.env, LMCTFY_ROOT: t.root },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { containers: unknown[] });
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l.containers.length).toBeGreaterThanOrEqual(32);
  });
});
