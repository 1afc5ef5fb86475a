import { ContainerApi, type ApiOptions } from '../container-api.js';
import { unlessNotFound } from '../errors.js';
import { CachingIo } from '../kernel/cached-io.js';
import { AbsentInterfaces } from './absent-interfaces.js';
import { realIo, type KernelIo } from '../kernel/io.js';
import type { Machine } from '../kernel/machine.js';
import { listTasks } from '../tree.js';
import { PassVirtualHosts } from './network.js';
import { readContainer } from './reading.js';
import { checkKids, isStill } from './still.js';
import { SampledTree, type Member, type TreeEntry } from './tree.js';
import type { WatchDir } from './tree-watch.js';
import type { ContainerReading, StatsSource, StatsType } from './types.js';
import { TreeEvents } from './watch.js';

/**
 * With watching, each container is re-validated (identity, children, settings, freezer
 * state) every this many passes, staggered: what an event missed shows within this many.
 */
export const VALIDATE_EVERY = 30;

export interface SourceOptions {
  /**
   * Learn of new, removed and reconfigured containers from inotify between passes (see
   * TreeWatch) instead of statting every container and re-reading settings on a schedule.
   * For samplers that let the event loop run between passes (the console, headless top).
   */
  watch?: boolean | WatchDir;
  /** Passes between a container's re-validations while watching (default VALIDATE_EVERY). */
  validateEvery?: number;
  /** Most inotify watches to hold (default: watchBudget of fs.inotify.max_user_watches). */
  watchBudget?: number;
}

/** Where the engine's sampling face opens lmctfy: ApiOptions without the reading stack, which it builds. */
export interface SamplingOptions extends Omit<ApiOptions, 'io'>, SourceOptions {
  /** What reads the kernel underneath (default realIo). */
  io?: KernelIo;
  /** Keep cgroup files open between passes (default true; see CachingIo). */
  keepOpen?: boolean;
  /**
   * Passes a kept-open file may go unread before it is closed. Default: while watching, twice
   * the re-validation period, since a still or carried container is read only at its
   * re-validation and would otherwise close and reopen its files each time; without a watch,
   * CachingIo's 10.
   */
  idlePasses?: number;
}

/** The engine's source: it also resolves the names samplers are given. */
export interface SamplingSource extends StatsSource {
  /** Absolute name of an existing container; a relative one starts at the caller's own. NOT_FOUND when it does not exist. */
  container(name: string): string;
}

/**
 * The engine's sampling face: lmctfy opened for sampling, cgroup files kept open between
 * passes (4–8× cheaper to re-read) unless `keepOpen` is false, and the interface files this
 * kernel lacks tried once, not per container and pass (AbsentInterfaces).
 */
export function openSampling(opts: SamplingOptions = {}): SamplingSource {
  const { io = realIo, keepOpen = true, root, version, ...source } = opts;
  const idlePasses = opts.idlePasses ?? (source.watch ? 2 * (source.validateEvery ?? VALIDATE_EVERY) : undefined);
  const cache = keepOpen ? new CachingIo(io, { idlePasses }) : undefined;
  return new EngineSource(ContainerApi.open({ root, version, io: new AbsentInterfaces(cache ?? io) }), source, cache);
}

/** A source over an already opened engine, reading through its KernelIo. */
export function engineStatsSource(api: ContainerApi, opts: SourceOptions = {}): SamplingSource {
  return new EngineSource(api, opts);
}

/**
 * The sampler's view of the live engine: read-only walks and counters. The tree (tree.ts)
 * learns which hierarchies a container has once per cgroup; readings (reading.ts) re-read
 * settings on a slower schedule than counters; with `watch`, events (watch.ts) say what
 * changed, and a steady pass reads only counters.
 */
class EngineSource implements SamplingSource {
  private readonly m: Machine;
  private pass = 0;
  private readonly tree: SampledTree;
  private events: TreeEvents | undefined;
  /** The root the watched tree hangs from. */
  private walkedRoot: string | undefined;
  private readonly validateEvery: number;
  private readonly vhosts: PassVirtualHosts;

  constructor(
    private readonly api: ContainerApi,
    private readonly opts: SourceOptions,
    /** The kept-open files under the engine's io, owned by this source. */
    private readonly cache?: CachingIo,
  ) {
    this.m = api.machine;
    this.validateEvery = opts.validateEvery ?? VALIDATE_EVERY;
    this.vhosts = new PassVirtualHosts(this.m.trackingDir('/'));
    this.tree = new SampledTree(this.m, {
      added: (name, k) => this.events?.add(name, k.controllers),
      dropped: (name, k) => {
        this.events?.remove(name);
        // Its kept-open files close at the end of the pass.
        this.cache?.forgetDirs([...k.controllers].flatMap((c) => this.m.dirOf(name, c) ?? []));
      },
      watching: () => this.watching(),
    });
  }

  private watching(): boolean {
    return this.events?.active ?? false;
  }

  walk(root: string): TreeEntry[] {
    this.pass++;
    this.vhosts.startPass();
    if (this.opts.watch && !this.events) {
      this.events = new TreeEvents(this.m, typeof this.opts.watch === 'function' ? this.opts.watch : undefined, this.opts.watchBudget);
    }
    return this.watching() ? this.watchWalk(root) : this.tree.walkAll(root);
  }

  /** Applies the events since the last pass, then the re-validations due; the first pass, a new root and a vanished one walk in full. */
  private watchWalk(root: string): TreeEntry[] {
    const structure = this.events!.take();
    if (root !== this.walkedRoot) {
      this.events!.watchAbove(root);
      this.walkedRoot = root;
      return this.tree.walkAll(root);
    }
    if (!this.tree.has(root)) return this.tree.walkAll(root);
    for (const name of structure) this.tree.relist(name);
    // In the walk, so that what a re-validation finds is in this very pass.
    const due: string[] = [];
    for (const [name, k] of this.tree.members()) if (this.validating(k)) due.push(name);
    for (const name of due) this.tree.revalidate(name);
    return this.tree.has(root) ? this.tree.entries(root) : [];
  }

  private validating(k: Member): boolean {
    return this.watching() && (this.pass + k.id) % this.validateEvery === 0;
  }

  read(name: string, type: StatsType): ContainerReading | undefined {
    const k = this.tree.member(name);
    if (!k) return undefined;
    const watching = this.watching();
    const reading = unlessNotFound(() =>
      readContainer(name, k, {
        number: this.pass,
        type,
        heard: watching ? this.events : undefined,
        validating: this.validating(k),
        exists: this.exists,
      }),
    );
    const vhost = reading && this.vhosts.read(name, k.reading);
    if (vhost) {
      reading.virtualHost = vhost.info;
      if (vhost.network) reading.stats.network = vhost.network;
    }
    return reading;
  }

  still(name: string): boolean {
    const k = this.tree.member(name);
    if (!k || !this.watching()) return false;
    const p = k.parent?.reading;
    const r = k.reading;
    const read = r.sumReadPass === this.pass ? r.sumRead : undefined;
    const proven = p !== undefined && (p.cpuStillPass === this.pass || (p.sumPass === this.pass && read === undefined));
    const before = r.visitedPass === this.pass - 1 ? r.cpuUsage : undefined;
    const still = isStill(name, k, { number: this.pass, heard: this.events!, validating: this.validating(k), proven, read });
    if (k.kids.length > 0 && k.handle.resources.cpuUsageSums) checkKids(k, before, this.pass, this.kid);
    return still;
  }

  quiet(name: string): boolean {
    const k = this.tree.member(name);
    if (!k || !this.watching() || this.validating(k)) return false;
    const heard = this.events!;
    return !heard.joined(name) && !heard.settingsWritten(name) && !heard.freezerWritten(name);
  }

  private readonly kid = (name: string) => this.tree.member(name);

  private readonly exists = (name: string) => this.m.io.exists(this.m.trackingDir(name));

  container(name: string): string {
    return this.api.get(name).name;
  }

  pids(name: string): number[] {
    return listTasks(this.m, name, 'pids', false);
  }

  threads(name: string): number[] {
    return listTasks(this.m, name, 'tids', false);
  }

  endPass(): void {
    this.cache?.endPass();
  }

  close(): void {
    this.events?.close();
    this.cache?.close();
  }
}
