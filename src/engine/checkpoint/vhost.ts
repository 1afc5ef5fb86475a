/**
 * What a virtual host adds to a checkpoint (docs/CHECKPOINT.md): its overlay upper dir and
 * its tmpfs mounts' content (tars taken while criu holds the processes stopped, tmpfs.ts), its
 * mount namespace (criu restores it on the overlay mounted again) and PID 1's new host pid.
 * Its net namespace is left out of criu's images and made again from the spec at restore
 * (netns.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../container.js';
import { Code, LmctfyError } from '../errors.js';
import { parentName } from '../names.js';
import { parseMountinfo } from '../kernel/mountinfo.js';
import { nativeHelper } from '../native-helpers.js';
import { checkNetworkFree, recordPlannedNetwork, setLimits } from '../vhost/network.js';
import { networkArgs, planVirtualHost, type VirtualHostPlan } from '../vhost/plan.js';
import { makeStateDir, stateDir, writeInitPid } from '../vhost/state.js';
import type { ContainerSpec } from '../../messages/types.js';
import { UPPER_TAR, type Manifest } from './manifest.js';
import type { WrapSetup } from './placement.js';
import { NETNS_FD, NETNS_KEY, externalNetnsArgs, macIn } from './netns.js';
import { externalTmpfs, tmpfsArchive, type SavedTmpfs } from './tmpfs.js';

/**
 * criu's action script, run at each of its actions, and its environment: the vhost helper
 * itself, which at post-dump (the processes dumped and still stopped) archives the upper dir
 * and the tmpfs mounts (with the overlay's xattrs kept), as the images expect them, and does
 * nothing at the others (native/criu-tmpfs.h): a shell script started a shell at each.
 */
function actionScript(archiveArgs: readonly string[]): { script: string; env: Record<string, string> } {
  const env: Record<string, string> = { LMCTFY_ARCHIVE_N: String(archiveArgs.length) };
  archiveArgs.forEach((a, i) => (env[`LMCTFY_ARCHIVE_${i}`] = a));
  return { script: nativeHelper('lmctfy-vhost', 'vhost helper'), env };
}

/** Options every dump and restore of a virtual host takes. */
const COMMON = [
  // Its binds of host files (/dev/null, ...): criu finds them in the host's mounts and binds them again.
  '--external', 'mnt[]',
  // Locking the network needs iptables; lmctfy checkpoints no established TCP connection.
  '--network-lock', 'skip',
];

export interface VirtualHostCapture {
  dumpArgs: string[];
  /** criu's environment (its action script's arguments). */
  env: Record<string, string>;
  /** What the manifest keeps, once criu has dumped (which tmpfs mounts had content to archive). */
  saved(): NonNullable<Manifest['vhost']>;
}

function planOf(spec: ContainerSpec, name: string): VirtualHostPlan {
  const plan = planVirtualHost(spec);
  if (!plan) throw new LmctfyError(Code.INTERNAL, `${name} has virtual host state but its spec asks for no virtual host`);
  if (plan.userns) {
    throw new LmctfyError(Code.UNIMPLEMENTED, `cannot checkpoint ${name}: checkpoint of a virtual host with an owner (a user namespace) is not implemented yet`);
  }
  return plan;
}

/** Whether the plan gives the virtual host a net namespace of its own. */
const ownsNetns = (plan: VirtualHostPlan) => plan.namespaces.includes('n');

/** What criu needs to dump the virtual host whose PID 1 is `init` into `dir`. */
export function captureVirtualHost(c: Container, spec: ContainerSpec, init: number, dir: string): VirtualHostCapture {
  const plan = planOf(spec, c.name);
  // Without a root of its own it shares the host's mounts, which criu cannot take along (its
  // dump fails on them); an image's layers are not looked up again at restore.
  if (plan.image !== undefined) {
    throw new LmctfyError(Code.UNIMPLEMENTED, `cannot checkpoint ${c.name}: checkpoint of a virtual host whose root is an image (filesystem.image) is not implemented yet; give it filesystem.rootfs`);
  }
  if (plan.rootfs === undefined) {
    throw new LmctfyError(Code.UNIMPLEMENTED, `cannot checkpoint ${c.name}: checkpoint of a virtual host without a root of its own (filesystem.rootfs) is not implemented yet: it shares the host's mounts, which criu cannot take along`);
  }
  const netns = ownsNetns(plan) ? externalNetnsArgs(init) : [];
  // Its peers know it by its MAC (their neighbour tables): restore gives the new pair the same.
  const network = plan.network ? { ...plan.network, mac: macIn(init, plan.network.inside, c.name) } : undefined;
  const mountsOf = (pid: number | 'self') => parseMountinfo(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  const tmpfs = externalTmpfs(mountsOf(init), mountsOf('self'));
  const upper = path.join(stateDir(c.machine.trackingDir('/'), c.name), 'upper');
  const archive = [String(init), upper, path.join(dir, UPPER_TAR)];
  tmpfs.forEach((t, i) => archive.push(t.mountPoint, path.join(dir, tmpfsArchive(i))));
  const action = actionScript(archive);
  const rootfs = plan.rootfs;
  return {
    dumpArgs: [...COMMON, ...netns, ...tmpfs.flatMap((t) => ['--external', `mnt[${t.mountPoint}]:${t.key}`]), '--action-script', action.script],
    env: action.env,
    saved: () => ({
      ...(network ? { network } : {}),
      rootfs,
      // An empty tmpfs has no archive (the helper writes none).
      ...(tmpfs.length > 0 ? { tmpfs: tmpfs.map((t, i): SavedTmpfs => (fs.existsSync(path.join(dir, tmpfsArchive(i))) ? { ...t, archive: tmpfsArchive(i) } : t)) } : {}),
    }),
  };
}

/** What can be checked before anything is made: the rootfs, the upper dir's tar, the interface name, where it goes. */
export function checkVirtualHostRestorable(m: Manifest, name: string, dir: string): VirtualHostPlan {
  const plan = planOf(m.spec, name);
  if (process.getuid?.() !== 0) throw new LmctfyError(Code.PERMISSION_DENIED, `cannot restore virtual host ${name}: restoring one needs root`);
  if (parentName(name) !== '/') throw new LmctfyError(Code.INVALID_ARGUMENT, `cannot restore virtual host ${name} below another container: a virtual host must be a top-level container`);
  if (plan.rootfs !== undefined) {
    if (!fs.statSync(plan.rootfs, { throwIfNoEntry: false })?.isDirectory()) {
      throw new LmctfyError(Code.NOT_FOUND, `cannot restore virtual host ${name}: its rootfs ${plan.rootfs} is not a directory here; the same root file system must be at the same path`);
    }
    for (const file of [UPPER_TAR, ...(m.vhost?.tmpfs ?? []).flatMap((t) => (t.archive ? [t.archive] : []))]) {
      if (!fs.existsSync(path.join(dir, file))) throw new LmctfyError(Code.INVALID_ARGUMENT, `${dir} is not an lmctfy checkpoint: the virtual host's ${file} is missing`);
    }
  }
  if (plan.network) checkNetworkFree(plan.network, name);
  return plan;
}

export interface VirtualHostRestore {
  plan: VirtualHostPlan;
  state: string;
  args: string[];
  /**
   * What criu's wrap makes before it execs criu: the upper dir unpacked, the net namespace
   * (handed to criu as its fd 3), and the overlay mounted in a mount namespace of its own (the
   * host's mount table never holds it).
   */
  setup: WrapSetup;
  /** Shapes the veth pair while the wrap waits at its gate, before criu runs (only with bandwidth limits). */
  atGate?: () => void;
}

/**
 * The state dir, and what criu's wrap is to make: the upper dir unpacked, and a net namespace
 * made as create makes it (loopback, the veth pair with its old MAC, address, route; recorded
 * first, so a failure removes it; the limits shaped at the wrap's gate).
 */
export function prepareVirtualHostRestore(c: Container, m: Manifest, dir: string): VirtualHostRestore {
  const plan = planOf(m.spec, c.name);
  const state = makeStateDir(c.machine.trackingDir('/'), c.name, { virtual_host: m.spec.virtual_host ?? {}, filesystem: m.spec.filesystem, namespaces: plan.namespaces });
  const args = [...COMMON];
  const setup: WrapSetup = {};
  if (plan.rootfs === undefined) {
    args.push('--root', '/');
  } else {
    const merged = path.join(state, 'merged');
    setup.untar = { file: path.join(dir, UPPER_TAR), dir: path.join(state, 'upper') };
    // volatile, as create mounts it (docs/VIRTUAL-HOSTS.md, "State").
    setup.overlay = { options: `lowerdir=${plan.rootfs},upperdir=${path.join(state, 'upper')},workdir=${path.join(state, 'work')},volatile`, dir: merged };
    args.push('--root', merged);
  }
  // Each saved tmpfs mounted and filled by the wrap in its own mount namespace, for criu to bind where it was.
  setup.tmpfs = (m.vhost?.tmpfs ?? []).map((t, i) => {
    const at = path.join(state, 'tmpfs', String(i));
    args.push('--external', `mnt[${t.key}]:${at}`);
    return { dir: at, source: t.source, options: t.options, readOnly: t.readOnly, ...(t.archive ? { archive: path.join(dir, t.archive) } : {}) };
  });
  let atGate: (() => void) | undefined;
  if (ownsNetns(plan)) {
    const network = plan.network;
    // Recorded first: a failure at any later step is torn down with the container.
    if (network) {
      network.mac = m.vhost?.network?.mac;
      recordPlannedNetwork(network, state);
      const limits = network.limits;
      if (limits) {
        setup.gate = true;
        atGate = () => setLimits(state, c.name, limits);
      }
    }
    setup.netns = network ? networkArgs(network) : [];
    args.push('--inherit-fd', `fd[${NETNS_FD}]:${NETNS_KEY}`);
  }
  return { plan, state, args, setup, ...(atGate ? { atGate } : {}) };
}

/** Once criu has restored PID 1 (host pid `pid`): its pid, for run and enter. */
export function finishVirtualHostRestore(c: Container, pid: number): void {
  writeInitPid(c.machine.trackingDir('/'), c.name, pid);
}
