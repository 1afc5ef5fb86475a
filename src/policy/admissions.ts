import { tierLimit } from './budget.js';
import { RESOURCES, TIERS, type Budget, type Ledger, type LedgerEntry, type ResourceName, type Tier } from './types.js';

/**
 * The admitted ledger with its sums kept up to date, so admitting one container costs a
 * walk up its ancestors, not over the tree (docs/POLICY.md "Speed").
 *
 * Scopes: a container's guarantee of a resource comes out of its nearest ancestor that
 * guarantees that resource (its "owner"), or, when none does, out of the machine. The
 * machine's scope is split by tier: the view of tier u counts the guarantees of u and of
 * every tier above it, and may hold allocatable × (100 + overcommit of u) / 100. So with no
 * overcommit nothing is ever promised twice; a lower tier given overcommit may be admitted
 * past the machine while the tiers above it still fit.
 */

/** The machine's scope, as an owner name. */
export const MACHINE = '/';

export interface Refusal {
  resource: ResourceName;
  /** The container's guarantee, as asked. */
  asked: number;
  /** What the scope had left for it (its own current guarantee counted as free). */
  left: number;
  /** What the scope may hold in all. */
  limit: number;
  /** The machine's view of this tier, or the ancestor whose guarantee it comes out of; `own` is a shrink below the subcontainers' guarantees. */
  scope: { kind: 'machine'; tier: Tier } | { kind: 'parent'; name: string } | { kind: 'own' };
  /** The other containers holding the scope, largest first. */
  holders: Array<{ name: string; amount: number }>;
}

const tierIndex = (t: Tier): number => TIERS.indexOf(t);

function parentOf(name: string): string | undefined {
  if (name === MACHINE) return undefined;
  const i = name.lastIndexOf('/');
  return i === 0 ? MACHINE : name.slice(0, i);
}

type Sums = Map<string, number[]>;

export class Admissions {
  readonly entries: Ledger = new Map();
  private readonly kids = new Map<string, Set<string>>();
  private readonly sums: Record<ResourceName, Sums> = { cpu: new Map(), memory: new Map() };

  constructor(public budget: Budget) {}

  static of(budget: Budget, ledger: Iterable<[string, LedgerEntry]>): Admissions {
    const a = new Admissions(budget);
    for (const [name, e] of ledger) a.index(name, e);
    a.resum();
    return a;
  }

  /** The nearest strict ancestor guaranteeing `r`, or MACHINE. */
  ownerOf(name: string, r: ResourceName): string {
    for (let p = parentOf(name); p !== undefined && p !== MACHINE; p = parentOf(p)) {
      const e = this.entries.get(p);
      if (e !== undefined && e[r] > 0) return p;
    }
    return MACHINE;
  }

  /** Records `entry` for `name` (admitted or forced). */
  set(name: string, entry: LedgerEntry): void {
    const old = this.entries.get(name);
    if (old !== undefined && this.kids.get(name)?.size && toggles(old, entry)) {
      // Its subcontainers change owner: recount everything (rare: an update of a parent).
      this.entries.set(name, entry);
      this.resum();
      return;
    }
    for (const r of RESOURCES) {
      const owner = this.ownerOf(name, r);
      if (old !== undefined && old[r] > 0) this.add(r, owner, old.tier, -old[r]);
      if (entry[r] > 0) this.add(r, owner, entry.tier, entry[r]);
    }
    this.index(name, entry);
  }

  /** Forgets `name` and everything recorded below it (a destroy frees the subtree). */
  remove(name: string): void {
    for (const child of [...(this.kids.get(name) ?? [])]) this.remove(child);
    const old = this.entries.get(name);
    if (old === undefined) return;
    for (const r of RESOURCES) if (old[r] > 0) this.add(r, this.ownerOf(name, r), old.tier, -old[r]);
    this.entries.delete(name);
    this.kids.delete(name);
    const parent = parentOf(name);
    if (parent !== undefined) this.kids.get(parent)?.delete(name);
  }

  /** Why `entry` cannot be recorded for `name`, or undefined when it fits. Growing past a limit is refused; shrinking never is, except below what the subcontainers hold. */
  check(name: string, entry: LedgerEntry): Refusal | undefined {
    const old = this.entries.get(name);
    if (old !== undefined && this.kids.get(name)?.size && toggles(old, entry)) return this.checkByRecount(name, entry);
    for (const r of RESOURCES) {
      const was = old?.[r] ?? 0;
      const asked = entry[r];
      if (asked < was && asked > 0) {
        const held = this.held(r, name);
        if (held > asked) return { resource: r, asked, left: 0, limit: asked, scope: { kind: 'own' }, holders: this.holders(r, name, name) };
      }
      const delta = asked - (old !== undefined && old.tier !== entry.tier ? 0 : was);
      if (delta <= 0) continue;
      const owner = this.ownerOf(name, r);
      if (owner === MACHINE) {
        for (let u = tierIndex(entry.tier); u < TIERS.length; u++) {
          const tier = TIERS[u]!;
          const limit = tierLimit(this.budget, tier, r);
          const view = this.view(r, u);
          if (view + delta > limit) {
            const mine = old !== undefined && tierIndex(old.tier) <= u ? was : 0;
            return { resource: r, asked, left: Math.max(0, limit - (view - mine)), limit, scope: { kind: 'machine', tier }, holders: this.holders(r, MACHINE, name, u) };
          }
        }
      } else {
        const limit = this.entries.get(owner)![r];
        const held = this.held(r, owner);
        if (held + delta > limit) {
          return { resource: r, asked, left: Math.max(0, limit - (held - was)), limit, scope: { kind: 'parent', name: owner }, holders: this.holders(r, owner, name) };
        }
      }
    }
    return undefined;
  }

  /** Every scope over its limit under the current budget (a new policy refused unless forced). */
  overLimits(): Refusal[] {
    const out: Refusal[] = [];
    for (const r of RESOURCES) {
      for (let u = 0; u < TIERS.length; u++) {
        const limit = tierLimit(this.budget, TIERS[u]!, r);
        const view = this.view(r, u);
        if (view > limit) out.push({ resource: r, asked: view, left: 0, limit, scope: { kind: 'machine', tier: TIERS[u]! }, holders: this.holders(r, MACHINE, undefined, u) });
      }
      for (const [owner, perTier] of this.sums[r]) {
        if (owner === MACHINE) continue;
        const limit = this.entries.get(owner)?.[r] ?? 0;
        const held = perTier.reduce((a, b) => a + b, 0);
        if (held > limit) out.push({ resource: r, asked: held, left: 0, limit, scope: { kind: 'parent', name: owner }, holders: this.holders(r, owner) });
      }
    }
    return out;
  }

  /** What the machine's scope holds per tier (only that tier's guarantees), for `policy show` and the exporters. */
  admitted(r: ResourceName): Record<Tier, number> {
    const perTier = this.sums[r].get(MACHINE) ?? [];
    return Object.fromEntries(TIERS.map((t, i) => [t, perTier[i] ?? 0])) as Record<Tier, number>;
  }

  /** What a container of `tier` could still be guaranteed at the machine's scope. */
  headroom(r: ResourceName, tier: Tier): number {
    let left = Infinity;
    for (let u = tierIndex(tier); u < TIERS.length; u++) left = Math.min(left, tierLimit(this.budget, TIERS[u]!, r) - this.view(r, u));
    return Math.max(0, left);
  }

  private checkByRecount(name: string, entry: LedgerEntry): Refusal | undefined {
    const before = keyed(this.overLimits());
    const after = Admissions.of(this.budget, this.entries);
    after.set(name, entry);
    return after.overLimits().find((o) => {
      const b = before.get(scopeKey(o));
      return b === undefined || o.asked > b;
    });
  }

  /** Guarantees of tier index ≤ u at the machine's scope. */
  private view(r: ResourceName, u: number): number {
    const perTier = this.sums[r].get(MACHINE);
    if (perTier === undefined) return 0;
    let s = 0;
    for (let i = 0; i <= u; i++) s += perTier[i] ?? 0;
    return s;
  }

  private held(r: ResourceName, owner: string): number {
    return (this.sums[r].get(owner) ?? []).reduce((a, b) => a + b, 0);
  }

  /** Containers holding `owner`'s scope of `r` (at the machine: of tiers up to index u), largest first; only on a refusal, so a walk is fine. */
  private holders(r: ResourceName, owner: string, except?: string, u = TIERS.length - 1): Refusal['holders'] {
    const out: Refusal['holders'] = [];
    for (const [name, e] of this.entries) {
      if (name === except || e[r] <= 0 || tierIndex(e.tier) > u) continue;
      if (this.ownerOf(name, r) === owner) out.push({ name, amount: e[r] });
    }
    return out.sort((a, b) => b.amount - a.amount || (a.name < b.name ? -1 : 1));
  }

  private add(r: ResourceName, owner: string, tier: Tier, amount: number): void {
    let perTier = this.sums[r].get(owner);
    if (perTier === undefined) this.sums[r].set(owner, (perTier = [0, 0, 0, 0]));
    perTier[tierIndex(tier)]! += amount;
  }

  private index(name: string, entry: LedgerEntry): void {
    if (!this.entries.has(name)) {
      const parent = parentOf(name);
      if (parent !== undefined) {
        let set = this.kids.get(parent);
        if (set === undefined) this.kids.set(parent, (set = new Set()));
        set.add(name);
      }
    }
    this.entries.set(name, entry);
  }

  private resum(): void {
    for (const r of RESOURCES) {
      this.sums[r].clear();
      for (const [name, e] of this.entries) if (e[r] > 0) this.add(r, this.ownerOf(name, r), e.tier, e[r]);
    }
  }
}

function toggles(a: LedgerEntry, b: LedgerEntry): boolean {
  return RESOURCES.some((r) => a[r] > 0 !== b[r] > 0);
}

function scopeKey(o: Refusal): string {
  const s = o.scope;
  return `${o.resource} ${s.kind} ${s.kind === 'machine' ? s.tier : s.kind === 'parent' ? s.name : ''}`;
}

function keyed(list: Refusal[]): Map<string, number> {
  return new Map(list.map((o) => [scopeKey(o), o.asked]));
}
