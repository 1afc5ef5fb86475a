import { unlessNotFound } from '../errors.js';
import { handleWith, presentControllers } from '../handle.js';
import type { V1Controller } from '../kernel/layout.js';
import type { Machine } from '../kernel/machine.js';
import { joinName, parentName } from '../names.js';
import type { CgroupHandle } from '../resources/types.js';
import type { ReadingState } from './reading.js';

/** A container as the sampled tree knows it, for as long as its cgroup lives. */
export interface Member {
  /** Identity: the inode of its tracking directory. A new inode is a new container. */
  id: number;
  /** The hierarchies it has a directory in, learned once. */
  controllers: Set<V1Controller>;
  /** Made once per cgroup: its dirs do not move while it lives. */
  handle: CgroupHandle;
  /** Children's names, sorted. */
  kids: string[];
  /**
   * Its parent as the tree knew it when it was visited (undefined for the walk's root). A
   * parent made again drops its children with it, so a member's parent is never a stale one.
   */
  parent: Member | undefined;
  /** What its readings carry from pass to pass (reading.ts). */
  reading: ReadingState;
}

/** What the tree tells its owner: a container it starts or stops knowing. */
export interface TreeHooks {
  added(name: string, member: Member): void;
  dropped(name: string, member: Member): void;
  /** Whether children come from events: a newly known container is then listed whatever its link count. */
  watching(): boolean;
}

export type TreeEntry = { name: string; id: number };

/**
 * The walk and the identity of each container: which containers hang below a root, in a
 * full walk's order, each with the cgroup id its series is keyed by. One stat per container
 * gives its identity and whether it has children: leaves, most of any tree, are never
 * listed (a cgroup dir lists dozens of control files).
 */
export class SampledTree {
  private readonly known = new Map<string, Member>();
  /** The walk's answer, until the tree changes. */
  private order: TreeEntry[] | undefined;

  constructor(
    private readonly m: Machine,
    private readonly hooks: TreeHooks,
  ) {}

  member(name: string): Member | undefined {
    return this.known.get(name);
  }

  has(name: string): boolean {
    return this.known.has(name);
  }

  /** Every known container, for schedules that pick some of them each pass. */
  members(): IterableIterator<[string, Member]> {
    return this.known.entries();
  }

  /** Every container from the root down, statting each; whoever was not seen is forgotten. */
  walkAll(root: string): TreeEntry[] {
    const seen = new Set<string>();
    // The root's parent is not walked: it is no member.
    this.visit(root, undefined, seen);
    for (const name of [...this.known.keys()]) if (!seen.has(name)) this.drop(name);
    this.order = undefined;
    return this.entries(root);
  }

  /** The known tree from the root down, as a full walk would give it. */
  entries(root: string): TreeEntry[] {
    if (this.order) return this.order;
    const out: TreeEntry[] = [];
    const add = (name: string) => {
      const k = this.known.get(name);
      if (!k) return;
      out.push({ name, id: k.id });
      for (const kid of k.kids) add(kid);
    };
    add(root);
    return (this.order = out);
  }

  /**
   * A container whose children changed: list it again, visit who is new or was recreated,
   * forget who went. One made again under its name (the walk's root has no watched parent
   * to say so) is visited afresh.
   */
  relist(name: string): void {
    const k = this.known.get(name);
    if (!k) return;
    if (this.m.io.dirInfo(this.m.trackingDir(name))?.inode !== k.id) {
      this.drop(name);
      this.visit(name, this.known.get(parentName(name) ?? ''));
      return;
    }
    const listed = unlessNotFound(() => this.m.io.listDirs(this.m.trackingDir(name)));
    if (listed === undefined) return this.drop(name);
    const now = new Set(listed.map((c) => joinName(name, c)));
    for (const kid of k.kids) if (!now.has(kid)) this.drop(kid);
    // A child removed and made again between passes keeps its name: visit compares inodes.
    k.kids = [...now].sort().filter((n) => this.visit(n, k));
    this.order = undefined;
  }

  /**
   * A container's identity and children checked against the kernel, in case an event was
   * missed: one gone or made again is dropped and its parent listed again (the walk's root,
   * which has no known parent, is visited afresh); one whose child count moved is listed again.
   */
  revalidate(name: string): void {
    const k = this.known.get(name);
    if (!k) return;
    const info = this.m.io.dirInfo(this.m.trackingDir(name));
    if (info?.inode !== k.id) {
      const parent = parentName(name);
      this.relist(parent !== undefined && this.known.has(parent) ? parent : name);
    } else if (info.subdirs !== k.kids.length) this.relist(name);
  }

  /** Forgets a container and everything known below it. */
  drop(name: string): void {
    const k = this.known.get(name);
    if (!k) return;
    for (const kid of k.kids) this.drop(kid);
    this.known.delete(name);
    this.order = undefined;
    this.hooks.dropped(name, k);
  }

  /**
   * Stats a container: a full walk (`seen` given) lists every container with children;
   * otherwise only new ones are listed, as the children of known ones come from events.
   * False when the container is not there.
   */
  private visit(name: string, parent: Member | undefined, seen?: Set<string>): boolean {
    const info = this.m.io.dirInfo(this.m.trackingDir(name));
    if (info === undefined) {
      this.drop(name);
      return false;
    }
    let k = this.known.get(name);
    // A container first seen while watching is listed whatever its link count: a child
    // made between the stat and the new watch raised no event anyone heard.
    let listAnyway = false;
    if (k === undefined || k.id !== info.inode) {
      if (k) this.drop(name);
      const controllers = presentControllers(this.m, name);
      k = { id: info.inode, controllers, handle: handleWith(this.m, name, controllers), kids: [], parent, reading: {} };
      this.known.set(name, k);
      this.hooks.added(name, k);
      listAnyway = this.hooks.watching();
      this.order = undefined;
    } else if (!seen) return true;
    // A full walk from a new root above it: the parent may be newly known.
    k.parent = parent;
    seen?.add(name);
    const kids = info.subdirs === 0 && !listAnyway ? [] : (unlessNotFound(() => this.m.io.listDirs(this.m.trackingDir(name))) ?? []);
    const names = kids.sort().map((c) => joinName(name, c));
    if (names.length !== k.kids.length || names.some((n, i) => n !== k.kids[i])) this.order = undefined;
    const self = k;
    k.kids = names.filter((n) => this.visit(n, self, seen));
    return true;
  }
}
