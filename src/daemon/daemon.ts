import type { ContainerApi } from '../engine/container-api.js';
import { Code, LmctfyError, isLmctfyError } from '../engine/errors.js';
import { appendJournal, readJournal, type JournalRecord } from '../engine/journal.js';
import { holdLock } from '../engine/lock.js';
import { openNotificationHub, type NotificationHub } from '../engine/notify/index.js';
import { PsiWatch } from '../engine/notify/psi.js';
import { readMeminfo } from '../engine/kernel/procfs.js';
import { pruneMirrors } from '../engine/teardown.js';
import { isWithin } from '../engine/names.js';
import { allocatableMemory, containerPressureFile, cpuCap, cpuMembers, enforceOomScore, killSubtree, machinePressureFile, memoryFigures, oomKillerOff, ownMemoryLimit, rankOf, orphanedCpus, reclaimMemory, releaseGone, restoreOomKiller, setCpuCap, sharesCpuAsLatencyTier } from '../engine/pressure.js';
import { cpuCapPlan, latencySensitive } from '../policy/cpu-caps.js';
import { fsWatchDir } from '../engine/sampling/index.js';
import { pressureSettings, type PressureSettings } from '../policy/pressure.js';
import type { Tier } from '../policy/types.js';
import { aboveReservation, eligible, evictionOrder, lowestReclaimable, reclaimPlan, tierRank, type Candidate } from './rank.js';
import { formatBytes } from './format.js';
import { LATENCY_SLICE_US, Slices } from './slices.js';

/**
 * `lmctfy daemon` (docs/DAEMON.md): watches memory pressure of lmctfy's root, of each
 * container and of the machine, event-driven (v1 usage thresholds and OOM notifications
 * through the notification hub, PSI triggers through the lmctfy-psi helper, inotify for
 * containers coming and going), and under pressure reclaims from lower tiers first, then
 * evicts whole containers, lowest first. Every decision is a journal record. It keeps no
 * state of its own: what it acts on is read from the kernel and the root's policy each time.
 */

/** The lock no container can hold that one daemon per root takes. */
export const DAEMON_LOCK = ':daemon';

/** How long after seeing a container with exclusive CPUs gone the daemon frees them, if a destroy has not. */
const ORPHAN_GRACE_MS = 1000;

export interface DaemonOptions {
  /** Called with each decision, after it is in the journal. */
  onDecision?(record: JournalRecord): void;
}

/** What woke the daemon. */
type Trigger =
  | { kind: 'start'; at: number }
  /** container '/' is lmctfy's root, else a parent near its own memory limit. */
  | { kind: 'usage'; container: string; at: number }
  | { kind: 'oom'; container: string; at: number }
  /** container '' is the machine (/proc/pressure/memory). */
  | { kind: 'stall'; container: string; at: number }
  /** A latency-sensitive container waited for CPU (its cpu.pressure). */
  | { kind: 'cpu'; container: string; at: number }
  /** No CPU stall for cpu_release_ms: the caps and slices go. */
  | { kind: 'release'; at: number }
  /** Containers holding exclusive CPUs were seen gone ORPHAN_GRACE_MS ago. */
  | { kind: 'orphans'; at: number };

/** What a scope may use and where reclaim and eviction begin (PolicyDaemon.limits); `kernelCeiling`: the kernel's part of `ceiling`. */
interface ScopeLimits {
  ceiling: number;
  kernelCeiling?: number;
  reclaimAt: number;
  evictAt: number;
  usage: number;
  reclaimHeadroom: number;
  evictHeadroom: number;
}

/** A NORMAL container's CPU cap the daemon placed, and the cpu.max_limit it had before (undefined: unlimited). */
export interface HeldCap {
  cap: number;
  before?: number;
}

interface Watched {
  close(): void;
  oomId?: number;
  psiId?: number;
  cpuPsiId?: number;
}

export class PolicyDaemon {
  private readonly scope: string;
  private readonly hub: NotificationHub;
  private psi?: PsiWatch;
  private readonly watched = new Map<string, Watched>();
  /** The usage thresholds in place, by scope: '/' and each parent with a memory ceiling of its own. */
  private readonly thresholds = new Map<string, { at: [number, number]; ids: number[] }>();
  /**
   * Scopes whose kernel OOM killer the daemon holds off (cgroup v1, an action that frees
   * memory), by the registration holding it; undefined: handed back to the kernel because
   * nothing ranked lower was left to evict, until usage falls below the reclaim threshold.
   */
  private readonly held = new Map<string, number | undefined>();
  /** Scopes taken before the start record, which names them (undefined once it is written). */
  private heldAtStart?: string[] = [];
  private queue: Trigger[] = [];
  private running?: Promise<void>;
  private rescanQueued = false;
  private stopped = false;
  /** OOM kill counts last seen, by container (the kernel's counters, read again at start). */
  private readonly oomKills = new Map<string, number>();
  private lastStall = 0;
  private lastStallEviction = 0;
  /** CPU caps in place, by container; recovered from the journal at start (docs/DAEMON.md "CPU"). */
  private readonly caps = new Map<string, HeldCap>();
  /**
   * Latency-sensitive containers whose tasks the daemon gave the short slice (slices.ts), with
   * the pids it has looked at, so a stall that goes on with the same tasks runs no helper;
   * found again in the kernel at start.
   */
  private readonly sliced = new Map<string, Set<number>>();
  private readonly slices = Slices.find();
  private releaseTimer?: NodeJS.Timeout;
  private orphanTimer?: NodeJS.Timeout;

  private constructor(
    private readonly api: ContainerApi,
    private readonly release: () => void,
    private readonly opts: DaemonOptions,
  ) {
    this.scope = api.machine.trackingDir('/');
    this.hub = openNotificationHub(api);
  }

  /**
   * Starts watching. A second daemon on the same root is refused (FAILED_PRECONDITION naming
   * the pid that holds it). Resolves once every watch is in place and the first look at the
   * kernel has acted on what it found (a restart mid-pressure picks up there).
   */
  static async start(api: ContainerApi, opts: DaemonOptions = {}): Promise<PolicyDaemon> {
    const m = api.machine;
    if (!m.rootExists()) throw new LmctfyError(Code.NOT_FOUND, `lmctfy's root ${m.trackingDir('/')} does not exist; run lmctfy init first`);
    const held = holdLock(m.trackingDir('/'), DAEMON_LOCK);
    if ('holder' in held) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `another lmctfy daemon (pid ${held.holder}) already runs on root ${m.trackingDir('/')}`);
    }
    const d = new PolicyDaemon(api, held.release, opts);
    try {
      await d.open();
    } catch (e) {
      d.stop();
      throw e;
    }
    return d;
  }

  private get settings(): PressureSettings {
    return pressureSettings(this.api.policy()?.spec.pressure);
  }

  private async open(): Promise<void> {
    const m = this.api.machine;
    const s = this.settings;
    if (m.pressureDir('/') !== undefined || machinePressureFile(m) !== undefined) {
      this.psi = new PsiWatch(undefined, (why) => this.decide({ what: 'degraded', container: '', reason: `PSI triggers stopped: ${why}` }));
    }
    const file = machinePressureFile(m);
    if (this.psi && file) {
      await this.psi.add(file, s.stallUs, s.windowUs, (e) => {
        if (e.kind === 'stall') this.wake({ kind: 'stall', container: '', at: Date.now() });
      });
    }
    pruneMirrors(m);
    this.releaseCaps(capsLeftIn(readJournal(this.scope).records), 'left by a daemon that ended without releasing them');
    await this.rescan();
    this.adoptSlices();
    const held = this.heldAtStart!.join(' ');
    this.heldAtStart = undefined;
    this.decide({
      what: 'start',
      container: '/',
      reason: `watching ${this.watched.size} containers${held ? `; the kernel's OOM killer waits for the daemon in ${held}` : ''}`,
      detail: { pid: process.pid, ...settingsDetail(s), ...(held ? { oom_held: held } : {}) },
    });
    for (const name of this.watched.keys()) {
      if (name === '/') continue;
      try {
        this.fixOomScore(name, rankOf(m, name).tier);
      } catch (e) {
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
    this.wake({ kind: 'start', at: Date.now() });
    await this.idle();
  }

  /** Resolves when no decision is being made. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops watching and releases the root. Containers are left as they are, but for the CPU caps this daemon placed, which it takes back. */
  stop(): void {
    if (this.stopped) return;
    clearTimeout(this.releaseTimer);
    clearTimeout(this.orphanTimer);
    try {
      this.releaseCaps(this.caps, 'the daemon stops');
      this.releaseSlices('the daemon stops');
      // Put back here, and the helper killed, not told: a helper ending later would turn the
      // killer on under the next daemon, which may have taken the scope by then.
      for (const [scope, id] of this.held) if (id !== undefined) restoreOomKiller(this.api.machine, scope);
    } catch (e) {
      this.failed(e);
    }
    this.stopped = true;
    for (const w of this.watched.values()) w.close();
    this.watched.clear();
    this.hub.close(true);
    this.psi?.close();
    this.release();
  }

  // ---- watching ----

  /** Brings the watches in line with the containers that exist now. */
  private async rescan(): Promise<void> {
    const m = this.api.machine;
    const names = ['/', ...this.api.get('/').listSubcontainers({ recursive: true })];
    const now = new Set(names);
    for (const [name, w] of this.watched) {
      if (now.has(name)) continue;
      w.close();
      this.watched.delete(name);
      this.oomKills.delete(name);
    }
    for (const name of names) {
      if (this.watched.has(name) || this.stopped) continue;
      try {
        await this.watch(name);
      } catch (e) {
        // Destroyed while being watched: the next rescan drops it.
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
    pruneMirrors(m);
    await this.registerThresholds();
    this.checkOrphans();
  }

  /**
   * Exclusive CPUs of a container removed behind lmctfy's back (its cgroup rmdir'ed by hand)
   * stay out of the shared pool until someone frees them. A destroy frees them itself right
   * after the removal, so the daemon looks again after ORPHAN_GRACE_MS and frees what is
   * still held by a container that is still gone.
   */
  private checkOrphans(): void {
    if (this.orphanTimer !== undefined || orphanedCpus(this.api.machine).length === 0) return;
    this.orphanTimer = setTimeout(() => {
      this.orphanTimer = undefined;
      this.wake({ kind: 'orphans', at: Date.now() });
    }, ORPHAN_GRACE_MS);
    this.orphanTimer.unref();
  }

  private async freeOrphans(): Promise<void> {
    for (const o of orphanedCpus(this.api.machine)) {
      await releaseGone(this.api.machine, o.name);
      const list = o.cpus.join(',');
      this.decide({
        what: 'release_cpus',
        container: o.name,
        tier: o.tier,
        reason: `${o.name} was removed without lmctfy destroy: its exclusive CPU ${list} went back to the shared pool and its guarantees were freed`,
        detail: { cpus: list },
      });
    }
  }

  private scheduleRescan(): void {
    if (this.rescanQueued || this.stopped) return;
    this.rescanQueued = true;
    setImmediate(() => {
      this.rescanQueued = false;
      if (!this.stopped) this.rescan().catch((e) => this.failed(e));
    });
  }

  private async watch(name: string): Promise<void> {
    const m = this.api.machine;
    const w: Watched = { close: () => {} };
    // mkdir and rmdir of a child raise a 'rename' on the parent's dir; control-file writes ('change') do not matter here.
    const dirWatch = fsWatchDir(m.trackingDir(name), (kind) => {
      if (kind === 'rename') this.scheduleRescan();
    });
    this.watched.set(name, w);
    const fig = memoryFigures(m, name);
    if (fig !== undefined) {
      this.oomKills.set(name, fig.oomKills);
      w.oomId = this.without('OOM notifications', name, () =>
        this.hub.register(name, { oom: {} }, (ev) => {
          if (!ev.status) this.wake({ kind: 'oom', container: name, at: Date.now() });
        }),
      );
    }
    const s = this.settings;
    w.psiId = await this.trigger(name, 'memory', s.stallUs, 'stall');
    // A latency-sensitive container sharing CPUs with NORMAL ones: its CPU stalls cap them.
    if (name !== '/' && sharesCpuAsLatencyTier(m, name)) w.cpuPsiId = await this.trigger(name, 'cpu', s.cpuStallUs, 'cpu');
    w.close = () => {
      dirWatch.close();
      if (w.cpuPsiId !== undefined) this.psi?.remove(w.cpuPsiId);
      if (w.oomId !== undefined) this.unregister(w.oomId);
      if (w.psiId !== undefined) this.psi?.remove(w.psiId);
    };
  }

  /** A PSI trigger on the container's `resource`.pressure waking the daemon with `kind`; undefined where the kernel keeps none or refuses this user. */
  private async trigger(name: string, resource: 'memory' | 'cpu', stallUs: number, kind: 'stall' | 'cpu'): Promise<number | undefined> {
    const what = resource === 'memory' ? 'PSI' : 'CPU PSI';
    const file = this.psi && this.without(what, name, () => containerPressureFile(this.api.machine, name, resource));
    if (!this.psi || file === undefined) return undefined;
    try {
      return await this.psi.add(file, stallUs, this.settings.windowUs, (e) => {
        if (e.kind === 'stall') this.wake({ kind, container: name, at: Date.now() });
      });
    } catch (e) {
      if (!(e instanceof LmctfyError) || e.code === Code.NOT_FOUND) throw e;
      this.decide({ what: 'degraded', container: name, reason: `watching ${name} without ${what}: ${e.message}` });
      return undefined;
    }
  }

  /**
   * A watch the kernel refuses this user (a delegate may not write cgroup.event_control, or
   * make a mirror in a unified dir it does not own) is done without, and said once.
   */
  private without<T>(what: string, name: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!isLmctfyError(e, Code.PERMISSION_DENIED)) throw e;
      this.decide({ what: 'degraded', container: name, reason: `watching ${name} without ${what}: ${e.message}` });
      return undefined;
    }
  }

  /**
   * Where usage is watched: lmctfy's root, and each parent (a container with subcontainers)
   * whose memory ceiling is below the root's: it runs out before the root does.
   */
  private scopes(): string[] {
    const root = this.limits('/');
    const parents = new Set<string>();
    for (const n of this.watched.keys()) {
      const up = n.slice(0, n.lastIndexOf('/'));
      if (up !== '') parents.add(up);
    }
    return ['/', ...[...parents].filter((p) => {
      const l = this.limits(p);
      return l !== undefined && (root === undefined || l.ceiling < root.ceiling);
    })];
  }

  /** The two usage thresholds of each scope (v1: eventfd on memory.usage_in_bytes), kept in line with the policy and the limits. */
  private async registerThresholds(): Promise<void> {
    const limits = new Map<string, ScopeLimits>();
    if (this.api.machine.version === 1) {
      for (const scope of this.scopes()) {
        const l = this.limits(scope);
        if (l !== undefined) limits.set(scope, l);
      }
    }
    await this.holdKillers(limits);
    const wanted = new Map([...limits].map(([scope, l]): [string, [number, number]] => [scope, [l.reclaimAt, l.evictAt]]));
    for (const [scope, t] of this.thresholds) {
      const at = wanted.get(scope);
      if (at && t.at[0] === at[0] && t.at[1] === at[1]) {
        wanted.delete(scope);
        continue;
      }
      for (const id of t.ids) this.unregister(id);
      this.thresholds.delete(scope);
    }
    for (const [scope, at] of wanted) {
      const ids = at.filter((v) => v > 0).map((usage) => this.hub.register(scope, { memory_threshold: { usage } }, (ev) => {
        if (!ev.status) this.wake({ kind: 'usage', container: scope, at: Date.now() });
      }));
      this.thresholds.set(scope, { at, ids });
      try {
        await Promise.all(ids.map((id) => this.hub.armed(id)));
      } catch (e) {
        // The helper answers a refused registration with an error, not PERMISSION_DENIED.
        if (!isLmctfyError(e)) throw e;
        this.decide({ what: 'degraded', container: scope, reason: `watching the usage of ${scope} without thresholds: ${e.message}` });
        this.thresholds.set(scope, { at, ids: [] });
      }
    }
  }

  /**
   * Holds the kernel's OOM killer off in each scope (docs/DAEMON.md "The kernel's OOM killer
   * waits"): at the scope's limit its tasks wait for the daemon to evict the lowest-ranked
   * container instead of the kernel killing by size. Only where eviction frees memory (not
   * FREEZE); a scope handed back to the kernel is taken again once below its reclaim threshold.
   */
  private async holdKillers(limits: ReadonlyMap<string, ScopeLimits>): Promise<void> {
    // Only where the scope's own limit is the one the kernel runs into: a ceiling an ancestor
    // outside lmctfy's root imposes (or the machine's memory) runs out in a cgroup not the daemon's.
    const bears = (scope: string, l: ScopeLimits) => {
      const own = ownMemoryLimit(this.api.machine, scope);
      return own !== undefined && l.kernelCeiling !== undefined && own <= l.kernelCeiling;
    };
    const want = new Map(this.settings.action === 'FREEZE' ? [] : [...limits].filter(([scope, l]) => bears(scope, l)));
    for (const [scope, id] of this.held) {
      if (want.has(scope)) continue;
      this.held.delete(scope);
      if (id !== undefined) this.unregister(id);
    }
    for (const [scope, l] of want) {
      const holding = this.held.get(scope);
      if (holding !== undefined) {
        if (oomKillerOff(this.api.machine, scope)) continue;
        // Turned on behind the daemon (the helper of a daemon killed just before this one
        // started puts back as it ends): taken again.
        this.unregister(holding);
      } else if (this.held.has(scope) && l.usage >= l.reclaimAt) {
        continue;
      }
      this.held.delete(scope);
      const id = this.without('the OOM killer held off', scope, () =>
        this.hub.holdOomKiller(scope, (ev) => {
          if (!ev.status) this.wake({ kind: 'oom', container: scope, at: Date.now() });
        }),
      );
      if (id === undefined) continue;
      try {
        await this.hub.armed(id);
      } catch (e) {
        if (!isLmctfyError(e)) throw e;
        this.decide({ what: 'degraded', container: scope, reason: `${scope} without the OOM killer held off: ${e.message}` });
        continue;
      }
      this.held.set(scope, id);
      if (this.heldAtStart) this.heldAtStart.push(scope);
      else this.decide({ what: 'oom_hold', container: scope, reason: `the kernel's OOM killer in ${scope} waits for the daemon: at the limit, tasks wait while it evicts lowest first; it is back when the daemon ends` });
    }
  }

  /** Hands a scope's OOM killer back to the kernel: nothing the daemon may evict is left there. */
  private releaseKiller(scope: string, why: string): void {
    const id = this.held.get(scope);
    if (id === undefined) return;
    this.held.set(scope, undefined);
    this.unregister(id);
    this.decide({ what: 'oom_release', container: scope, reason: `${why}: the kernel's OOM killer decides in ${scope} again, until its usage is below the reclaim threshold` });
  }

  private unregister(id: number): void {
    try {
      this.hub.unregister(id);
    } catch {
      // Ended already (the container was destroyed).
    }
  }

  /**
   * What a scope may use, and where reclaim and eviction begin; undefined when nothing bounds
   * it. The root: the smallest of the policy's capacity − reserve and the kernel's limits. A
   * parent: its own ceiling, with the policy's headrooms scaled down to a fifth and a tenth
   * of it where they would take more (100 MiB of a 300 MiB parent would evict at a third).
   */
  private limits(scope: string): ScopeLimits | undefined {
    const m = this.api.machine;
    const fig = memoryFigures(m, scope);
    if (fig === undefined) return undefined;
    const bounds = [fig.ceiling, scope === '/' ? allocatableMemory(m) : undefined].filter((v): v is number => v !== undefined);
    if (bounds.length === 0) return undefined;
    const ceiling = Math.min(...bounds);
    const s = this.settings;
    const reclaimHeadroom = scope === '/' ? s.reclaimHeadroom : Math.min(s.reclaimHeadroom, Math.floor(ceiling / 5));
    const evictHeadroom = scope === '/' ? s.evictHeadroom : Math.min(s.evictHeadroom, Math.floor(ceiling / 10));
    return { ceiling, kernelCeiling: fig.ceiling, reclaimAt: ceiling - reclaimHeadroom, evictAt: ceiling - evictHeadroom, usage: fig.usage, reclaimHeadroom, evictHeadroom };
  }

  // ---- deciding ----

  private wake(t: Trigger): void {
    if (this.stopped) return;
    this.queue.push(t);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const batch = this.queue.splice(0);
      try {
        await this.evaluate(batch);
      } catch (e) {
        this.failed(e);
      }
    }
  }

  private failed(e: unknown): void {
    if (this.stopped) return;
    const reason = e instanceof Error ? e.message : String(e);
    this.decide({ what: 'error', container: '', reason, code: isLmctfyError(e) ? e.code : Code.INTERNAL });
  }

  private async evaluate(batch: Trigger[]): Promise<void> {
    const first = (k: Trigger['kind']) => batch.find((t) => t.kind === k)?.at;
    const oomAt = first('oom');
    if (oomAt !== undefined) await this.afterOom(oomAt);
    // A start or an OOM kill looks at every scope; a threshold at its own.
    const everywhere = first('start') ?? first('oom');
    const usage = new Map<string, number>();
    if (everywhere !== undefined) for (const scope of this.scopes()) usage.set(scope, everywhere);
    for (const t of batch) if (t.kind === 'usage' && !usage.has(t.container)) usage.set(t.container, t.at);
    for (const [scope, at] of usage) await this.onUsage(scope, at);
    for (const t of batch) if (t.kind === 'stall') await this.onStall(t.container, t.at);
    if (batch.some((t) => t.kind === 'orphans')) await this.freeOrphans();
    const cpu = batch.find((t) => t.kind === 'cpu');
    if (cpu?.kind === 'cpu') this.onCpuStall(cpu.container);
    else if (batch.some((t) => t.kind === 'release')) {
      const why = `no latency-sensitive container waited for CPU for ${this.settings.cpuReleaseMs} ms`;
      this.releaseCaps(this.caps, why);
      this.releaseSlices(why);
    }
  }

  /**
   * A latency-sensitive container waited for CPU: give its tasks the short slice (slices.ts),
   * cap the busy NORMAL containers to their share of what the latency tiers leave
   * (cpu-caps.ts), and hold both until no such stall has come for cpu_release_ms.
   */
  private onCpuStall(container: string): void {
    const plan = cpuMembers(this.api.machine);
    const felt = plan?.members.find((c) => c.name === container);
    if (plan === undefined || felt === undefined || !latencySensitive(felt.tier) || felt.exclusive) return;
    const s = this.settings;
    const why = `${container} (${felt.tier}) waited for CPU ${s.cpuStallUs / 1000} ms within ${s.windowUs / 1000} ms`;
    this.sliceTasks(container, felt.tier, why);
    const { caps, left } = cpuCapPlan(plan.members, plan.shared);
    for (const c of caps) {
      if (this.caps.has(c.name)) continue;
      const before = cpuCap(this.api.machine, c.name)?.maxLimit;
      setCpuCap(this.api.machine, c.name, c.cap);
      this.caps.set(c.name, before === undefined ? { cap: c.cap } : { cap: c.cap, before });
      this.decide({
        what: 'cpu_cap',
        container: c.name,
        tier: 'NORMAL',
        reason: `${why}: capped to ${cpus(c.cap)} CPUs, its share of the ${cpus(left)} CPUs the latency tiers leave (guaranteed ${cpus(c.guarantee)}; was ${before === undefined ? 'unlimited' : cpus(before)})`,
        detail: { trigger: container, cap: c.cap, guarantee: c.guarantee, ...(before === undefined ? {} : { before }) },
      });
    }
    this.holdUntilQuiet();
  }

  /** (Re)arms the release of the caps and slices held, cpu_release_ms from now. */
  private holdUntilQuiet(): void {
    if (this.caps.size === 0 && this.sliced.size === 0) return;
    const s = this.settings;
    clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => this.wake({ kind: 'release', at: Date.now() }), s.cpuReleaseMs);
    // The caps hold the process no more than the watches do: stopping it releases them.
    this.releaseTimer.unref();
  }

  /**
   * Gives the short slice to the tasks of `container` (and its subcontainers) that lack it,
   * one `cpu_slice` decision when any did. Tasks that joined since an earlier stall are
   * caught at the next one.
   */
  private sliceTasks(container: string, tier: Tier, why: string): void {
    if (this.slices === undefined) return;
    const seen = this.sliced.get(container) ?? new Set<number>();
    const pids = this.tasksOf(container)?.filter((p) => !seen.has(p));
    if (pids === undefined || pids.length === 0) return;
    const now = this.slices.get(pids);
    // 0: a policy without a slice (SCHED_IDLE, real-time), which this would not change.
    const lacking = pids.filter((p) => (now.get(p) ?? 0) > 0 && now.get(p) !== LATENCY_SLICE_US);
    for (const p of pids) seen.add(p);
    this.sliced.set(container, seen);
    if (lacking.length === 0) return;
    const r = this.slices.set(LATENCY_SLICE_US, lacking);
    const refused = r.refused.length === 0 ? '' : `; the kernel refused ${r.refused.map((x) => `${x.pid} (errno ${x.errno})`).join(', ')}`;
    this.decide({
      what: 'cpu_slice',
      container,
      tier,
      reason: `${why}: gave ${r.threads} threads of its ${lacking.length} tasks the shortest scheduler slice (${LATENCY_SLICE_US} µs), so they preempt batch at wake-up${refused}`,
      detail: { trigger: container, slice_us: LATENCY_SLICE_US, tasks: lacking.length, threads: r.threads, refused: r.refused.length },
    });
  }

  /** The tasks of a container and its subcontainers; undefined once it is gone. */
  private tasksOf(name: string): number[] | undefined {
    try {
      return this.api.get(name).listProcesses({ recursive: true });
    } catch (e) {
      if (isLmctfyError(e, Code.NOT_FOUND)) return undefined;
      throw e;
    }
  }

  /** Gives back the kernel's default slice to the tasks still on ours; a slice someone changed since is theirs. */
  private releaseSlices(why: string): void {
    if (this.slices === undefined) return;
    for (const name of [...this.sliced.keys()]) {
      this.sliced.delete(name);
      const pids = this.tasksOf(name);
      if (pids === undefined) continue;
      const now = this.slices.get(pids);
      const ours = pids.filter((p) => now.get(p) === LATENCY_SLICE_US);
      const r = this.slices.set(0, ours);
      this.decide({
        what: 'cpu_slice_release',
        container: name,
        tier: rankOf(this.api.machine, name).tier,
        reason: `${why}: gave ${ours.length} tasks the kernel's default slice back`,
        detail: { tasks: ours.length, threads: r.threads },
      });
    }
  }

  /**
   * At start: tasks of latency-sensitive containers already on the short slice were given it
   * by a daemon that ended without releasing it (killed mid-pressure). They keep it, held as
   * if this daemon had placed it, and lose it once no latency tier has waited for
   * cpu_release_ms — the kernel is the record, no file.
   */
  private adoptSlices(): void {
    if (this.slices === undefined) return;
    for (const name of this.watched.keys()) {
      if (name === '/' || !sharesCpuAsLatencyTier(this.api.machine, name)) continue;
      const pids = this.tasksOf(name) ?? [];
      const now = this.slices.get(pids);
      const found = pids.filter((p) => now.get(p) === LATENCY_SLICE_US).length;
      if (found === 0) continue;
      this.sliced.set(name, new Set(pids));
      this.decide({
        what: 'cpu_slice',
        container: name,
        tier: rankOf(this.api.machine, name).tier,
        reason: `found ${found} tasks on the short slice a daemon before this one gave them: kept until no latency-sensitive container has waited for CPU for ${this.settings.cpuReleaseMs} ms`,
        detail: { slice_us: LATENCY_SLICE_US, tasks: found, adopted: true },
      });
    }
    this.holdUntilQuiet();
  }

  /** Puts back what each cap replaced, unless someone changed the quota since (then it is theirs). */
  private releaseCaps(caps: ReadonlyMap<string, HeldCap>, why: string): void {
    for (const [name, held] of [...caps]) {
      this.caps.delete(name);
      let now: number | undefined;
      try {
        now = cpuCap(this.api.machine, name)?.maxLimit;
      } catch (e) {
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
        continue;
      }
      const ours = now === held.cap;
      if (ours) setCpuCap(this.api.machine, name, held.before);
      const back = held.before === undefined ? 'unlimited' : `${cpus(held.before)} CPUs`;
      this.decide({
        what: 'cpu_release',
        container: name,
        tier: 'NORMAL',
        reason: ours ? `${why}: back to ${back}` : `${why}: left at ${now === undefined ? 'unlimited' : `${cpus(now)} CPUs`}, changed since the cap of ${cpus(held.cap)}`,
        detail: { cap: held.cap, ...(held.before === undefined ? {} : { before: held.before }), restored: ours },
      });
    }
  }

  /** Every container with tasks that is not frozen, with what it ranks by. */
  private candidates(): Candidate[] {
    const m = this.api.machine;
    const out: Candidate[] = [];
    for (const name of this.api.get('/').listSubcontainers({ recursive: true })) {
      try {
        const c = this.api.get(name);
        if (c.listProcesses({ recursive: true }).length === 0 || c.state() === 'FROZEN') continue;
        const fig = memoryFigures(m, name);
        const rank = rankOf(m, name);
        this.fixOomScore(name, rank.tier);
        out.push({ name, ...rank, usage: fig?.usage ?? 0, reservation: fig?.reservation ?? 0 });
      } catch (e) {
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
    return out;
  }

  /**
   * Puts the policy's oom_score_adj back on the container's tasks that raised their own
   * (stress-ng makes its workers 1000): the kernel, if it kills before the daemon evicts,
   * then takes the lower tier. Done at start and before every pressure decision.
   */
  private fixOomScore(name: string, tier: Tier): void {
    const fixed = enforceOomScore(this.api.machine, name);
    if (fixed > 0) this.decide({ what: 'oom_score', container: name, tier, reason: `put the policy's oom_score_adj back on ${fixed} tasks that had changed it`, detail: { tasks: fixed } });
  }

  /** Memory of the scope's frozen children: it cannot grow, so it does not count towards what must be freed. */
  private frozenUsage(scope: string): number {
    let sum = 0;
    for (const name of this.api.get(scope).listSubcontainers({ recursive: false })) {
      try {
        if (this.api.get(name).state() === 'FROZEN') sum += memoryFigures(this.api.machine, name)?.usage ?? 0;
      } catch (e) {
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
    return sum;
  }

  /**
   * Usage of a scope (the root, or a parent) near its ceiling: reclaim from the lowest tiers
   * inside it, then evict inside it until below the eviction threshold.
   */
  private async onUsage(scope: string, at: number): Promise<void> {
    await this.registerThresholds();
    const evicted = new Set<string>();
    const inside = within(scope);
    const what = scope === '/' ? 'root memory' : `memory of ${scope}`;
    for (;;) {
      let l;
      try {
        l = this.limits(scope);
      } catch (e) {
        // A parent destroyed meanwhile: nothing left to watch there.
        if (isLmctfyError(e, Code.NOT_FOUND)) return;
        throw e;
      }
      if (l === undefined) return;
      const usage = l.usage - (this.settings.action === 'FREEZE' ? this.frozenUsage(scope) : 0);
      if (usage < l.reclaimAt) return;
      const figures = { usage, ceiling: l.ceiling, threshold: usage >= l.evictAt ? l.evictAt : l.reclaimAt };
      const cands = this.candidates().filter((c) => inside(c.name) && !evicted.has(c.name));
      if (usage < l.evictAt) {
        this.reclaim(cands, usage - l.reclaimAt, `${what} ${formatBytes(usage)} is past the reclaim threshold ${formatBytes(l.reclaimAt)} (${formatBytes(l.ceiling)} − ${formatBytes(l.reclaimHeadroom)})`, figures);
        return;
      }
      const victim = evictionOrder(cands)[0];
      const why = `${what} ${formatBytes(usage)} is past the eviction threshold ${formatBytes(l.evictAt)} (${formatBytes(l.ceiling)} − ${formatBytes(l.evictHeadroom)})`;
      if (victim === undefined) {
        this.decide({ what: 'evict', container: scope === '/' ? '' : scope, reason: `${why}; nothing left to evict`, code: Code.RESOURCE_EXHAUSTED, detail: figures });
        this.releaseKiller(scope, `nothing ranked lower is left to evict in ${scope}`);
        return;
      }
      evicted.add(victim.name);
      await this.evict(victim, why, 'usage', at, figures);
    }
  }

  /** A task was OOM-killed: on v1 the kernel killed one process, so the rest of its container is evicted too. */
  private async afterOom(at: number): Promise<void> {
    const m = this.api.machine;
    const rose: string[] = [];
    for (const name of this.watched.keys()) {
      const fig = memoryFigures(m, name);
      if (fig === undefined) continue;
      const before = this.oomKills.get(name) ?? 0;
      this.oomKills.set(name, fig.oomKills);
      if (fig.oomKills > before) rose.push(name);
    }
    // The deepest containers that counted a kill own the victims (v1 counts them locally, v2 up the tree).
    const owners = rose.filter((n) => !rose.some((o) => o !== n && o.startsWith(`${n === '/' ? '' : n}/`)));
    const cands = this.candidates();
    const scopes = this.scopes();
    for (const name of owners) {
      if (name === '/') continue;
      const { tier, eviction } = rankOf(m, name);
      // Only a container inside the innermost watched scope that holds it could have freed its memory.
      const inside = within(innermostScope(scopes, name));
      const lower = evictionOrder(cands).find((c) => c.name !== name && inside(c.name) && (c.tier !== tier ? tierRank(c.tier) < tierRank(tier) : c.eviction < eviction));
      const miss = lower ? `; ${lower.name} (${lower.tier}) ranked lower and should have gone first` : '';
      this.decide({ what: 'oom', container: name, tier, reason: `the kernel OOM-killed a task of ${name}${miss}`, detail: { oom_kills: this.oomKills.get(name) ?? 0 } });
      const victim = cands.find((c) => c.name === name);
      if (victim) await this.evict(victim, 'the kernel OOM-killed one of its tasks (cgroup v1 has no memory.oom.group: the rest of the container goes too)', 'oom', at, {});
    }
  }

  /** A PSI trigger fired: reclaim from the lowest tier below the one stalling; a stall that persists past the cool-down evicts the lowest. */
  private async onStall(container: string, at: number): Promise<void> {
    if (container !== '' && !this.watched.has(container)) return;
    const s = this.settings;
    // The machine's and the root's triggers also fire for a container thrashing under a limit
    // of its own or a parent's, which its own trigger answers inside its scope: they act only
    // when the machine, or the root, is itself short of memory.
    const whole = container === '' || container === '/';
    if (whole) {
      const available = readMeminfo(this.api.machine.io).availableBytes;
      const machineShort = available === undefined || available < s.reclaimHeadroom;
      const root = container === '/' ? this.limits('/') : undefined;
      if (!machineShort && !(root !== undefined && root.usage >= root.reclaimAt)) return;
    }
    const felt: Tier | undefined = whole ? undefined : rankOf(this.api.machine, container).tier;
    const inside = container === '' ? () => true : within(innermostScope(this.scopes(), container));
    const cands = eligible(this.candidates(), felt).filter((c) => c.name !== container && inside(c.name));
    const where = container === '' ? 'the machine' : container;
    const why = `memory stalled ${s.stallUs / 1000} ms within ${s.windowUs / 1000} ms in ${where}${felt ? ` (${felt})` : ''}`;
    const persisted = at - this.lastStall <= 2 * (s.windowUs / 1000);
    this.lastStall = at;
    const pool = lowestReclaimable(cands);
    const freed = this.reclaim(pool, pool.reduce((n, c) => n + aboveReservation(c), 0), why, {});
    if (freed > 0 || !persisted || at - this.lastStallEviction < s.cooldownMs) return;
    const victim = evictionOrder(cands)[0];
    if (victim === undefined) return;
    this.lastStallEviction = at;
    await this.evict(victim, `${why}, again within two windows after reclaim`, 'stall', at, {});
  }

  /** Asks the kernel to reclaim `need` bytes from the candidates above their reservation, lowest first; returns the bytes freed. */
  private reclaim(cands: Candidate[], need: number, why: string, figures: Record<string, number>): number {
    let total = 0;
    for (const [c, bytes] of reclaimPlan(cands, need)) {
      const freed = reclaimMemory(this.api.machine, c.name, bytes);
      total += freed;
      this.decide({
        what: 'reclaim',
        container: c.name,
        tier: c.tier,
        reason: `${why}: asked ${formatBytes(bytes)} of its ${formatBytes(aboveReservation(c))} above reservation, ${formatBytes(freed)} freed`,
        detail: { ...figures, asked: bytes, freed },
      });
    }
    return total;
  }

  private async evict(victim: Candidate, why: string, trigger: 'usage' | 'stall' | 'oom', at: number, figures: Record<string, number>): Promise<void> {
    const action = this.settings.action;
    const c = this.api.get(victim.name);
    const tasks = c.listProcesses({ recursive: true }).length;
    const started = Date.now();
    let code = 0;
    let failure = '';
    try {
      if (action === 'FREEZE') await c.pause();
      else if (action === 'DESTROY') await this.api.destroy(victim.name, { force: true });
      else await killSubtree(this.api.machine, victim.name);
    } catch (e) {
      if (!isLmctfyError(e)) throw e;
      code = e.code;
      failure = `; ${e.message}`;
    }
    const after = action === 'DESTROY' ? undefined : memoryFigures(this.api.machine, victim.name)?.usage;
    const done = Date.now();
    const verb = { KILL_TASKS: 'killed its', FREEZE: 'froze its', DESTROY: 'destroyed it with its' }[action];
    this.decide({
      what: 'evict',
      container: victim.name,
      tier: victim.tier,
      code,
      reason: `${why}: ${verb} ${tasks} tasks (${victim.tier}, eviction_priority ${victim.eviction}, ${formatBytes(aboveReservation(victim))} above reservation)${failure}`,
      detail: {
        ...figures,
        trigger,
        action,
        eviction_priority: victim.eviction,
        usage_before: victim.usage,
        ...(after !== undefined ? { usage_after: after } : {}),
        tasks,
        // From the kernel's notification to the action done, and the part the action took.
        latency_ms: done - at,
        action_ms: done - started,
      },
    });
  }

  private decide(r: Omit<JournalRecord, 'time' | 'kind'>): void {
    const record: JournalRecord = { time: Date.now(), kind: 'decision', ...r };
    appendJournal(this.scope, record);
    this.opts.onDecision?.(record);
  }
}

/** The innermost of the scopes ('/' and parents with ceilings of their own) that holds `name` below it. */
function innermostScope(scopes: readonly string[], name: string): string {
  return scopes.filter((s) => within(s)(name)).reduce((a, b) => (b.length > a.length ? b : a), '/');
}

/** Whether a container lies below `scope` (the root holds every one). */
function within(scope: string): (name: string) => boolean {
  return (n) => n !== scope && isWithin(n, scope);
}

function settingsDetail(s: PressureSettings): Record<string, number | string> {
  return { evict_headroom: s.evictHeadroom, reclaim_headroom: s.reclaimHeadroom, stall_us: s.stallUs, window_us: s.windowUs, action: s.action, cooldown_ms: s.cooldownMs, cpu_stall_us: s.cpuStallUs, cpu_release_ms: s.cpuReleaseMs };
}

/** Milli-CPUs as CPUs, as a person reads them. */
function cpus(milli: number): string {
  return String(milli / 1000);
}

/** The caps a journal shows placed and not released (the last cpu_cap of a container after its last cpu_release). */
export function capsLeftIn(records: readonly JournalRecord[]): Map<string, HeldCap> {
  const out = new Map<string, HeldCap>();
  for (const r of records) {
    if (r.kind !== 'decision') continue;
    if (r.what === 'cpu_release') out.delete(r.container);
    const cap = r.detail?.cap;
    const before = r.detail?.before;
    if (r.what !== 'cpu_cap' || typeof cap !== 'number') continue;
    out.set(r.container, typeof before === 'number' ? { cap, before } : { cap });
  }
  return out;
}
