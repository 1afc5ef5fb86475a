import { Code, LmctfyError } from '../errors.js';
import { execError } from '../placement.js';
import { errnoName } from '../os-names.js';
import type { VirtualHostPlan } from './plan.js';

/** One "STEP ERRNO" line of the vhost helper's status pipe (native/vhost-helper.c). */
export interface HelperFailure {
  step: string;
  errno: number;
}

/** The helper's status text: a failure, a started PID 1 ("pid N"), or '' (a command exec'd). */
export function parseHelperStatus(text: string): { failure?: HelperFailure; pid?: number } {
  const t = text.trim();
  if (t === '') return {};
  const pid = /^pid (\d+)$/.exec(t);
  if (pid) return { pid: Number(pid[1]) };
  const m = /^([a-z_-]+(?::\d+)?) (\d+)$/.exec(t);
  if (m) return { failure: { step: m[1]!, errno: Number(m[2]) } };
  throw new LmctfyError(Code.INTERNAL, `the vhost helper reported "${t}"`);
}

/**
 * What a failed step means and what to do about it, in one line: `pivot_root: EINVAL` is
 * not something a user can act on.
 */
export function startError(f: HelperFailure, name: string, plan: VirtualHostPlan): LmctfyError {
  const errno = errnoName(f.errno);
  const at = `cannot start virtual host ${name}`;
  const opts = { errno };
  const [step, index] = f.step.split(':');
  const mount = index === undefined ? undefined : plan.mounts[Number(index)];
  if (plan.userns && errno === 'EACCES' && (step === 'overlay' || step === 'bind' || step === 'bind-target' || step === 'init')) {
    return new LmctfyError(
      Code.PERMISSION_DENIED,
      `${at}: its owner (uid ${plan.userns.uid}) cannot reach ${step === 'overlay' || step === 'init' ? `the rootfs ${plan.rootfs}` : `filesystem.mounts.mount[${index}]`} (${step}: EACCES); make it and every directory above it readable and searchable by others (chmod o+rx)`,
      opts,
    );
  }
  if (step?.startsWith('net')) return networkError(step, errno, at, plan);
  if (errno === 'EPERM' || errno === 'EACCES') {
    if (step === 'init') return new LmctfyError(Code.PERMISSION_DENIED, `${at}: its init ${plan.init[0]} cannot be run (not executable, or a directory)`, opts);
    return new LmctfyError(Code.PERMISSION_DENIED, `${at}: ${step} was refused (${errno}); making namespaces and mounts needs root with CAP_SYS_ADMIN`, opts);
  }
  switch (step) {
    case 'unshare':
    case 'unshare-pid':
      if (errno === 'ENOSPC' || errno === 'EUSERS') {
        return new LmctfyError(Code.RESOURCE_EXHAUSTED, `${at}: the kernel's namespace limit is reached (/proc/sys/user/max_*_namespaces); destroy unused virtual hosts or raise it`, opts);
      }
      return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: the kernel refused new namespaces (${errno}); it needs CONFIG_PID_NS, IPC_NS, UTS_NS and NET_NS`, opts);
    case 'overlay':
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return new LmctfyError(Code.NOT_FOUND, `${at}: filesystem.rootfs ${plan.rootfs} is not a directory (any more)`, opts);
      if (errno === 'ENODEV') return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: this kernel has no overlay file system (modprobe overlay)`, opts);
      return new LmctfyError(
        Code.FAILED_PRECONDITION,
        `${at}: overlayfs refused ${plan.rootfs} as its read-only lower layer (${errno}); use a directory on an ordinary file system (ext4, xfs, btrfs, tmpfs), not one inside another overlay or a network file system`,
        opts,
      );
    case 'bind-target':
    case 'bind':
      if (mount && (errno === 'ENOENT' || errno === 'ENOTDIR')) {
        return new LmctfyError(Code.NOT_FOUND, `${at}: filesystem.mounts.mount[${index}]: source ${mount.source} does not exist, or target ${mount.target} crosses a file inside the rootfs`, opts);
      }
      return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: binding filesystem.mounts.mount[${index}] (${mount?.source} on ${mount?.target}) failed with ${errno}`, opts);
    case 'pivot_root':
      return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: switching the root to the overlay of ${plan.rootfs} failed (pivot_root: ${errno}); the rootfs must be a plain directory tree (not a mount of the host's /)`, opts);
    case 'init':
      if (errno === 'ENOENT' || errno === 'ENOTDIR') {
        return new LmctfyError(Code.NOT_FOUND, `${at}: its init ${plan.init[0]} does not exist ${plan.rootfs ? `in the rootfs ${plan.rootfs}` : 'on the host'} (give its absolute path inside)`, opts);
      }
      if (errno === 'ENOEXEC') return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: its init ${plan.init[0]} is not a program this kernel can run (wrong architecture, or a script without #!)`, opts);
      return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: its init ${plan.init[0]} could not be run (${errno})`, opts);
    default:
      return new LmctfyError(Code.INTERNAL, `${at}: step ${step} failed with ${errno} (native/vhost-helper.c)`, opts);
  }
}

/** A failed step of the network the helper makes over netlink (native/vhost-net.h), in one line naming what to do. */
function networkError(step: string, errno: string, at: string, plan: VirtualHostPlan): LmctfyError {
  const net = plan.network;
  const opts = { errno };
  const what: Record<string, string> = {
    netlink: 'opening a netlink socket',
    'net-namespace': 'entering its net namespace',
    'net-bridge': `making bridge ${net?.bridge}`,
    'net-veth': `making veth pair ${net?.outside} (host) / ${net?.inside} (inside)`,
    'net-address': `setting address ${net?.address?.ip}/${net?.address?.prefix} on ${net?.inside}`,
    'net-route': `adding the default route via ${net?.gateway}`,
    'net-forward': 'turning ip_forward on inside',
  };
  const doing = what[step] ?? step;
  if (errno === 'EPERM' || errno === 'EACCES') {
    return new LmctfyError(Code.PERMISSION_DENIED, `${at}: ${doing} was refused (${step}: ${errno}); a virtual host's network needs root with CAP_NET_ADMIN on the host`, opts);
  }
  if (step === 'net-veth' && errno === 'EEXIST') {
    return new LmctfyError(
      Code.ALREADY_EXISTS,
      `${at}: ${doing} failed: an interface of that name already exists (${net?.outside} on the host, made meanwhile, or ${net?.inside} inside, e.g. lo); choose other connection.veth_pair names`,
      opts,
    );
  }
  if ((step === 'net-veth' || step === 'net-bridge') && (errno === 'EOPNOTSUPP' || errno === 'ENOTSUP')) {
    const kind = step === 'net-veth' ? 'veth' : 'bridge';
    return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: this kernel has no ${kind} interfaces (${step}: ${errno}); load them with modprobe ${kind}`, opts);
  }
  if (step === 'net-bridge' && errno === 'ENODEV') {
    return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: bridge ${net?.bridge} vanished while being joined (${step}: ENODEV); create the virtual host again`, opts);
  }
  if (step === 'net-veth' && (errno === 'EINVAL' || errno === 'ERANGE') && net?.mtu !== undefined) {
    return new LmctfyError(Code.INVALID_ARGUMENT, `${at}: ${doing} failed with ${errno}; the kernel refused virtual_ip.mtu ${net.mtu}`, opts);
  }
  return new LmctfyError(Code.FAILED_PRECONDITION, `${at}: ${doing} failed (${step}: ${errno})`, opts);
}

/** A `join` failure (lmctfy run into a virtual host). */
export function joinError(f: HelperFailure, name: string, command: string): LmctfyError {
  const errno = errnoName(f.errno);
  if (f.step === 'exec' || f.step === 'log') return execError(f, command, name);
  if (errno === 'ENOENT' || errno === 'ESRCH') {
    return new LmctfyError(Code.FAILED_PRECONDITION, `cannot run ${command} in ${name}: its virtual host's init has exited; destroy -f it and create it again`, { errno });
  }
  if (errno === 'EPERM' || errno === 'EACCES') {
    return new LmctfyError(Code.PERMISSION_DENIED, `cannot run ${command} in ${name}: entering a virtual host needs root (${f.step}: ${errno})`, { errno });
  }
  return new LmctfyError(Code.INTERNAL, `cannot run ${command} in ${name}: step ${f.step} failed with ${errno} (native/vhost-helper.c)`, { errno });
}
