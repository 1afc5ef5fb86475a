/**
 * `run` on real cgroups (issue 12.7, 12.7b, 12.3): a command that cannot be executed is an
 * error with nothing left behind, detached output goes to a file or the container's log
 * (rotated), an interactive command's status comes back, and a container's processes can be
 * listed and signalled.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { Container } from '../../src/engine/container.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { LOG_MAX_BYTES } from '../../src/engine/run-log.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';

async function codeOf(p: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof LmctfyError) return e.code;
    throw e;
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** Waits, by polling a bounded number of times, until the container has no process left (a logger ends after its command). */
async function emptied(c: Container): Promise<void> {
  for (let i = 0; i < 500 && c.listProcesses().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(c.listProcesses()).toEqual([]);
}

describeCgroups('run: exec failures, output, log, shell, processes (issue 12.7, 12.3)', () => {
  const t = testRoot('run');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-run-'));
  let api: ContainerApi;
  let c: Container;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    c = await api.create('box', { memory: { limit: 200_000_000 } });
  });
  afterAll(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await t.cleanup();
  });

  it('a command that is not found or not executable fails, detached or not, and leaves no process', async () => {
    const script = path.join(tmp, 'not-executable.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const cases: Array<[string[], Code]> = [
      [['lmctfy-no-such-command'], Code.NOT_FOUND],
      [['/no/such/file'], Code.NOT_FOUND],
      [[script], Code.PERMISSION_DENIED],
      [[tmp], Code.PERMISSION_DENIED],
    ];
    for (const [argv, code] of cases) {
      for (const detached of [true, false]) {
        expect(await codeOf(c.run(argv, { detached })), `${argv[0]} detached=${detached}`).toBe(code);
        expect(c.listProcesses()).toEqual([]);
      }
    }
    const err = await c.run(['lmctfy-no-such-command'], { detached: true }).catch((e: LmctfyError) => e);
    expect((err as LmctfyError).message).toBe('cannot run lmctfy-no-such-command in /box: command not found in PATH');
  });

  it('a command that runs returns its own pid, as before', async () => {
    const child = await c.run(['sleep', '600'], { detached: true });
    expect(c.listProcesses()).toEqual([child.pid]);
    expect(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toBe('sleep\u0000600\u0000');
    c.signal(child.pid!, 'KILL');
    await exited(child);
    await emptied(c);
  });

  it('a pause between placement and exec does not hold run until a resume: the task is frozen with its container', async () => {
    await api.create('paused');
    // Freezes the container right after the task is written into its tracking hierarchy.
    let freezes = 0;
    const io: KernelIo = {
      ...realIo,
      writeFile(file, data) {
        realIo.writeFile(file, data);
        if (/\/freezer\/.*\/paused\/cgroup\.procs$/.test(file)) {
          freezes++;
          realIo.writeFile(file.replace(/cgroup\.procs$/, 'freezer.state'), 'FROZEN');
        }
      },
    };
    const pausing = ContainerApi.open({ root: t.root, io }).get('paused');
    const child = await pausing.run(['sleep', '600'], { detached: true });
    expect(freezes).toBe(1);
    expect(pausing.listProcesses()).toEqual([child.pid]);
    await api.get('paused').resume();
    api.get('paused').signal('all', 'KILL');
    await exited(child);
    await api.destroy('paused');
  });

  it('--output appends stdout and stderr to a file; a failed run removes the file it made', async () => {
    const out = path.join(tmp, 'out.txt');
    fs.writeFileSync(out, 'before\n');
    await exited(await c.run(['sh', '-c', 'echo out; echo err >&2'], { detached: true, output: out }));
    expect(fs.readFileSync(out, 'utf8')).toBe('before\nout\nerr\n');
    const fresh = path.join(tmp, 'fresh.txt');
    expect(await codeOf(c.run(['lmctfy-no-such-command'], { detached: true, output: fresh }))).toBe(Code.NOT_FOUND);
    expect(fs.existsSync(fresh)).toBe(false);
    expect(await codeOf(c.run(['true'], { detached: true, output: path.join(tmp, 'no/such/dir/x') }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(c.run(['true'], { output: out, log: true }))).toBe(Code.INVALID_ARGUMENT);
  });

  it("the container's log takes detached output, is followed by offset, rotates, and goes with the container", async () => {
    const logged = await api.create('logged');
    const first = logged.readLog(0);
    expect(first).toEqual({ text: '', next: 0, reset: false });
    await exited(await logged.run(['sh', '-c', 'echo one; echo two >&2'], { detached: true, log: true }));
    await emptied(logged);
    const a = logged.readLog(first.next);
    expect(a.text).toBe('one\ntwo\n');
    await exited(await logged.run(['echo', 'three'], { detached: true, log: true }));
    await emptied(logged);
    expect(logged.readLog(a.next)).toEqual({ text: 'three\n', next: a.next + 6, reset: false });

    // 3 MiB through a log that rotates at 1 MiB: at most two files of about LOG_MAX_BYTES each.
    const mib = 3 * 1024 * 1024;
    await exited(await logged.run(['head', '-c', String(mib), '/dev/zero'], { detached: true, log: true }));
    await emptied(logged);
    const file = logged.logPath();
    const sizes = [fs.statSync(file).size, fs.statSync(`${file}.1`).size];
    for (const s of sizes) expect(s).toBeLessThanOrEqual(LOG_MAX_BYTES + 64 * 1024);
    expect(sizes[0]! + sizes[1]!).toBeLessThan(mib);
    expect(logged.readLog(a.next).reset).toBe(sizes[0]! < a.next);

    await api.destroy('logged');
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.1`)).toBe(false);
  });

  it('CLI: run -n of a command that cannot run exits 5 with one line and prints no pid; --output takes its output', async () => {
    const bad = lmctfy(t.root, ['run', '-n', 'box', 'lmctfy-no-such-command']);
    expect(bad).toEqual({ code: Code.NOT_FOUND, stdout: '', stderr: 'lmctfy: NOT_FOUND: cannot run lmctfy-no-such-command in /box: command not found in PATH\n' });
    expect(lmctfy(t.root, ['run', 'box', 'lmctfy-no-such-command']).code).toBe(Code.NOT_FOUND);
    const out = path.join(tmp, 'cli-out.txt');
    const fg = lmctfy(t.root, ['run', '--output', out, 'box', 'sh', '-c', 'echo fg; exit 4']);
    expect(fg.code).toBe(4);
    expect(fg.stdout).toBe('');
    const bg = lmctfy(t.root, ['run', '-n', '--output', out, 'box', 'echo', 'bg', '-n']);
    expect(bg.code, bg.stderr).toBe(0);
    expect(bg.stdout).toMatch(/^pid="\d+"\n$/);
    await emptied(c);
    // The command's own flags stay its own (after NAME).
    expect(fs.readFileSync(out, 'utf8')).toBe('fg\nbg -n\n');
  });

  it('CLI: a foreground run loads neither child_process, the stream modules nor libuv\'s process binding (the add-on spawns it); run -n does', () => {
    // Node's list of what this process loaded, written at its exit by a preloaded script.
    const preload = path.join(tmp, 'loaded.cjs');
    const loaded = path.join(tmp, 'loaded.txt');
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));`);
    const modules = (args: string[]) => {
      const r = lmctfy(t.root, args, { env: { NODE_OPTIONS: `--require ${preload}` } });
      expect(r.code, r.stderr).toBe(0);
      return fs.readFileSync(loaded, 'utf8').split('\n');
    };
    const fg = modules(['run', 'box', 'true']);
    // The status pipe is read on Node's pipe binding; the helper is not started by libuv (a fork of Node).
    expect(fg).toContain('Internal Binding pipe_wrap');
    expect(fg).not.toContain('Internal Binding process_wrap');
    expect(fg.filter((m) => /^NativeModule (child_process|net|dgram|stream|internal\/streams\/(readable|writable|duplex))$/.test(m))).toEqual([]);
    expect(modules(['run', '-n', 'box', 'true'])).toContain('NativeModule child_process');
  });

  it('CLI: the command of a foreground run gets its stdout in blocking mode, as libuv leaves a child, though lmctfy got it non-blocking', () => {
    const fifo = path.join(tmp, 'nonblocking.fifo');
    spawnSync('mkfifo', [fifo]);
    // lmctfy's stdout made non-blocking inside lmctfy, as a stream Node opens on a pipe makes it
    // (a spawn by this test would hand it over in blocking mode: libuv clears the flag).
    const preload = path.join(tmp, 'nonblocking.cjs');
    fs.writeFileSync(preload, "const { Pipe, constants } = process.binding('pipe_wrap'); new Pipe(constants.SOCKET).open(1);");
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try {
      const r = spawnSync(process.execPath, [BIN, 'run', 'box', 'sh', '-c', 'grep ^flags /proc/$$/fdinfo/1'], {
        stdio: ['ignore', writer, 'pipe'],
        env: { ...process.env, LMCTFY_ROOT: t.root, NODE_OPTIONS: `--require ${preload} --no-deprecation` },
      });
      expect(r.status, String(r.stderr)).toBe(0);
      // One read: the writer is still open, so a second would be EAGAIN rather than EOF.
      const buf = Buffer.alloc(4096);
      const flags = /^flags:\s+([0-7]+)/.exec(buf.toString('utf8', 0, fs.readSync(reader, buf)))?.[1];
      expect(flags).toBeDefined();
      expect(parseInt(flags!, 8) & fs.constants.O_NONBLOCK).toBe(0);
    } finally {
      fs.closeSync(writer);
      fs.closeSync(reader);
    }
  });

  it('CLI: the command of a foreground run has no signal ignored or blocked (Node ignores SIGPIPE; posix_spawn ignores two of glibc\'s)', () => {
    const r = lmctfy(t.root, ['run', 'box', 'grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('shell() resolves with the exit status of the command, by default $SHELL', async () => {
    expect(await c.shell(['sh', '-c', 'exit 3'])).toBe(3);
    expect(await c.shell(undefined, { env: { ...process.env, SHELL: '/bin/false' } })).toBe(1);
    expect(await c.shell(['sh', '-c', 'kill -TERM $$'])).toBe(128 + os.constants.signals.SIGTERM);
    await emptied(c);
  });

  it('processes() lists pid, user, state, command; signal() sends only to its processes and known signals', async () => {
    const child = await c.run(['sleep', '600'], { detached: true });
    const list = c.processes();
    expect(list.clockTicksPerSecond).toBeGreaterThan(0);
    expect(list.processes).toHaveLength(1);
    const p = list.processes[0]!;
    expect(p).toMatchObject({ pid: child.pid, uid: 0, user: 'root', command: 'sleep 600' });
    expect('RS').toContain(p.state);
    expect(p.rssBytes).toBeGreaterThan(0);
    expect(p.startTicks).toBeGreaterThan(0);

    expect(() => c.signal(process.pid, 'TERM')).toThrow(expect.objectContaining({ code: Code.NOT_FOUND }));
    expect(() => c.signal(child.pid!, 'STOP')).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    expect(() => c.signal('all', 'SEGV')).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    expect(c.signal(child.pid!)).toEqual([child.pid]);
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');

    const two = [await c.run(['sleep', '600'], { detached: true }), await c.run(['sleep', '600'], { detached: true })];
    expect(c.signal('all', 'KILL').sort()).toEqual(two.map((x) => x.pid).sort());
    await Promise.all(two.map(exited));
    await emptied(c);
    expect(c.signal('all')).toEqual([]);
  });
});
