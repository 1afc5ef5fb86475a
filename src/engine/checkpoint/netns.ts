/**
 * A restored virtual host's net namespace (docs/CHECKPOINT.md): criu leaves it out of the
 * images (an external namespace, as runc does), and restore makes it again from the spec
 * before criu runs, so criu's restored processes join one that already has the spec's
 * interfaces, addresses and routes. criu would otherwise save and restore it with some ten
 * runs of `ip` and the iptables tools each way, the largest part of both commands.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Code, LmctfyError } from '../errors.js';

/** The key naming the external net namespace in criu's images (`--external net[INODE]:KEY`, `--inherit-fd fd[N]:KEY`). */
export const NETNS_KEY = 'lmctfy-net';

/** The fd criu inherits the namespace on (the first after stdio). */
export const NETNS_FD = 3;

/** criu's dump argument marking the namespace of `pid` as external: its images then hold no interface, address, route or rule. */
export function externalNetnsArgs(pid: number): string[] {
  const ino = fs.statSync(`/proc/${pid}/ns/net`).ino;
  return ['--external', `net[${ino}]:${NETNS_KEY}`];
}

export interface HeldNetns {
  /** A process in the namespace, for `ip link add … netns PID` and `nsenter`. */
  pid: number;
  /** An open fd on the namespace, for criu to inherit. */
  fd: number;
  /** Closes the fd and ends the holder; the namespace lives on in whatever joined it. */
  release(): Promise<void>;
}

/**
 * A new net namespace with its loopback up, held by a process of ours until criu's restored
 * processes are in it: `unshare --net` ending in `cat` on a pipe from us, so it ends when we
 * close that pipe and cannot outlive this process.
 */
export async function holdNetns(name: string): Promise<HeldNetns> {
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo && exec cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.stdout!.once('data', () => resolve(true));
    void ended.then(() => resolve(false));
  });
  let fd: number | undefined;
  try {
    if (!ready || child.pid === undefined) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot restore virtual host ${name}: making its net namespace failed: ${stderr.trim().split('\n').at(-1) || 'unshare --net ended'} (restoring one needs util-linux's unshare and iproute2's ip)`);
    }
    fd = fs.openSync(`/proc/${child.pid}/ns/net`, 'r');
  } catch (e) {
    child.stdin!.end();
    await ended;
    throw e;
  }
  const held = fd;
  return {
    pid: child.pid!,
    fd: held,
    async release() {
      fs.closeSync(held);
      child.stdin!.end();
      await ended;
    },
  };
}
