import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnGated } from '../../src/engine/bare-spawn.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

// The exec helper's protocol, played by sh: wait for the gate on fd 3, then report on fd 4.
const sh = (script: string, stdio: [number, number, number] = [0, 1, 2]) => spawnGated('/bin/sh', ['sh', '-c', script], { stdio, env: { PATH: '/usr/bin:/bin' } });

describe('spawnGated (Node process and pipe bindings)', () => {
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

  it('a program that cannot be started is INTERNAL with the errno named, and leaves no handle open', async () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'ProcessWrap').length;
    // Closed handles leave at the loop's close phase, which follows the next check phase.
    const settled = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    await settled();
    const before = handles();
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
  });
});
