import { LmctfyError } from '../errors.js';
import { codeForErrno } from './errno.js';
import type { KernelIo } from './io.js';

export type IoOp = keyof KernelIo;

export interface FaultRule {
  op: IoOp;
  /** Matches when the path (or `pid N` for kill) contains this string, or passes the test. */
  path?: string | RegExp;
  errno: string;
  /** How many matching calls fail before the rule stops firing (default: forever). */
  times?: number;
}

/**
 * Wraps a KernelIo so chosen calls fail with chosen errnos (the fault tests of docs/RELIABILITY.md).
 * `calls` records every call for assertions such as "nothing was written".
 */
export function withFaults(io: KernelIo, rules: FaultRule[]): KernelIo & { calls: Array<{ op: IoOp; path: string }> } {
  const remaining = rules.map((r) => ({ ...r, left: r.times ?? Infinity }));
  const calls: Array<{ op: IoOp; path: string }> = [];
  const check = (op: IoOp, path: string) => {
    calls.push({ op, path });
    for (const r of remaining) {
      if (r.op !== op || r.left <= 0) continue;
      const hit = r.path === undefined || (typeof r.path === 'string' ? path.includes(r.path) : r.path.test(path));
      if (!hit) continue;
      r.left--;
      throw new LmctfyError(codeForErrno(r.errno), `${op} ${path}: ${r.errno} (injected)`, {
        errno: r.errno,
      });
    }
  };
  return {
    calls,
    readFile: (p) => (check('readFile', p), io.readFile(p)),
    writeFile: (p, d) => (check('writeFile', p), io.writeFile(p, d)),
    mkdir: (p) => (check('mkdir', p), io.mkdir(p)),
    rmdir: (p) => (check('rmdir', p), io.rmdir(p)),
    listDirs: (p) => (check('listDirs', p), io.listDirs(p)),
    exists: (p) => (check('exists', p), io.exists(p)),
    dirInfo: (p) => (check('dirInfo', p), io.dirInfo(p)),
    chown: (p, u, g) => (check('chown', p), io.chown(p, u, g)),
    kill: (pid, s) => (check('kill', `pid ${pid}`), io.kill(pid, s)),
  };
}
