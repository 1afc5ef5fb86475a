/**
 * Virtual hosts (docs/VIRTUAL-HOSTS.md): a container whose processes live in their own
 * namespaces and, with a rootfs, their own root. The native helper (native/vhost-helper.c)
 * does what Node cannot (unshare, setns, mount, pivot_root); it runs behind the exec
 * helper, so it is in the container's cgroups before it makes anything.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { Code, LmctfyError } from '../errors.js';
import type { Machine } from '../kernel/machine.js';
import { nativeHelper } from '../native-helpers.js';
import { spawnInside, type SpawnOptions } from '../placement.js';
import { killTasks } from '../teardown.js';
import { listTasks } from '../tree.js';
import type { ContainerSpec } from '../../messages/types.js';
import { imageLayers, recordImageUse, type ImageUse } from '../image/index.js';
import { joinError, parseHelperStatus, startError } from './failure.js';
import { checkNetworkFree, recordPlannedNetwork, setLimits, tearDownNetwork, vethLimits } from './network.js';
import { limitsAfter, limitsToSpec } from './shaping.js';
import { planVirtualHost, startArgs, type VirtualHostPlan } from './plan.js';
import { isVirtualHost, makeStateDir, readInitPid, readSaved, removeStateDir, stateDir, writeInitPid } from './state.js';

export { isVirtualHost } from './state.js';

/** build/lmctfy-vhost (native/vhost-helper.c). */
const vhostHelper = () => nativeHelper('lmctfy-vhost', 'vhost helper');

/** The environment a virtual host's init starts with: nothing of the caller's. */
const INIT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/', container: 'lmctfy' };

/** The vhost helper's status pipe (the sixth of spawnInside's stdio when `via` is given), read as lines. */
function statusOf(child: ChildProcess): { line(): Promise<string>; rest(): Promise<string> } {
  const stream = (child.stdio as unknown as NodeJS.ReadableStream[])[5]!;
  let text = '';
  let ended = false;
  let wake: (() => void) | undefined;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    wake?.();
  });
  const end = () => {
    ended = true;
    wake?.();
  };
  stream.on('error', end);
  stream.on('end', end);
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => (wake = resolve));
  };
  return {
    /** The first line (or all there is at EOF), taken off what is read. */
    async line() {
      await until(() => ended || text.includes('\n'));
      const i = text.indexOf('\n');
      const line = i < 0 ? text : text.slice(0, i + 1);
      text = text.slice(line.length);
      return line;
    },
    async rest() {
      await until(() => ended);
      return text;
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The image a prepared plan's rootfs came from, recorded in the state dir at start. */
const imageUseOf = new WeakMap<VirtualHostPlan, ImageUse>();

/**
 * Checks what can be checked before anything is made: the plan (pure) and the host paths
 * it names, and where the container sits. Undefined when the spec asks for no virtual host.
 */
export function prepareVirtualHost(spec: ContainerSpec, name: string, parent: string, scope: string): VirtualHostPlan | undefined {
  if (isVirtualHost(scope, parent)) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot create ${name}: its parent ${parent} is a virtual host, and containers below one are not supported yet`);
  }
  const plan = planVirtualHost(spec);
  if (!plan) return undefined;
  if (process.getuid?.() !== 0) {
    throw new LmctfyError(
      Code.UNIMPLEMENTED,
      `cannot create virtual host ${name}: creating one without host root (in a user namespace the caller makes itself) is not implemented yet; root creates it with owner:UID, whose root inside is UID`,
    );
  }
  if (parent !== '/') {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `cannot create virtual host ${name} below another container (${parent}): a virtual host must be a top-level container`);
  }
  if (plan.rootfs !== undefined) {
    const st = fs.statSync(plan.rootfs, { throwIfNoEntry: false });
    if (!st?.isDirectory()) {
      throw new LmctfyError(Code.NOT_FOUND, `filesystem.rootfs ${plan.rootfs} ${st ? 'is not a directory' : 'does not exist'}; give a directory holding a root file system (lmctfy rootfs build DIR makes one)`);
    }
  }
  if (plan.image !== undefined) {
    const { lowerdir, use } = imageLayers(scope, name, plan.image);
    plan.rootfs = lowerdir;
    imageUseOf.set(plan, use);
  }
  plan.mounts.forEach((m, i) => {
    if (!fs.existsSync(m.source)) throw new LmctfyError(Code.NOT_FOUND, `filesystem.mounts.mount[${i}].source ${m.source} does not exist`);
  });
  if (plan.network) checkNetworkFree(plan.network, name);
  return plan;
}

/**
 * Starts the virtual host of a container just made (its cgroups exist): its state dir,
 * then the helper, placed in the cgroups before it unshares. Resolves once PID 1 runs. A
 * failure leaves no process (the helper reaps a failed PID 1 before it reports, and is
 * reaped here) and no state dir.
 */
export async function startVirtualHost(machine: Machine, name: string, spec: ContainerSpec, plan: VirtualHostPlan): Promise<void> {
  const scope = machine.trackingDir('/');
  const state = makeStateDir(scope, name, { virtual_host: spec.virtual_host ?? {}, filesystem: spec.filesystem, namespaces: `${plan.namespaces}${plan.userns ? 'U' : ''}` }, plan.userns);
  let started = false;
  try {
    const use = imageUseOf.get(plan);
    if (use) recordImageUse(state, use);
    if (plan.network) recordPlannedNetwork(plan.network, state);
    const limits = plan.network?.limits;
    const child = await spawnInside(machine, name, { argv: startArgs(plan, state), detached: !plan.inheritStdio, env: INIT_ENV, via: [vhostHelper()], viaPipes: limits ? 1 : 0 });
    const status = statusOf(child);
    const first = parseHelperStatus(await status.line());
    await exited(child);
    if (first.failure) throw startError(first.failure, name, plan);
    if (first.pid === undefined) throw new LmctfyError(Code.INTERNAL, `the vhost helper ended without starting ${name}'s init (exit ${child.exitCode ?? child.signalCode})`);
    started = true;
    writeInitPid(scope, name, first.pid);
    if (limits) {
      // PID 1 waits at its gate (fd 6) until the pair is shaped; closing it unopened ends PID 1.
      const gate = (child.stdio as unknown as NodeJS.WritableStream[])[6]!;
      gate.on('error', () => undefined);
      try {
        setLimits(state, name, limits);
      } finally {
        gate.end('\n');
      }
      const last = parseHelperStatus(await status.rest());
      if (last.failure) throw startError(last.failure, name, plan);
    }
  } catch (e) {
    // PID 1 may have run: nothing of it may outlive the failed create.
    if (started) await killTasks(machine, name, false);
    tearDownNetwork(state, name);
    removeStateDir(scope, name);
    throw e;
  }
}

/**
 * PID 1 of a running virtual host, checked: still in the container and still the first
 * process of a pid namespace (so not a recycled pid).
 */
export function virtualHostInit(machine: Machine, name: string): number {
  const scope = machine.trackingDir('/');
  const pid = readInitPid(scope, name);
  const gone = () =>
    new LmctfyError(Code.FAILED_PRECONDITION, `virtual host ${name} has no running init (it exited or was killed); destroy -f it and create it again`);
  if (pid === undefined || !listTasks(machine, name, 'pids', false).includes(pid)) throw gone();
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw gone();
  }
  const nspid = /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
  if (!nspid || nspid.length < 2 || nspid[nspid.length - 1] !== '1') throw gone();
  return pid;
}

/** A task's namespace of a kind (`pid`, `mnt`), as the kernel names it ("pid:[4026531836]"); undefined when the task is gone. */
function namespaceOf(tid: number, kind: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${tid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

/**
 * `enter` of a virtual host moves tasks into its cgroups, as for any container, but only tasks
 * already inside it (its PID 1's pid and mount namespaces), as the original did: the kernel
 * moves only the caller into namespaces, so a task from outside would sit in the container's
 * cgroups while seeing the host. Anything else is FAILED_PRECONDITION, before any task moves.
 */
export function checkEnterVirtualHost(machine: Machine, name: string, tids: readonly number[]): void {
  const init = virtualHostInit(machine, name);
  for (const kind of ['pid', 'mnt']) {
    const ours = namespaceOf(init, kind);
    for (const tid of tids) {
      const theirs = namespaceOf(tid, kind);
      if (theirs === undefined) throw new LmctfyError(Code.NOT_FOUND, `enter ${name}: task ${tid} does not exist`);
      if (theirs !== ours) {
        throw new LmctfyError(
          Code.FAILED_PRECONDITION,
          `enter ${name}: task ${tid} is not inside virtual host ${name} (other ${kind} namespace), and the kernel cannot move a running task into one; start it inside with lmctfy run ${name} CMD`,
        );
      }
    }
  }
}

/**
 * How argv starts in the container: inside its virtual host's namespaces and root when it is
 * one (the exec helper joins them once placed, then execs), otherwise as given.
 */
export function inContainer(machine: Machine, name: string, opts: SpawnOptions): SpawnOptions {
  if (!isVirtualHost(machine.trackingDir('/'), name)) return opts;
  if (opts.argv.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, 'run: no command given');
  const pid = virtualHostInit(machine, name);
  return { ...opts, join: { pid, failed: (f) => joinError(f, name, opts.argv[0]!) } };
}

/** A virtual host's spec sections as created, and its bandwidth limits now, for `lmctfy spec`; {} for other containers. */
export function savedVirtualHostSpec(scope: string, name: string): Pick<ContainerSpec, 'virtual_host' | 'filesystem' | 'network'> {
  const saved = readSaved(scope, name);
  if (!saved) return {};
  const limits = vethLimits(stateDir(scope, name));
  const network = limits && limitsToSpec(limits);
  return { virtual_host: saved.virtual_host, ...(saved.filesystem === undefined ? {} : { filesystem: saved.filesystem }), ...(network ? { network } : {}) };
}

/**
 * An update's bandwidth limits, checked now (before anything is written) and applied by the
 * function returned; undefined when the update leaves them as they are. A `network` section
 * for a container without a veth pair is refused.
 */
export function planLimitsUpdate(scope: string, name: string, network: ContainerSpec['network'], policy: 'diff' | 'replace'): (() => void) | undefined {
  const state = stateDir(scope, name);
  const was = isVirtualHost(scope, name) ? vethLimits(state) : undefined;
  if (was === undefined) {
    if (network !== undefined && Object.keys(network).length > 0) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `update of ${name}: network limits shape a virtual host's veth pair, and ${name} has none`);
    }
    return undefined;
  }
  if (network === undefined && policy === 'diff') return undefined;
  const now = limitsAfter(was, network, policy);
  return () => setLimits(state, name, now);
}

/** After the container's processes are gone: its overlay and state (the mounts went with its mount namespace). */
export function removeVirtualHost(scope: string, name: string): void {
  const state = stateDir(scope, name);
  if (!fs.existsSync(state)) return;
  tearDownNetwork(state, name);
  removeStateDir(scope, name);
}
