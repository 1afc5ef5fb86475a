/**
 * A restored virtual host's net namespace (docs/CHECKPOINT.md): criu leaves it out of the
 * images (an external namespace, as runc does), and restore makes it again from the spec
 * before criu runs (criu's wrap, the vhost helper's `place --netns`, placement.ts), so criu's
 * restored processes join one that already has the spec's interfaces, addresses and routes
 * (processes inside cannot change those: they have no CAP_NET_ADMIN). criu would otherwise
 * save and restore it with some ten runs of `ip` and the iptables tools each way, the largest
 * part of both commands.
 */
import * as fs from 'node:fs';
import { Code, LmctfyError } from '../errors.js';

/** The key naming the external net namespace in criu's images (`--external net[INODE]:KEY`, `--inherit-fd fd[N]:KEY`). */
export const NETNS_KEY = 'lmctfy-net';

/** The fd criu inherits the namespace on (the first after stdio; native/vhost-helper.c's NETNS_FD). */
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
