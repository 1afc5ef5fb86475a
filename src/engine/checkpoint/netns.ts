/**
 * A restored virtual host's net namespace (docs/CHECKPOINT.md): criu leaves it out of the
 * images (an external namespace, as runc does), and restore makes it again from the spec
 * before criu runs, so criu's restored processes join one that already has the spec's
 * interfaces, addresses and routes (processes inside cannot change those: they have no
 * CAP_NET_ADMIN). criu would otherwise save and restore it with some ten runs of `ip` and the
 * iptables tools each way, the largest part of both commands.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { Code, LmctfyError } from '../errors.js';
import { nativeHelper } from '../native-helpers.js';
import { parseHelperStatus, startError } from '../vhost/failure.js';
import { networkArgs, type VirtualHostPlan } from '../vhost/plan.js';

/** The key naming the external net namespace in criu's images (`--external net[INODE]:KEY`, `--inherit-fd fd[N]:KEY`). */
export const NETNS_KEY = 'lmctfy-net';

/** The fd criu inherits the namespace on (the first after stdio). */
export const NETNS_FD = 3;

/** criu's dump argument marking the namespace of `pid` as external: its images then hold no interface, address, route or rule. */
export function externalNetnsArgs(pid: number): string[] {
  const ino = fs.statSync(`/proc/${pid}/ns/net`).ino;
  return ['--external', `net[${ino}]:${NETNS_KEY}`];
}

/** The MAC address sysfs shows for an interface (its `address` file: "62:56:c2:9c:05:a6\n"); undefined when that is not one. */
export function parseMac(addressFile: string): string | undefined {
  return /^([0-9a-f]{2}(?::[0-9a-f]{2}){5})\n?$/.exec(addressFile)?.[1];
}

/**
 * The MAC address of interface `ifname` in the net namespace of `pid`, a virtual host's PID 1:
 * read from the /sys it mounted in its own net namespace (so it lists that namespace's
 * interfaces), through /proc/PID/root, where `nsenter ip link` cost two processes.
 */
export function macIn(pid: number, ifname: string, name: string): string {
  const file = `/proc/${pid}/root/sys/class/net/${ifname}/address`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot checkpoint ${name}: reading the MAC address of its ${ifname} (${file}) failed: ${(e as Error).message}`);
  }
  const mac = parseMac(text);
  if (mac === undefined) throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot checkpoint ${name}: ${file} holds no MAC address ("${text.trim()}")`);
  return mac;
}

export interface HeldNetns {
  /** An open fd on the namespace, for criu to inherit. */
  fd: number;
  /** Closes the fd and ends the holder; the namespace lives on in whatever joined it. */
  release(): Promise<void>;
}

/**
 * A new net namespace made as create makes one (loopback up, the plan's veth pair with its
 * MAC, bridge, address, route and forwarding), held by the vhost helper's `netns` until we
 * end its stdin, so it cannot outlive this process. The caller records the network first, so
 * a failure half-way is torn down with the container.
 */
export async function holdNetns(name: string, plan: VirtualHostPlan): Promise<HeldNetns> {
  const child = spawn(nativeHelper('lmctfy-vhost', 'vhost helper'), ['netns', ...(plan.network ? networkArgs(plan.network) : [])], {
    stdio: ['pipe', 'ignore', 'pipe', 'ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const status = (child.stdio as unknown as Readable[])[5]!.setEncoding('utf8');
  // The status pipe ends when the helper has reported (it closes it then) or ended.
  let text = '';
  status.on('data', (d: string) => (text += d));
  await new Promise<void>((resolve) => {
    status.once('end', resolve);
    child.once('error', () => resolve());
  });
  const end = async () => {
    child.stdin!.end();
    await ended;
  };
  const reported = text === '' ? {} : parseHelperStatus(text);
  if (reported.pid === undefined) {
    await end();
    if (reported.failure) throw startError(reported.failure, name, plan);
    throw new LmctfyError(Code.INTERNAL, `cannot restore virtual host ${name}: the vhost helper made no net namespace (${stderr.trim() || `exit ${child.exitCode ?? child.signalCode}`})`);
  }
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${reported.pid}/ns/net`, 'r');
  } catch (e) {
    await end();
    throw e;
  }
  return {
    fd,
    async release() {
      fs.closeSync(fd);
      await end();
    },
  };
}
