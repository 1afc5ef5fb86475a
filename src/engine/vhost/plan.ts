import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, Mount } from '../../messages/types.js';
import { limitsOf, type Limits } from './shaping.js';

/** What the vhost helper is asked to build for one container (docs/VIRTUAL-HOSTS.md). */
export interface VirtualHostPlan {
  /** Namespace letters for the helper: m mount, p pid, i ipc, u uts, n net. */
  namespaces: string;
  hostname?: string;
  /** The overlay's lower dir(s): a rootfs, or an image's layers (top first, ":"-separated) once resolved. */
  rootfs?: string;
  /** `filesystem.image`: an image of the root's store, resolved to `rootfs` before start. */
  image?: string;
  mounts: Array<Required<Pick<Mount, 'source' | 'target'>> & { read_only: boolean; private: boolean }>;
  /** PID 1; empty: lmctfy's own init. */
  init: string[];
  /** init.run_spec.fd_policy INHERIT: PID 1 gets the creator's stdin, stdout and stderr (still in a session of its own). */
  inheritStdio: boolean;
  /** A veth pair into the net namespace, made from outside once PID 1 is ready. */
  network?: NetworkPlan;
  /** A user namespace whose root is this host uid/gid (the container's owner). */
  userns?: { uid: number; gid: number };
}

export interface NetworkPlan {
  outside: string;
  inside: string;
  /** A Linux bridge the outside end joins, made when missing. */
  bridge?: string;
  /** IPv4 address and prefix length of the inside end. */
  address?: { ip: string; prefix: number };
  gateway?: string;
  mtu?: number;
  ipForward?: boolean;
  /** Bandwidth limits (ContainerSpec.network), applied once the pair is up. */
  limits?: Limits;
  /** The inside end's MAC address, kept by a restored virtual host (a new pair gets a random one). */
  mac?: string;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The prefix length of a dotted netmask ("255.255.255.0" → 24); undefined when not contiguous. */
export function prefixOf(netmask: string): number | undefined {
  if (!IPV4.test(netmask)) return undefined;
  const bits = netmask.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  for (let p = 0; p <= 32; p++) if (bits === (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0)) return p;
  return undefined;
}

const ipBits = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

function sameSubnet(a: string, b: string, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((ipBits(a) & mask) >>> 0) === ((ipBits(b) & mask) >>> 0);
}

function ifname(field: string, name: string | undefined): string {
  if (!name || !IFNAME.test(name) || name === '.' || name === '..') {
    throw invalid(`${field} "${name ?? ''}" is not an interface name (1 to 15 letters, digits, "_", "-" or ".")`);
  }
  return name;
}

/** The veth pair, bridge and address a network section asks for; undefined for an empty one (loopback only). */
function planNetwork(net: NonNullable<NonNullable<ContainerSpec['virtual_host']>['network']>): NetworkPlan | undefined {
  if (net.interface !== undefined) {
    throw unimplemented('virtual_host.network.interface (moving a host interface in) is not implemented yet; use network.connection.veth_pair');
  }
  const conn = net.connection;
  const vip = net.virtual_ip;
  if (conn?.bridge !== undefined && conn.veth_pair === undefined) throw invalid('virtual_host.network.connection.bridge needs connection.veth_pair (its outside end joins the bridge)');
  if (vip !== undefined && conn?.veth_pair === undefined) throw invalid('virtual_host.network.virtual_ip needs connection.veth_pair (the interface it is set on)');
  if (conn?.veth_pair === undefined) return undefined;
  const outside = ifname('virtual_host.network.connection.veth_pair.outside', conn.veth_pair.outside);
  const inside = ifname('virtual_host.network.connection.veth_pair.inside', conn.veth_pair.inside);
  const plan: NetworkPlan = { outside, inside };
  if (conn.bridge !== undefined) {
    if (conn.bridge.type === 'OVS') throw unimplemented('virtual_host.network.connection.bridge.type OVS (Open vSwitch) is not implemented; use ETH, a Linux bridge');
    plan.bridge = ifname('virtual_host.network.connection.bridge.name', conn.bridge.name);
    if (plan.bridge === outside) throw invalid(`virtual_host.network: the bridge and the outside end are both named ${outside}`);
  }
  if (vip !== undefined) {
    if (vip.ip === undefined) throw invalid('virtual_host.network.virtual_ip needs ip (and netmask)');
    if (!IPV4.test(vip.ip)) throw invalid(`virtual_host.network.virtual_ip.ip "${vip.ip}" is not an IPv4 address`);
    if (vip.netmask === undefined) throw invalid('virtual_host.network.virtual_ip.netmask is needed with ip, e.g. "255.255.255.0"');
    const prefix = prefixOf(vip.netmask);
    if (prefix === undefined) throw invalid(`virtual_host.network.virtual_ip.netmask "${vip.netmask}" is not a netmask (contiguous ones, e.g. "255.255.255.0")`);
    plan.address = { ip: vip.ip, prefix };
    if (vip.gateway !== undefined) {
      if (!IPV4.test(vip.gateway)) throw invalid(`virtual_host.network.virtual_ip.gateway "${vip.gateway}" is not an IPv4 address`);
      if (!sameSubnet(vip.ip, vip.gateway, prefix)) {
        throw invalid(`virtual_host.network.virtual_ip.gateway ${vip.gateway} is outside ${vip.ip}/${prefix}; give a gateway on that subnet`);
      }
      plan.gateway = vip.gateway;
    }
    if (vip.mtu !== undefined) {
      if (!Number.isInteger(vip.mtu) || vip.mtu < 68 || vip.mtu > 65535) throw invalid(`virtual_host.network.virtual_ip.mtu ${vip.mtu} is not between 68 and 65535 bytes`);
      plan.mtu = vip.mtu;
    }
    if (vip.ip_forward) plan.ipForward = true;
  }
  return plan;
}

const NEEDS_VETH = 'network.ingress_limit and network.egress_limit shape a virtual host\'s veth pair: add virtual_host.network.connection.veth_pair';

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
 * `network` section a net namespace (loopback only when empty; a veth pair when asked), and an
 * owner a user namespace mapping its root to the owner (with a net namespace).
 */
export function planVirtualHost(spec: ContainerSpec): VirtualHostPlan | undefined {
  const vh = spec.virtual_host;
  const fsSpec = spec.filesystem;
  const fsGiven = fsSpec !== undefined && Object.keys(fsSpec).length > 0;
  const limits = limitsOf(spec.network);
  const limited = limits.ingress !== undefined || limits.egress !== undefined;
  if (vh === undefined) {
    if (fsGiven) throw invalid('filesystem.rootfs and filesystem.mounts need virtual_host (as does filesystem.image: a root file system is a virtual host\'s); add virtual_host:{}');
    if (limited) throw invalid(NEEDS_VETH);
    return undefined;
  }
  // The owner's virtual host runs in a user namespace whose root is the owner: root inside,
  // the owner's rights outside. It owns a net namespace of its own, which sysfs needs.
  const userns = spec.owner !== undefined && spec.owner !== 0 ? { uid: spec.owner, gid: spec.owner_group ?? spec.owner } : undefined;
  const net = vh.network;
  const network = net === undefined ? undefined : planNetwork(net);
  if (limited) {
    if (!network) throw invalid(NEEDS_VETH);
    network.limits = limits;
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
  // As the original's nscon, INHERIT gives init the creator's stdio; DETACHED (our default, so that
  // `create` never leaves a terminal or a pipe held open by PID 1) puts it on /dev/null.
  const inheritStdio = vh.init?.run_spec?.fd_policy === 'INHERIT';
  const rootfs = fsSpec?.rootfs === undefined ? undefined : checkPath('filesystem.rootfs', fsSpec.rootfs, true);
  if (rootfs === '/') throw invalid('filesystem.rootfs "/" is the host\'s own root; give a directory holding a root file system (lmctfy rootfs build DIR makes one)');
  const image = fsSpec?.image;
  if (image !== undefined) {
    if (rootfs !== undefined) throw invalid('filesystem.rootfs and filesystem.image are both given; a virtual host has one root: give one of them');
    if (image === '') throw invalid('filesystem.image is empty; give the name of an image (lmctfy image list shows them)');
  }
  const list = fsSpec?.mounts?.mount ?? [];
  if (list.length > 0 && rootfs === undefined && image === undefined) throw invalid('filesystem.mounts need filesystem.rootfs or filesystem.image (they are bound into it)');
  if (list.length > 64) throw invalid(`filesystem.mounts: ${list.length} mounts; at most 64`);
  const mounts = list.map((m, i) => {
    const target = checkPath(`filesystem.mounts.mount[${i}].target`, m.target, false);
    if (target === '/') throw invalid(`filesystem.mounts.mount[${i}].target is "/"; bind below the root`);
    return { source: checkPath(`filesystem.mounts.mount[${i}].source`, m.source, false), target, read_only: m.read_only ?? false, private: m.private ?? false };
  });
  const namespaces = `mpi${hostname !== undefined ? 'u' : ''}${net !== undefined || userns ? 'n' : ''}`;
  return { namespaces, hostname, rootfs, mounts, init, inheritStdio, ...(image !== undefined ? { image } : {}), ...(network ? { network } : {}), ...(userns ? { userns } : {}) };
}

/** The vhost helper's options making a plan's veth pair, bridge, address, route and forwarding (`start` and `netns`). */
export function networkArgs(net: NetworkPlan): string[] {
  const args = ['--veth', net.outside, net.inside];
  if (net.mac !== undefined) args.push('--mac', net.mac);
  if (net.bridge !== undefined) args.push('--bridge', net.bridge);
  if (net.mtu !== undefined) args.push('--mtu', String(net.mtu));
  if (net.address) args.push('--address', net.address.ip, String(net.address.prefix));
  if (net.gateway !== undefined) args.push('--gateway', net.gateway);
  if (net.ipForward) args.push('--forward');
  return args;
}

/** The vhost helper's `start` arguments for a plan (its state dir holds upper/, work/, merged/). */
export function startArgs(plan: VirtualHostPlan, state: string): string[] {
  const args = ['start', '--ns', plan.namespaces];
  if (plan.hostname !== undefined) args.push('--hostname', plan.hostname);
  if (plan.rootfs !== undefined) args.push('--rootfs', plan.rootfs, '--state', state);
  for (const m of plan.mounts) args.push('--bind', `${m.read_only ? 'ro' : 'rw'}+${m.private ? 'private' : 'slave'}`, m.source, m.target);
  const net = plan.network;
  if (net) {
    args.push(...networkArgs(net));
    // PID 1 waits while lmctfy shapes the veth pair with tc from outside.
    if (net.limits) args.push('--gate');
  }
  if (plan.userns) args.push('--userns', String(plan.userns.uid), String(plan.userns.gid));
  return [...args, '--', ...plan.init];
}
