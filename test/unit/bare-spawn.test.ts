import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitOf, exitOfChild, spawnBare, spawnGated } from '../../src/engine/bare-spawn.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

// The exec helper's protocol, played by sh: wait for the gate on fd 3, then report on fd 4.
const sh = (script: string, stdio: [number, number, number] = [0, 1, 2]) => spawnGated('/bin/sh', ['sh', '-c', script], { stdio, env: { PATH: '/usr/bin:/bin' } });

describe('spawnGated (the spawn add-on and Node\'s pipe binding)', () => {
  it('holds the child at the gate, carries its status pipe to EOF and reports its exit code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bare-'));
    try {
      const out = fs.openSync(path.join(dir, 'out'), 'w');
      const child = sh('echo before >&1; read x <&3; echo "gate:$x" >&4; echo after; exit 7', [0, out, out]);
      fs.closeSync(out);
      expect(child.pid).toBeGreaterThan(0);
      child.openGate();
      expect(await child.status).toBe('gate:\n');
      expect(await child.exited).toEqual({ code: 7, signal: null });
      expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('before\nafter\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the child gets fds 0 to 4 and none Node holds close-on-exec, no signal blocked and none ignored but glibc\'s internal two', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bare-'));
    try {
      const out = fs.openSync(path.join(dir, 'out'), 'w');
      const held = fs.openSync(path.join(dir, 'held'), 'w');
      // Node ignores SIGPIPE; an ignored signal would stay ignored across exec. posix_spawn
      // ignores glibc's internal signals 32 and 33 in its child, which the exec helper undoes.
      // Read by grep of itself, exec'd with the shell's mask: the shell blocks every signal
      // for a moment around each fork, so reading its own status from a child could catch that.
      const child = sh('read x <&3; ls /proc/$$/fd | tr "\\n" " "; echo; exec grep -E "^Sig(Ign|Blk)" /proc/self/status', [0, out, out]);
      fs.closeSync(out);
      child.openGate();
      expect(await child.exited).toEqual({ code: 0, signal: null });
      fs.closeSync(held);
      const [fdLine, ...sig] = fs.readFileSync(path.join(dir, 'out'), 'utf8').trim().split('\n');
      const childFds = fdLine!.trim().split(' ').map(Number);
      expect(childFds).toEqual(expect.arrayContaining([0, 1, 2, 3, 4]));
      expect(childFds).not.toContain(held);
      expect(sig).toEqual(['SigBlk:\t0000000000000000', `SigIgn:\t${(2n ** 31n + 2n ** 32n).toString(16).padStart(16, '0')}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the exit is reaped (no zombie left) and its SIGCHLD listener and the timer holding the loop go with it', async () => {
    const listeners = process.listenerCount('SIGCHLD');
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const child = sh('read x <&3; exit 0');
    expect(process.listenerCount('SIGCHLD')).toBe(listeners + 1);
    expect(timers()).toBe(before + 1);
    child.openGate();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(process.listenerCount('SIGCHLD')).toBe(listeners);
    expect(timers()).toBe(before);
    expect(fs.existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it('an exit is found without a SIGCHLD too (a worker thread gets none), by the timer holding the loop', async () => {
    const child = sh('read x <&3; exit 5');
    const ours = process.listeners('SIGCHLD').at(-1) as () => void;
    process.off('SIGCHLD', ours);
    child.openGate();
    expect(await child.exited).toEqual({ code: 5, signal: null });
    expect(fs.existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it('the status ends empty when fd 4 is closed on exec, as the exec helper does on success', async () => {
    const child = sh('read x <&3; exec 4>&-; exec true');
    child.openGate();
    expect(await child.status).toBe('');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('kill delivers the signal and the exit names it; a gate never opened is closed with the child', async () => {
    const child = sh('read x <&3; exec sleep 30');
    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await child.status).toBe('');
    // After the exit: a late gate or signal is no error.
    child.openGate();
    child.kill('SIGKILL');
  });

  it('fds whose sources are other slots (fds 3 and 4 swapped) arrive as asked; -1 is /dev/null below fd 3 and closed above', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bare-'));
    try {
      const out = path.join(dir, 'out');
      const ours = [3, 4].map((fd) => fs.readlinkSync(`/proc/self/fd/${fd}`));
      expect(ours[0]).not.toBe(ours[1]);
      const script = `for fd in 0 3 4 5; do readlink /proc/$$/fd/$fd || echo closed; done >${out} 2>/dev/null`;
      const pid = spawnBare('/bin/sh', ['sh', '-c', script], null, [-1, -1, -1, 4, 3, -1]);
      expect(await exitOfChild(pid, 'sh')).toEqual({ code: 0, signal: null });
      expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toEqual(['/dev/null', ours[1], ours[0], 'closed']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a program that cannot be started is INTERNAL with the errno named, and leaves no handle open', async () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'Timeout').length;
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    // Closed handles leave at the loop's close phase, which follows the next check phase.
    const settled = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    await settled();
    const before = handles();
    const openFds = fds();
    const listeners = process.listenerCount('SIGCHLD');
    const err = (() => {
      try {
        spawnGated('/nonexistent/lmctfy-helper', ['x'], { stdio: [0, 1, 2], env: {} });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).code).toBe(Code.INTERNAL);
    expect((err as LmctfyError).message).toBe('cannot start /nonexistent/lmctfy-helper: ENOENT');
    await settled();
    expect(handles()).toBe(before);
    expect(fds()).toBe(openFds);
    expect(process.listenerCount('SIGCHLD')).toBe(listeners);
  });
});

describe('exitOf (a wait status as code or signal)', () => {
  const signals = os.constants.signals as Record<string, number>;
  it.each([
    [0, { code: 0, signal: null }],
    [7 << 8, { code: 7, signal: null }],
    [255 << 8, { code: 255, signal: null }],
    [signals.SIGTERM!, { code: null, signal: 'SIGTERM' }],
    // Killed with a core dump: the 0x80 bit beside the signal.
    [signals.SIGSEGV! | 0x80, { code: null, signal: 'SIGSEGV' }],
    [signals.SIGKILL!, { code: null, signal: 'SIGKILL' }],
  ])('%i', (status, exit) => {
    expect(exitOf(status, signals)).toEqual(exit);
  });
});
