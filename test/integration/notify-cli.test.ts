import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { childrenNamed, fdCount, until } from './notify-procs.js';

const MiB = 1 << 20;
const ALLOCATE_FOREVER = ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));'];

interface Waiting {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describeCgroups('lmctfy notify (CLI, real cgroups)', () => {
  const t = testRoot('notifycli');
  let api: ContainerApi;
  const started: ChildProcess[] = [];

  /** Starts `lmctfy notify …` and resolves once its helper holds the kernel registration. */
  async function notify(args: string[]): Promise<Waiting> {
    const env = { ...process.env, LMCTFY_ROOT: t.root };
    const child = spawn(process.execPath, [BIN, 'notify', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
    // Armed = the helper holds an eventfd and the control file beside stdio and epoll.
    await until(
      () => childrenNamed(child.pid!, 'lmctfy-notify').some((p) => fdCount(p) >= 6),
      `lmctfy notify ${args.join(' ')} to arm (stderr: ${stderr})`,
    );
    return { child, done };
  }

  async function oomIn(name: string): Promise<void> {
    const c = await api.get(name).run(ALLOCATE_FOREVER);
    started.push(c);
    await new Promise((r) => c.once('exit', r));
  }

  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root, version: 1 });
    await api.create('box', { memory: { limit: 64 * MiB } });
  });
  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t.cleanup();
  });

  it('notify memory oom blocks until the OOM and prints notification_status', async () => {
    const w = await notify(['memory', 'oom', 'box']);
    await oomIn('box');
    const r = await w.done;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('notification_status="OK"\n');
    expect(r.code).toBe(0);
  });

  it('--json prints JSON', async () => {
    const w = await notify(['memory', 'oom', 'box', '--json']);
    await oomIn('box');
    const r = await w.done;
    expect(JSON.parse(r.stdout)).toEqual([{ notification_status: 'OK' }]);
    expect(r.code).toBe(0);
  });

  it('notify memory threshold returns on the crossing', async () => {
    const w = await notify(['memory', 'threshold', 'box', String(32 * MiB)]);
    await oomIn('box');
    const r = await w.done;
    expect(r.stdout).toBe('notification_status="OK"\n');
    expect(r.code).toBe(0);
  });

  it('the container being destroyed ends the wait with NOT_FOUND (exit 5)', async () => {
    await api.create('doomed', { memory: { limit: 64 * MiB } });
    const w = await notify(['memory', 'oom', 'doomed']);
    await api.destroy('doomed', { force: true });
    const r = await w.done;
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lmctfy: NOT_FOUND: container \/doomed was destroyed\n$/);
  });

  it('SIGINT exits with CANCELLED (1) and ends the helper', async () => {
    const w = await notify(['memory', 'oom', 'box']);
    const [helper] = childrenNamed(w.child.pid!, 'lmctfy-notify');
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lmctfy: CANCELLED: [^\n]*\n$/);
    await until(() => !childrenNamed(w.child.pid!, 'lmctfy-notify').includes(helper!), 'the helper to end');
  });

  it('bad arguments and missing containers fail before waiting', async () => {
    expect(lmctfy(t.root, ['notify', 'memory', 'threshold', 'box', 'lots']).code).toBe(3);
    expect(lmctfy(t.root, ['notify', 'memory', 'threshold', 'box']).code).toBe(3);
    expect(lmctfy(t.root, ['notify', 'cpu', 'oom', 'box']).code).toBe(3);
    const missing = lmctfy(t.root, ['notify', 'memory', 'oom', 'nothere']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/NOT_FOUND/);
    await api.create('nomem', { cpu: { limit: 100 } });
    const nomem = lmctfy(t.root, ['notify', 'memory', 'oom', 'nomem']);
    expect(nomem.code).toBe(9);
  });
});
