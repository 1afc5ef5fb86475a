import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { withFaults, type FaultRule } from '../../src/engine/kernel/faults.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<Code | 'ok'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    if (e instanceof LmctfyError) return e.code;
    throw e;
  }
}

/** An API on the shared test root whose kernel calls fail as the rules say. */
function faulty(root: string, rules: FaultRule[]) {
  const io = withFaults(realIo, rules);
  return { api: ContainerApi.open({ root, io }), io };
}

function existsAnywhere(root: string, name: string): string[] {
  return rootDirs(root)
    .map((d) => `${d}/${name}`)
    .filter((d) => fs.existsSync(d));
}

describeCgroups('engine under kernel faults (docs/RELIABILITY.md 1–16)', () => {
  const t = testRoot('faults');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
  });
  afterAll(() => t.cleanup());

  it('16: a create that fails in its third hierarchy leaves nothing behind', async () => {
    const { api: f, io } = faulty(t.root, [{ op: 'mkdir', path: /\/pids\//, errno: 'ENOSPC' }]);
    const err = await f.create('half', { cpu: { limit: 100 }, memory: { limit: 50_000_000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(LmctfyError);
    expect(err.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(err.message).toMatch(/mkdir .*pids/);
    expect(io.calls.filter((c) => c.op === 'mkdir').length).toBeGreaterThan(1);
    expect(existsAnywhere(t.root, 'half')).toEqual([]);
  });

  it('16: a create whose limit write fails rolls back every dir', async () => {
    const { api: f } = faulty(t.root, [{ op: 'writeFile', path: 'memory.limit_in_bytes', errno: 'EINVAL' }]);
    expect(await codeOf(f.create('half2', { memory: { limit: 50_000_000 } }))).toBe(Code.INVALID_ARGUMENT);
    expect(existsAnywhere(t.root, 'half2')).toEqual([]);
  });

  it('13: EACCES on mkdir is PERMISSION_DENIED naming the path, nothing made', async () => {
    const { api: f } = faulty(t.root, [{ op: 'mkdir', errno: 'EACCES' }]);
    const err = await f.create('denied').catch((e) => e);
    expect(err.code).toBe(Code.PERMISSION_DENIED);
    expect(err.message).toMatch(/denied/);
    expect(existsAnywhere(t.root, 'denied')).toEqual([]);
  });

  it('bad input writes nothing to the kernel', async () => {
    const { api: f, io } = faulty(t.root, []);
    expect(await codeOf(f.create('x', { memory: { limit: 12 } }))).toBe(Code.INVALID_ARGUMENT);
    expect(await codeOf(f.create('x', { cpu: { limit: 300_000 } }))).toBe(Code.INVALID_ARGUMENT);
    expect(await codeOf(f.create('../../../../escape', { memory: { limit: 1 } }))).toBe(Code.INVALID_ARGUMENT);
    expect(await codeOf(f.create('/_x', {}))).toBe(Code.INVALID_ARGUMENT);
    expect(io.calls.filter((c) => c.op === 'mkdir' || c.op === 'writeFile')).toEqual([]);
  });

  it('1: rmdir EBUSY a few times then success; ENOENT counts as removed', async () => {
    await api.create('busy1');
    const { api: f } = faulty(t.root, [
      { op: 'rmdir', path: /freezer\/.*busy1$/, errno: 'EBUSY', times: 3 },
      { op: 'rmdir', path: /cpuacct\/.*busy1$/, errno: 'ENOENT', times: 1 },
    ]);
    await f.destroy('busy1');
    // cpuacct's dir was "already gone" for the first try; the retry loop sweeps it anyway.
    expect(existsAnywhere(t.root, 'busy1').filter((d) => !d.includes('/cpuacct/'))).toEqual([]);
    await api.destroy('busy1').catch(() => undefined);
    for (const d of existsAnywhere(t.root, 'busy1')) fs.rmdirSync(d);
  });

  it('1: rmdir EBUSY forever fails in bounded time naming what is left, and the container stays to destroy again', async () => {
    await api.create('busy2');
    // A hierarchy other than the tracking one: the container must not vanish half-removed.
    const { api: f, io } = faulty(t.root, [{ op: 'rmdir', path: /cpuacct\/.*busy2$/, errno: 'EBUSY' }]);
    const err = await f.destroy('busy2').catch((e) => e);
    // Bounded by its deadline and retried with backoff, never a spin: delays doubling from
    // 5 ms to 200 ms over 5 s make about 30 passes (a slower machine makes fewer), each
    // trying the dir twice (alone, then in the deepest-first sweep).
    const tries = io.calls.filter((c) => c.op === 'rmdir' && /cpuacct\/.*busy2$/.test(c.path)).length;
    expect(tries).toBeGreaterThan(2);
    expect(tries).toBeLessThanOrEqual(2 * 40);
    expect(err.code).toBe(Code.FAILED_PRECONDITION);
    expect(err.message).toMatch(/could not remove \/busy2: still busy .*cpuacct.*busy2/);
    expect(api.exists('busy2')).toBe(true);
    await api.destroy('busy2');
    expect(existsAnywhere(t.root, 'busy2')).toEqual([]);
  });

  it('8: cgroup.procs EINVAL for a task being born is retried', async () => {
    await api.create('born');
    const { api: f } = faulty(t.root, [{ op: 'writeFile', path: 'cgroup.procs', errno: 'EINVAL', times: 2 }]);
    const child = await f.get('born').run(['sleep', '5'], { detached: true });
    expect(api.get('born').listProcesses()).toContain(child.pid);
    await api.destroy('born', { force: true });
  });

  it('5: kill ESRCH (already exited) is ignored', async () => {
    await api.create('gone');
    await api.get('gone').run(['sleep', '30'], { detached: true });
    const { api: f } = faulty(t.root, [{ op: 'kill', errno: 'ESRCH', times: 1 }]);
    await f.destroy('gone', { force: true });
    expect(existsAnywhere(t.root, 'gone')).toEqual([]);
  });

  it('14: a container removed between listing and reading is skipped in walks, NOT_FOUND when asked for', async () => {
    await api.create('walk');
    await api.create('walk/a');
    const { api: f } = faulty(t.root, [{ op: 'listDirs', path: /walk\/a$/, errno: 'ENOENT' }]);
    expect(f.get('walk').listSubcontainers({ recursive: true })).toEqual(['/walk/a']);
    await api.destroy('walk/a');
    expect(await codeOf(() => api.get('walk/a'))).toBe(Code.NOT_FOUND);
    await api.destroy('walk');
  });

  it('15: concurrent destroys of one container: one wins, the other is NOT_FOUND, nothing leaks', async () => {
    await api.create('race', { memory: { limit: 50_000_000 } });
    const results = await Promise.all([codeOf(api.destroy('race', { force: true })), codeOf(api.destroy('race', { force: true }))]);
    expect(results.sort()).toEqual([Code.NOT_FOUND, 'ok'].sort());
    expect(existsAnywhere(t.root, 'race')).toEqual([]);
  });

  it('15: concurrent pause and resume end in one of the two states, never a mix', async () => {
    await api.create('pr');
    await api.get('pr').run(['sh', '-c', 'while :; do :; done'], { detached: true });
    await Promise.all([api.get('pr').pause(), api.get('pr').resume(), api.get('pr').pause()]);
    expect(['FROZEN', 'THAWED']).toContain(api.get('pr').state());
    await api.destroy('pr', { force: true });
  });

  it('7: running into a container whose ancestor is frozen is refused, not hung', async () => {
    await api.create('fp');
    await api.create('fp/child');
    await api.get('fp').pause();
    const err = await api.get('fp/child').run(['true']).catch((e) => e);
    expect(err.code).toBe(Code.FAILED_PRECONDITION);
    expect(err.message).toMatch(/ancestor \/fp is FROZEN/);
    await api.get('fp').resume();
    await api.destroy('fp', { force: true });
  });

  it('names never resolve outside the root', async () => {
    expect(api.resolve('../../..')).toBe('/');
    expect(await codeOf(api.destroy('../..'))).toBe(Code.INVALID_ARGUMENT);
  });
});

describeCgroups('an ancestor destroyed under an operation (docs/LOCKING.md)', () => {
  const t = testRoot('gone');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
  });
  afterAll(() => t.cleanup());

  /** What a concurrent `destroy -f` of `name` does to an empty subtree: rmdir everywhere, deepest first. */
  const removeRaw = (...names: string[]) => {
    for (const name of names) for (const d of rootDirs(t.root)) if (fs.existsSync(`${d}/${name}`)) fs.rmdirSync(`${d}/${name}`);
  };
  /** An API whose first `op` on a path matching `path` first runs `before`, as if another process got there first. */
  const racing = (op: 'mkdir' | 'writeFile', path: RegExp, before: () => void) => {
    let fired = false;
    const io = {
      ...realIo,
      [op]: (p: string, d?: string) => {
        if (!fired && path.test(p)) {
          fired = true;
          before();
        }
        return op === 'mkdir' ? realIo.mkdir(p) : realIo.writeFile(p, d!);
      },
    };
    return ContainerApi.open({ root: t.root, io });
  };

  it('a create whose parent is destroyed midway is NOT_FOUND naming the parent, and leaves nothing', async () => {
    await api.create('p1', { cpu: { limit: 100 }, memory: { limit: 50_000_000 } });
    const f = racing('mkdir', /\/p1\/kid$/, () => removeRaw('p1'));
    const err = await f.create('p1/kid', { memory: { limit: 20_000_000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(LmctfyError);
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.message).toBe('cannot create /p1/kid: container /p1 was destroyed meanwhile');
    expect(existsAnywhere(t.root, 'p1')).toEqual([]);
  });

  it('an update whose container goes with its parent midway is NOT_FOUND naming it', async () => {
    await api.create('p2', { memory: { limit: 50_000_000 } });
    await api.create('p2/kid', { memory: { limit: 20_000_000 } });
    const f = racing('writeFile', /\/p2\/kid\/memory\./, () => removeRaw('p2/kid', 'p2'));
    const err = await f
      .get('p2/kid')
      .update({ memory: { limit: 30_000_000 } }, 'diff')
      .catch((e) => e);
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.message).toBe('cannot update /p2/kid: container /p2/kid was destroyed meanwhile');
    expect(err.cause).toBeInstanceOf(LmctfyError);
  });

  it('a pause that loses its container is NOT_FOUND; one of a container already gone says so plainly', async () => {
    await api.create('p3');
    const f = racing('writeFile', /\/p3\/freezer\.state$/, () => removeRaw('p3'));
    expect((await f.get('p3').pause().catch((e) => e)).message).toBe('cannot pause /p3: container /p3 was destroyed meanwhile');
    const gone = await api.create('p5');
    await api.destroy('p5');
    expect((await gone.pause().catch((e) => e)).message).toBe('container /p5 does not exist');
  });

  it('a failure with the container still there keeps its own error', async () => {
    await api.create('p4', { memory: { limit: 50_000_000 } });
    const { api: f } = faulty(t.root, [{ op: 'writeFile', path: 'memory.limit_in_bytes', errno: 'EINVAL' }]);
    expect(await codeOf(f.get('p4').update({ memory: { limit: 30_000_000 } }, 'diff'))).toBe(Code.INVALID_ARGUMENT);
    await api.destroy('p4');
  });
});
