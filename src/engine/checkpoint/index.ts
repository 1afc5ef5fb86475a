/**
 * Checkpoint and restore of a container with criu (docs/CHECKPOINT.md): its processes go
 * into criu's images, its spec (and for a virtual host its overlay upper dir and network)
 * into the same directory; restore makes the container again from that spec, on this root
 * or another, and has criu bring the processes back into it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Container } from '../container.js';
import type { ContainerApi } from '../container-api.js';
import { Code, LmctfyError } from '../errors.js';
import { withLock } from '../lock.js';
import { listSubcontainers, listTasks } from '../tree.js';
import { parseStat } from '../process-info.js';
import { isVirtualHost } from '../vhost/index.js';
import { parseHelperStatus, startError } from '../vhost/failure.js';
import type { ContainerSpec } from '../../messages/types.js';
import { findCriu, runCriu } from './criu.js';
import { IMAGES, MANIFEST, UPPER_TAR, formatManifest, manifestSpec, parseManifest, type Manifest } from './manifest.js';
import { readOrigin, removeOrigin, writeOrigin, type Origin } from './origin.js';
import { PLACE_UNTAR_FAILED, cgroupRootArgs, containerPaths, dumpControllers, placedWrap } from './placement.js';
import { treeRoots } from './process-tree.js';
import { captureVirtualHost, checkVirtualHostRestorable, finishVirtualHostRestore, prepareVirtualHostRestore, type VirtualHostCapture } from './vhost.js';

export { describeOrigin, type Origin } from './origin.js';
export { parseManifest, type Manifest } from './manifest.js';

export interface CheckpointOptions {
  /** Keep the container and its processes running (default: they end, and the container is destroyed, as runc does). */
  leaveRunning?: boolean;
}

/**
 * criu's switch (FI_NO_BREAKPOINTS) to stop its parasite by stepping system calls instead of
 * a hardware breakpoint: on VMs where those never fire, criu 4.1 waits forever at the end of
 * a dump (4.2 detects it). Stepping works everywhere; it costs microseconds.
 */
const CRIU_ENV = { CRIU_FAULT: '130' };

function ppidOf(pid: number): number | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), `/proc/${pid}/stat`).ppid;
  } catch {
    return undefined;
  }
}

/** The one process tree of the container: its root and every pid in it. */
function processTree(c: Container): { root: number; pids: number[] } {
  const pids = listTasks(c.machine, c.name, 'pids', false);
  if (pids.length === 0) throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot checkpoint ${c.name}: it has no processes`);
  const links = pids.flatMap((pid) => {
    const ppid = ppidOf(pid);
    return ppid === undefined ? [] : [{ pid, ppid }];
  });
  const roots = treeRoots(links);
  if (roots.length !== 1) {
    throw new LmctfyError(
      Code.FAILED_PRECONDITION,
      `cannot checkpoint ${c.name}: criu dumps one process tree and its processes form ${roots.length} (headed by pids ${roots.join(', ')}); start them from one parent (e.g. one sh -c '… & … & wait')`,
    );
  }
  return { root: roots[0]!, pids: links.map((l) => l.pid) };
}

/** DIR for a new checkpoint: made when missing, refused when it holds anything. Returns whether it was made. */
function claimDir(dir: string): boolean {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new LmctfyError(Code.ALREADY_EXISTS, `${dir} exists and is not a directory; give a new or empty directory`);
  if (st && fs.readdirSync(dir).length > 0) throw new LmctfyError(Code.ALREADY_EXISTS, `${dir} is not empty; give a new or empty directory for the checkpoint`);
  fs.mkdirSync(path.join(dir, IMAGES), { recursive: true, mode: 0o700 });
  return !st;
}

/**
 * Dumps the container's processes into DIR with its spec. Without leaveRunning its processes
 * end and the container is destroyed once they are reaped. A failed dump leaves the
 * processes running and nothing in DIR.
 */
export async function checkpoint(api: ContainerApi, name: string, dir: string, opts: CheckpointOptions = {}): Promise<Manifest> {
  const c = api.get(name);
  const m = c.machine;
  const scope = m.trackingDir('/');
  const abs = path.resolve(dir);
  const criu = findCriu();
  const manifest = await withLock(scope, c.name, async () => {
    const subs = listSubcontainers(m, c.name, false);
    if (subs.length > 0) throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot checkpoint ${c.name}: it has subcontainers (${subs.join(', ')}); checkpoint takes one container`);
    const tree = processTree(c);
    const spec = c.spec();
    const made = claimDir(abs);
    let vhost: VirtualHostCapture | undefined;
    try {
      if (isVirtualHost(scope, c.name)) vhost = captureVirtualHost(c, spec, tree.root, abs);
      const cgroups = dumpControllers(fs.readFileSync(`/proc/${tree.root}/cgroup`, 'utf8'), containerPaths(m, c.name));
      const args = ['-t', String(tree.root), '-D', path.join(abs, IMAGES), ...cgroups.flatMap((g) => ['--cgroup-dump-controller', g]), ...(vhost?.dumpArgs ?? [])];
      if (opts.leaveRunning) args.push('--leave-running');
      const created = new Date().toISOString();
      // Before criu: the first os call loads node:os, a millisecond better spent while criu probes.
      const host = os.hostname();
      // criu is started first: its first 100 ms or more are its own probing of the kernel, while
      // this thread puts the spec in the manifest's form (through the message schema, its first
      // use in the process: some 10-35 ms). That cannot fail short of a bug in the formatter
      // (the spec was just read back); if it did, the dump would still end as criu ends it.
      const dumping = runCriu('dump', args, path.join(abs, 'dump.log'), `checkpoint ${c.name}`, { env: { ...CRIU_ENV, ...vhost?.env }, ownMountNamespace: vhost !== undefined, holdRootOf: tree.root });
      let formatted: unknown;
      let unformatted: unknown;
      try {
        formatted = manifestSpec(spec);
      } catch (e) {
        unformatted = e;
      }
      await dumping;
      if (formatted === undefined) throw unformatted;
      const written: Manifest = {
        name: c.name,
        root: m.rootSpec,
        host,
        created,
        criu: criu.version,
        rootPid: tree.root,
        pids: tree.pids,
        spec,
        ...(vhost ? { vhost: vhost.saved() } : {}),
      };
      // Last: a directory holding a manifest holds a whole checkpoint.
      fs.writeFileSync(path.join(abs, MANIFEST), formatManifest(written, formatted));
      return written;
    } catch (e) {
      if (made) fs.rmSync(abs, { recursive: true, force: true });
      else for (const f of fs.readdirSync(abs)) fs.rmSync(path.join(abs, f), { recursive: true, force: true });
      throw e;
    }
  });
  // criu has killed the processes: the container goes once they are reaped (removal retries while they linger as zombies).
  if (!opts.leaveRunning) await api.destroy(c.name, { force: true });
  return manifest;
}

/** The manifest of a checkpoint directory, with criu's inventory there: one line saying what is wrong otherwise. */
export function readCheckpoint(dir: string): Manifest {
  const abs = path.resolve(dir);
  if (!fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new LmctfyError(Code.NOT_FOUND, `checkpoint directory ${abs} does not exist`);
  let text: string;
  try {
    text = fs.readFileSync(path.join(abs, MANIFEST), 'utf8');
  } catch {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${abs} is not an lmctfy checkpoint: it has no ${MANIFEST} (lmctfy checkpoint NAME DIR writes one)`);
  }
  const m = parseManifest(text, abs);
  if (!fs.existsSync(path.join(abs, IMAGES, 'inventory.img'))) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${abs} is not an lmctfy checkpoint: criu's images (${IMAGES}/inventory.img) are missing`);
  }
  return m;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long restore waits for the dumped processes' zombies to be reaped (PID 1 may reap late). */
const REAP_WAIT_MS = 5_000;

/**
 * A plain container's processes come back with their own pids: wait while the old ones are
 * zombies not yet reaped; a live process on one of them is a clash no wait ends.
 */
async function waitPidsFree(name: string, pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + REAP_WAIT_MS;
  for (;;) {
    const held = pids.flatMap((pid) => {
      try {
        const st = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
        return [{ pid, comm: st.comm, zombie: st.state === 'Z' }];
      } catch {
        return [];
      }
    });
    const live = held.find((h) => !h.zombie);
    if (live) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot restore ${name}: pid ${live.pid} (${live.comm}) is in use on this machine, and a container restores with the pids it had; end that process or restore where the pid is free`);
    }
    if (held.length === 0) return;
    if (Date.now() > deadline) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot restore ${name}: pids ${held.map((h) => h.pid).join(', ')} are still zombies after ${REAP_WAIT_MS} ms (their parent has not reaped them)`);
    }
    await sleep(20);
  }
}

/** The spec without the virtual host sections (its network limits among them): what makes the cgroups (restore puts the virtual host back itself). */
function cgroupPart(spec: ContainerSpec): ContainerSpec {
  const { virtual_host: _v, filesystem: _f, network: _n, ...rest } = spec;
  return rest;
}

/**
 * Makes container `name` from the checkpoint in DIR and brings its processes back into it.
 * Refused when `name` exists. A failure removes every cgroup, mount, interface and state it made.
 */
export async function restore(api: ContainerApi, name: string, dir: string): Promise<Container> {
  const abs = api.resolve(name);
  const from = path.resolve(dir);
  const m = readCheckpoint(from);
  findCriu();
  if (api.exists(abs)) throw new LmctfyError(Code.ALREADY_EXISTS, `cannot restore ${abs}: the container exists; destroy it first, or restore under another name or root`);
  if (m.vhost) checkVirtualHostRestorable(m, abs, from);
  else await waitPidsFree(abs, m.pids);
  const c = await api.create(abs, cgroupPart(m.spec));
  const scope = c.machine.trackingDir('/');
  try {
    const vhost = m.vhost ? prepareVirtualHostRestore(c, m, from) : undefined;
    const pidfile = path.join(os.tmpdir(), `lmctfy-restore-${process.pid}-${Date.now()}.pid`);
    const args = ['-D', path.join(from, IMAGES), '-d', '--pidfile', pidfile, '--manage-cgroups=soft', ...cgroupRootArgs(containerPaths(c.machine, abs)), ...(vhost?.args ?? [])];
    try {
      await runCriu('restore', args, restoreLog(from), `restore ${abs}`, {
        env: CRIU_ENV,
        ownMountNamespace: vhost !== undefined,
        wrap: placedWrap(c.machine, abs, vhost?.setup),
        ...(vhost?.setup.netns ? { report: { atGate: vhost.atGate } } : {}),
        wrapFailed: (status, stderr, reported) => {
          if (status === PLACE_UNTAR_FAILED && vhost) return untarError(from, stderr);
          // The wrap's network steps report as the vhost helper's start does; "ready" (at its gate) means they were done.
          const failure = vhost && !reported.startsWith('ready') ? parseHelperStatus(reported).failure : undefined;
          return failure && vhost ? startError(failure, abs, vhost.plan) : undefined;
        },
      });
      if (vhost) finishVirtualHostRestore(c, Number(fs.readFileSync(pidfile, 'utf8').trim()));
    } finally {
      fs.rmSync(pidfile, { force: true });
    }
    const origin: Origin = { dir: from, name: m.name, root: m.root, host: m.host, created: m.created };
    writeOrigin(scope, abs, c.machine.io.dirInfo(c.machine.trackingDir(abs))!.inode, origin);
    return c;
  } catch (e) {
    removeOrigin(scope, abs);
    await api.destroy(abs, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** The wrap's tar failed: which of the checkpoint's archives (its last line names it), and tar's last word on it. */
function untarError(from: string, stderr: string): LmctfyError {
  const lines = stderr.trim().split('\n');
  const file = /^lmctfy-vhost place: cannot unpack (.*)$/.exec(lines.at(-1) ?? '')?.[1];
  return new LmctfyError(Code.INVALID_ARGUMENT, `${from}: its ${file ? path.basename(file) : UPPER_TAR} cannot be unpacked: ${(file ? lines.at(-2) : lines.at(-1)) || 'tar failed'}`);
}

/** restore.log in the checkpoint dir, or in the temp dir when that one is read-only. */
function restoreLog(dir: string): string {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return path.join(dir, 'restore.log');
  } catch {
    return path.join(os.tmpdir(), `lmctfy-restore-${process.pid}.log`);
  }
}

/**
 * checkpoint + restore under another root, through a temporary directory removed once the
 * container runs there. If the restore fails, the container is restored where it was; if
 * that fails too, the checkpoint is kept and named.
 */
export async function migrate(from: ContainerApi, name: string, to: ContainerApi): Promise<Container> {
  const abs = from.resolve(name);
  if (to.exists(abs)) throw new LmctfyError(Code.ALREADY_EXISTS, `cannot migrate ${abs}: it already exists under the target root; destroy it there first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-migrate-'));
  try {
    await checkpoint(from, abs, dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  try {
    const c = await restore(to, abs, dir);
    fs.rmSync(dir, { recursive: true, force: true });
    return c;
  } catch (e) {
    const why = (e as Error).message;
    try {
      await restore(from, abs, dir);
    } catch (back) {
      throw new LmctfyError(Code.ABORTED, `migrate ${abs}: restore under the target failed (${why}), and so did restoring it back (${(back as Error).message}); the checkpoint is kept in ${dir}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    throw new LmctfyError(Code.ABORTED, `migrate ${abs}: restore under the target failed, so it was restored where it was: ${why}`);
  }
}

/** The origin of a restored container, for `lmctfy spec` and the console; undefined for any other. */
export function originOf(c: Container): Origin | undefined {
  const scope = c.machine.trackingDir('/');
  return readOrigin(scope, c.name, c.machine.io.dirInfo(c.machine.trackingDir(c.name))?.inode);
}
