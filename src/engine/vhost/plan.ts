import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, Mount } from '../../messages/types.js';

/** What the vhost helper is asked to build for one container (docs/VIRTUAL-HOSTS.md). */
export interface VirtualHostPlan {
  /** Namespace letters for the helper: m mount, p pid, i ipc, u uts, n net. */
  namespaces: string;
  hostname?: string;
  rootfs?: string;
  mounts: Array<Required<Pick<Mount, 'source' | 'target'>> & { read_only: boolean; private: boolean }>;
  /** PID 1; empty: lmctfy's own init. */
  init: string[];
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*$/;

const invalid = (message: string) => new LmctfyError(Code.INVALID_ARGUMENT, message);
const unimplemented = (message: string) => new LmctfyError(Code.UNIMPLEMENTED, message);

/** An absolute, normalised path without the characters overlayfs options cannot hold. */
function checkPath(field: string, p: string | undefined, overlayOption: boolean): string {
  if (!p) throw invalid(`${field} is empty; give an absolute path`);
  if (!path.posix.isAbsolute(p)) throw invalid(`${field} "${p}" is a relative path; give an absolute path`);
  if (p.split('/').includes('..')) throw invalid(`${field} "${p}" contains ".."; give the path without it`);
  if (p.includes('\0') || p.includes('\n')) throw invalid(`${field} contains a NUL or newline character`);
  if (overlayOption && /[,:\\]/.test(p)) throw invalid(`${field} "${p}" contains "," ":" or "\\", which an overlay mount cannot take; use a path without them`);
  return path.posix.normalize(p);
}

/**
 * Checks a spec's virtual_host and filesystem sections and says what to build; undefined
 * when the spec asks for no virtual host. Pure: the file system is looked at by the caller.
 * An empty VirtualHostSpec gives pid, ipc and mount namespaces; a hostname adds uts and a
 * `network` section a net namespace (loopback only: the rest of network is not carried yet).
 */
export function planVirtualHost(spec: ContainerSpec): VirtualHostPlan | undefined {
  const vh = spec.virtual_host;
  const fsSpec = spec.filesystem;
  const fsGiven = fsSpec !== undefined && Object.keys(fsSpec).length > 0;
  if (vh === undefined) {
    if (fsGiven) throw invalid('filesystem.rootfs and filesystem.mounts need virtual_host (a root file system is a virtual host\'s); add virtual_host:{}');
    return undefined;
  }
  if (spec.owner !== undefined || spec.owner_group !== undefined) {
    throw unimplemented('a virtual host for a delegated owner (a user namespace mapping its root to owner) is not implemented yet; create it without owner/owner_group, as root');
  }
  const net = vh.network;
  if (net !== undefined && Object.keys(net).length > 0) {
    throw unimplemented('virtual_host.network (interface, virtual_ip, veth pair, bridge) is not implemented yet; an empty network:{} gives a network namespace with loopback only');
  }
  let hostname: string | undefined;
  if (vh.virtual_hostname !== undefined) {
    hostname = vh.virtual_hostname;
    if (!HOSTNAME.test(hostname) || hostname.length > 64) {
      throw invalid(`virtual_host.virtual_hostname "${hostname}" is not a host name (letters, digits, "-" and "." labels, at most 64 characters)`);
    }
  }
  const init = vh.init?.init_argv ?? [];
  if (init.length > 0 && !init[0]) throw invalid('virtual_host.init.init_argv: the program (its first element) is empty');
  const policy = vh.init?.run_spec?.fd_policy;
  if (policy === 'INHERIT') {
    throw unimplemented('virtual_host.init.run_spec.fd_policy INHERIT: a virtual host\'s init runs detached (stdio on /dev/null, its own session); use DETACHED or leave it out');
  }
  const rootfs = fsSpec?.rootfs === undefined ? undefined : checkPath('filesystem.rootfs', fsSpec.rootfs, true);
  if (rootfs === '/') throw invalid('filesystem.rootfs "/" is the host\'s own root; give a directory holding a root file system (lmctfy rootfs build DIR makes one)');
  const list = fsSpec?.mounts?.mount ?? [];
  if (list.length > 0 && rootfs === undefined) throw invalid('filesystem.mounts need filesystem.rootfs (they are bound into it)');
  if (list.length > 64) throw invalid(`filesystem.mounts: ${list.length} mounts; at most 64`);
  const mounts = list.map((m, i) => {
    const target = checkPath(`filesystem.mounts.mount[${i}].target`, m.target, false);
    if (target === '/') throw invalid(`filesystem.mounts.mount[${i}].target is "/"; bind below the root`);
    return { source: checkPath(`filesystem.mounts.mount[${i}].source`, m.source, false), target, read_only: m.read_only ?? false, private: m.private ?? false };
  });
  const namespaces = `mpi${hostname !== undefined ? 'u' : ''}${net !== undefined ? 'n' : ''}`;
  return { namespaces, hostname, rootfs, mounts, init };
}

/** The vhost helper's `start` arguments for a plan (its state dir holds upper/, work/, merged/). */
export function startArgs(plan: VirtualHostPlan, state: string): string[] {
  const args = ['start', '--ns', plan.namespaces];
  if (plan.hostname !== undefined) args.push('--hostname', plan.hostname);
  if (plan.rootfs !== undefined) args.push('--rootfs', plan.rootfs, '--state', state);
  for (const m of plan.mounts) args.push('--bind', `${m.read_only ? 'ro' : 'rw'}+${m.private ? 'private' : 'slave'}`, m.source, m.target);
  return [...args, '--', ...plan.init];
}
