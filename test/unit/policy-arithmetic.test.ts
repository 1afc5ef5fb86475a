import { describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { Admissions, type Refusal } from '../../src/policy/admissions.js';
import { budgetOf, tierLimit, validatePolicy } from '../../src/policy/budget.js';
import { explainRefusal, formatAmount } from '../../src/policy/explain.js';
import { DEFAULT_CPU_LIMIT, UNBOUNDED, entryOf } from '../../src/policy/guarantee.js';
import { oomScoreAdj } from '../../src/policy/oom.js';
import { MIN_SHARED_CPUS, exclusiveCount, maskConflicts, pickCpus, sharedCpus } from '../../src/policy/exclusive.js';
import type { LedgerEntry, Tier } from '../../src/policy/types.js';
import type { ContainerSpec, PolicySpec } from '../../src/messages/types.js';
import { errorOf } from '../helpers/errors.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const KERNEL = { cpu: 2000, memory: 8 * GiB };

function budget(spec: PolicySpec = { capacity: { cpu: 1000, memory: GiB } }) {
  return budgetOf(spec, KERNEL);
}
const e = (tier: Tier, cpu: number, memory: number): LedgerEntry => ({ tier, cpu, memory });

describe('budgetOf', () => {
  it.each([
    ['nothing set: the kernel, no reserve, no overcommit', {}, { cpu: 2000, memory: 8 * GiB }, { cpu: 0, memory: 0 }, { cpu: 2000, memory: 8 * GiB }],
    ['capacity overrides each field alone', { capacity: { cpu: 500 } }, { cpu: 500, memory: 8 * GiB }, { cpu: 0, memory: 0 }, { cpu: 500, memory: 8 * GiB }],
    ['reserve comes off', { reserve: { cpu: 250, memory: GiB } }, { cpu: 2000, memory: 8 * GiB }, { cpu: 250, memory: GiB }, { cpu: 1750, memory: 7 * GiB }],
    ['a reserve above capacity leaves nothing, not less', { capacity: { cpu: 100 }, reserve: { cpu: 200 } }, { cpu: 100, memory: 8 * GiB }, { cpu: 200, memory: 0 }, { cpu: 0, memory: 8 * GiB }],
  ] as Array<[string, PolicySpec, object, object, object]>)('%s', (_, spec, capacity, reserve, allocatable) => {
    const b = budgetOf(spec, KERNEL);
    expect(b.capacity).toEqual(capacity);
    expect(b.reserve).toEqual(reserve);
    expect(b.allocatable).toEqual(allocatable);
  });

  it.each([
    ['no overcommit', 'NORMAL', 0, 1000],
    ['50 %', 'BEST_EFFORT', 50, 1500],
    ['rounds down (1 % of 999 is 9.99)', 'NORMAL', 1, 1008],
  ] as Array<[string, Tier, number, number]>)('tierLimit: %s', (_, tier, percent, limit) => {
    const b = budgetOf({ capacity: { cpu: tier === 'NORMAL' && percent === 1 ? 999 : 1000 }, overcommit: [{ tier, percent }] }, KERNEL);
    expect(tierLimit(b, tier, 'cpu')).toBe(limit);
  });
});

describe('validatePolicy', () => {
  it.each([
    ['capacity 0', { capacity: { cpu: 0 } }, 'capacity.cpu'],
    ['negative reserve', { reserve: { memory: -1 } }, 'reserve.memory'],
    ['a tier named twice', { overcommit: [{ tier: 'NORMAL', percent: 1 }, { tier: 'NORMAL', percent: 2 }] }, 'named twice'],
    ['no tier', { overcommit: [{ percent: 1 }] }, 'names no tier'],
    ['overcommit above 1000 %', { overcommit: [{ tier: 'BEST_EFFORT', percent: 1001 }] }, '1001'],
  ] as Array<[string, PolicySpec, string]>)('%s → INVALID_ARGUMENT naming it', (_, spec, named) => {
    const err = errorOf(() => validatePolicy(spec));
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(err?.message).toContain(named);
  });

  it('an empty policy is valid', () => expect(() => validatePolicy({})).not.toThrow());
});

describe('entryOf: guarantees by tier', () => {
  it.each([
    ['cpu limit', { cpu: { limit: 500 } }, e('NORMAL', 500, 0)],
    ['a cpu group with no limit has the default weight', { cpu: {} }, e('NORMAL', DEFAULT_CPU_LIMIT, 0)],
    ['a mask alone is no cpu group', { cpu: { mask: { data: [1] } } }, e('NORMAL', 0, 0)],
    ['BEST_EFFORT guarantees no CPU', { cpu: { scheduling_latency: 'BEST_EFFORT' } }, e('BEST_EFFORT', 0, 0)],
    ['PREMIER keeps its limit', { cpu: { scheduling_latency: 'PREMIER', limit: 2000 } }, e('PREMIER', 2000, 0)],
    ['memory reservation', { memory: { limit: GiB, reservation: 100 * MiB } }, e('NORMAL', 0, 100 * MiB)],
    ['a limit alone guarantees nothing', { memory: { limit: GiB } }, e('NORMAL', 0, 0)],
    ['a reservation above the limit guarantees the limit', { memory: { limit: 100 * MiB, reservation: GiB } }, e('NORMAL', 0, 100 * MiB)],
    ['an unlimited reservation guarantees the limit', { memory: { limit: 100 * MiB, reservation: -1 } }, e('NORMAL', 0, 100 * MiB)],
    ['unlimited both: everything', { memory: { reservation: -1 } }, e('NORMAL', 0, UNBOUNDED)],
    ['nothing isolated', {}, e('NORMAL', 0, 0)],
  ] as Array<[string, ContainerSpec, LedgerEntry]>)('%s', (_, spec, entry) => {
    expect(entryOf(spec)).toEqual(entry);
  });

  it('carries the eviction priority', () => expect(entryOf({ memory: {} }, 7).eviction).toBe(7));
});

describe('Admissions: the machine scope', () => {
  it('admits up to allocatable exactly, refuses one more unit, naming the holders', () => {
    const a = new Admissions(budget());
    expect(a.check('/a', e('NORMAL', 600, 600 * MiB))).toBeUndefined();
    a.set('/a', e('NORMAL', 600, 600 * MiB));
    expect(a.check('/b', e('NORMAL', 400, 424 * MiB))).toBeUndefined();
    const r = a.check('/b', e('NORMAL', 401, 0))!;
    expect(r).toMatchObject({ resource: 'cpu', asked: 401, left: 400, limit: 1000, scope: { kind: 'machine', tier: 'NORMAL' }, holders: [{ name: '/a', amount: 600 }] });
  });

  it('the reserve is never admitted', () => {
    const a = new Admissions(budget({ capacity: { cpu: 1000, memory: GiB }, reserve: { memory: 256 * MiB } }));
    expect(a.check('/a', e('NORMAL', 0, 768 * MiB))).toBeUndefined();
    expect(a.check('/a', e('NORMAL', 0, 768 * MiB + 1))?.left).toBe(768 * MiB);
  });

  it('an update counts the container\'s own guarantee as free; shrinking is always admitted', () => {
    const a = new Admissions(budget());
    a.set('/a', e('NORMAL', 900, 0));
    expect(a.check('/a', e('NORMAL', 1000, 0))).toBeUndefined();
    expect(a.check('/a', e('NORMAL', 1001, 0))?.left).toBe(1000);
    a.set('/b', e('NORMAL', 100, 0));
    a.budget = budget({ capacity: { cpu: 500, memory: GiB } });
    expect(a.check('/a', e('NORMAL', 800, 0))).toBeUndefined();
  });

  it('remove frees the subtree', () => {
    const a = new Admissions(budget());
    a.set('/a', e('NORMAL', 0, 0));
    a.set('/a/b', e('NORMAL', 500, 0));
    a.set('/a/b/c', e('NORMAL', 0, 100 * MiB));
    a.set('/d', e('NORMAL', 500, 0));
    a.remove('/a');
    expect([...a.entries.keys()]).toEqual(['/d']);
    expect(a.admitted('cpu').NORMAL).toBe(500);
    expect(a.admitted('memory').NORMAL).toBe(0);
  });

  describe('tiers and overcommit', () => {
    // 1 CPU; BEST_EFFORT may oversell by 50 %, NORMAL by 20 %.
    const oc = () => budget({ capacity: { cpu: 1000, memory: GiB }, overcommit: [{ tier: 'BEST_EFFORT', percent: 50 }, { tier: 'NORMAL', percent: 20 }] });

    it.each([
      ['PREMIER with no overcommit of its own fits only allocatable', 'PREMIER', 1000, true],
      ['PREMIER past allocatable', 'PREMIER', 1001, false],
      ['NORMAL up to its 20 %', 'NORMAL', 1200, true],
      ['NORMAL past its 20 %', 'NORMAL', 1201, false],
    ] as Array<[string, Tier, number, boolean]>)('%s', (_, tier, cpu, ok) => {
      expect(new Admissions(oc()).check('/x', e(tier, cpu, 0)) === undefined).toBe(ok);
    });

    it('a higher tier counts against every lower tier\'s view (no tier is promised what a lower one holds twice)', () => {
      const a = new Admissions(oc());
      a.set('/batch', e('NORMAL', 1200, 0));
      // PREMIER's view (PREMIER only) has room, NORMAL's view (1200 of 1200) has none.
      const r = a.check('/prod', e('PREMIER', 100, 0))!;
      expect(r.scope).toEqual({ kind: 'machine', tier: 'NORMAL' });
      expect(r.holders).toEqual([{ name: '/batch', amount: 1200 }]);
    });

    it('a lower tier never counts against a higher tier\'s view', () => {
      const a = new Admissions(budget({ capacity: { cpu: 1000, memory: GiB }, overcommit: [{ tier: 'NORMAL', percent: 100 }, { tier: 'BEST_EFFORT', percent: 100 }] }));
      a.set('/batch', e('NORMAL', 1000, 0));
      expect(a.check('/prod', e('PRIORITY', 1000, 0))).toBeUndefined();
      expect(a.headroom('cpu', 'PRIORITY')).toBe(1000);
      expect(a.headroom('cpu', 'NORMAL')).toBe(1000);
    });

    it('a lower tier with less overcommit caps the tiers above it too (its view counts them)', () => {
      const a = new Admissions(budget({ capacity: { cpu: 1000, memory: GiB }, overcommit: [{ tier: 'NORMAL', percent: 100 }] }));
      a.set('/batch', e('NORMAL', 1000, 0));
      expect(a.check('/prod', e('PRIORITY', 1, 0))?.scope).toEqual({ kind: 'machine', tier: 'BEST_EFFORT' });
    });

    it('BEST_EFFORT guarantees no CPU, so it is always admitted on CPU', () => {
      const a = new Admissions(budget());
      a.set('/a', e('NORMAL', 1000, 0));
      expect(a.check('/be', entryOf({ cpu: { scheduling_latency: 'BEST_EFFORT' } }))).toBeUndefined();
    });
  });
});

describe('Admissions: hierarchy', () => {
  function tree() {
    const a = new Admissions(budget({ capacity: { cpu: 4000, memory: 4 * GiB } }));
    a.set('/p', e('NORMAL', 1000, GiB));
    a.set('/p/a', e('NORMAL', 600, 0));
    return a;
  }

  it('a child comes out of its parent\'s guarantee, not the machine\'s', () => {
    const a = tree();
    expect(a.admitted('cpu').NORMAL).toBe(1000);
    expect(a.check('/p/b', e('NORMAL', 400, 0))).toBeUndefined();
    const r = a.check('/p/b', e('NORMAL', 401, 0))!;
    expect(r).toMatchObject({ left: 400, limit: 1000, scope: { kind: 'parent', name: '/p' }, holders: [{ name: '/p/a', amount: 600 }] });
  });

  it('a grandchild of a parent without a guarantee of its own comes out of the nearest ancestor that has one', () => {
    const a = tree();
    a.set('/p/mid', e('NORMAL', 0, 0));
    expect(a.ownerOf('/p/mid/x', 'cpu')).toBe('/p');
    expect(a.check('/p/mid/x', e('NORMAL', 401, 0))?.scope).toEqual({ kind: 'parent', name: '/p' });
  });

  it('a resource the parent does not guarantee comes out of the machine', () => {
    const a = tree();
    a.set('/p/a', e('NORMAL', 600, 0));
    expect(a.ownerOf('/p/a', 'memory')).toBe('/p');
    const b = new Admissions(budget({ capacity: { cpu: 4000, memory: 4 * GiB } }));
    b.set('/q', e('NORMAL', 1000, 0));
    expect(b.ownerOf('/q/a', 'memory')).toBe('/');
  });

  it('a parent cannot shrink below what its subcontainers hold', () => {
    const a = tree();
    expect(a.check('/p', e('NORMAL', 600, GiB))).toBeUndefined();
    const r = a.check('/p', e('NORMAL', 599, GiB))!;
    expect(r).toMatchObject({ resource: 'cpu', scope: { kind: 'own' }, holders: [{ name: '/p/a', amount: 600 }] });
  });

  it('a parent dropping its guarantee hands its subcontainers to the machine: counted by a recount', () => {
    const a = new Admissions(budget({ capacity: { cpu: 1000, memory: GiB } }));
    a.set('/p', e('NORMAL', 800, 0));
    a.set('/p/a', e('NORMAL', 800, 0));
    a.set('/q', e('NORMAL', 200, 0));
    // Without /p's guarantee, /p/a's 800 joins /q's 200 at the machine: 1000, fits.
    expect(a.check('/p', e('NORMAL', 0, 0))).toBeUndefined();
    a.set('/p', e('NORMAL', 0, 0));
    expect(a.admitted('cpu').NORMAL).toBe(1000);
    // Taking it back at 900 would need 900 + 200 at the machine.
    expect(a.check('/p', e('NORMAL', 900, 0))?.scope).toEqual({ kind: 'machine', tier: 'NORMAL' });
  });

  it('sums kept by set/remove equal a recount from scratch', () => {
    const a = new Admissions(budget({ capacity: { cpu: 100000, memory: 100 * GiB } }));
    const names = ['/a', '/a/b', '/a/b/c', '/d', '/d/e', '/f'];
    names.forEach((n, i) => a.set(n, e(i % 2 ? 'PRIORITY' : 'NORMAL', (i + 1) * 100, i % 3 ? i * MiB : 0)));
    a.set('/a', e('NORMAL', 0, 5 * MiB));
    a.remove('/d/e');
    const fresh = Admissions.of(a.budget, a.entries);
    for (const r of ['cpu', 'memory'] as const) expect(a.admitted(r)).toEqual(fresh.admitted(r));
  });
});

describe('overLimits: a policy that would not fit', () => {
  it('names every scope over its limit', () => {
    const a = new Admissions(budget({ capacity: { cpu: 4000, memory: 4 * GiB } }));
    a.set('/a', e('PREMIER', 3000, 0));
    a.set('/b', e('NORMAL', 1000, 0));
    a.budget = budget({ capacity: { cpu: 2000, memory: 4 * GiB } });
    const over = a.overLimits().map((o) => [o.resource, o.scope, o.asked]);
    expect(over).toEqual([
      ['cpu', { kind: 'machine', tier: 'PREMIER' }, 3000],
      ['cpu', { kind: 'machine', tier: 'PRIORITY' }, 3000],
      ['cpu', { kind: 'machine', tier: 'NORMAL' }, 4000],
      ['cpu', { kind: 'machine', tier: 'BEST_EFFORT' }, 4000],
    ]);
  });
});

describe('explain', () => {
  it.each([
    ['cpu', 1500, '1.5 CPU'],
    ['memory', GiB, '1 GiB'],
    ['memory', 600 * MiB, '600 MiB'],
    ['memory', 1000000000, '1000000000 bytes (953.67 MiB)'],
    ['memory', 100, '100 bytes'],
    ['memory', UNBOUNDED, 'unlimited'],
  ] as Array<['cpu' | 'memory', number, string]>)('formatAmount(%s, %d) = %s', (r, v, text) => {
    expect(formatAmount(r, v)).toBe(text);
  });

  it('one line: resource, asked, left, of what, held by whom (at most 5 named)', () => {
    const holders = Array.from({ length: 7 }, (_, i) => ({ name: `/c${i}`, amount: 100 * MiB }));
    const r: Refusal = { resource: 'memory', asked: 600 * MiB, left: 324 * MiB, limit: GiB, scope: { kind: 'machine', tier: 'NORMAL' }, holders };
    const b = budgetOf({ capacity: { memory: GiB }, overcommit: [{ tier: 'NORMAL', percent: 10 }] }, KERNEL);
    expect(explainRefusal(r, b)).toBe(
      "memory: asked 600 MiB, 324 MiB left of the machine's 1 GiB (capacity 1 GiB − reserve 0 bytes + 10 % overcommit) for NORMAL and the tiers above it; held by /c0 100 MiB, /c1 100 MiB, /c2 100 MiB, /c3 100 MiB, /c4 100 MiB, and 2 more",
    );
  });

  it('a parent scope names the parent', () => {
    const r: Refusal = { resource: 'cpu', asked: 500, left: 400, limit: 1000, scope: { kind: 'parent', name: '/p' }, holders: [{ name: '/p/a', amount: 600 }] };
    expect(explainRefusal(r, budget())).toBe("cpu: asked 0.5 CPU, 0.4 CPU left of /p's guarantee of 1 CPU; held by /p/a 0.6 CPU");
  });
});

describe('oomScoreAdj', () => {
  it.each([
    ['PREMIER is 0 whatever its priority (no negative values without CAP_SYS_RESOURCE)', 'PREMIER', 0, 0],
    ['PREMIER at 10000', 'PREMIER', 10000, 0],
    ['PRIORITY evicted last', 'PRIORITY', 10000, 1],
    ['PRIORITY evicted first', 'PRIORITY', 0, 250],
    ['NORMAL default (5000) mid-band', 'NORMAL', undefined, 425],
    ['NORMAL evicted last is above every PRIORITY', 'NORMAL', 10000, 251],
    ['BEST_EFFORT evicted first', 'BEST_EFFORT', 0, 1000],
    ['BEST_EFFORT evicted last', 'BEST_EFFORT', 10000, 601],
  ] as Array<[string, Tier, number | undefined, number]>)('%s → %s', (_, tier, p, adj) => {
    expect(oomScoreAdj(tier, p)).toBe(adj);
  });

  it('is monotonic: a lower tier or lower eviction priority never scores below a higher one', () => {
    const order: Tier[] = ['PREMIER', 'PRIORITY', 'NORMAL', 'BEST_EFFORT'];
    let last = -1;
    for (const t of order) {
      for (const p of [10000, 7500, 5000, 2500, 0]) {
        const adj = oomScoreAdj(t, p);
        expect(adj).toBeGreaterThanOrEqual(last);
        last = adj;
      }
    }
  });
});

describe('exclusive CPUs for PREMIER', () => {
  const ledger = (...held: Array<[string, number[]]>) => new Map(held.map(([n, cpus]) => [n, { tier: 'PREMIER' as const, cpu: cpus.length * 1000, memory: 0, cpus }]));
  it.each([
    ['PREMIER, whole CPUs', { cpu: { scheduling_latency: 'PREMIER', limit: 2000 } }, 'PREMIER', 2],
    ['PREMIER, a fraction', { cpu: { scheduling_latency: 'PREMIER', limit: 1500 } }, 'PREMIER', 0],
    ['PREMIER, less than one', { cpu: { scheduling_latency: 'PREMIER', limit: 500 } }, 'PREMIER', 0],
    ['PREMIER with a mask of its own', { cpu: { scheduling_latency: 'PREMIER', limit: 1000, mask: { data: [1] } } }, 'PREMIER', 0],
    ['PRIORITY', { cpu: { scheduling_latency: 'PRIORITY', limit: 1000 } }, 'PRIORITY', 0],
    ['no limit (the default weight is not asked)', { cpu: { scheduling_latency: 'PREMIER' } }, 'PREMIER', 0],
  ] as const)('exclusiveCount: %s', (_what, spec, tier, n) => {
    expect(exclusiveCount(spec as ContainerSpec, tier)).toBe(n);
  });

  it('takes the highest free CPUs and always leaves one shared', () => {
    expect(pickCpus([0, 1, 2, 3], ledger(), '/p', 2)).toEqual({ cpus: [2, 3] });
    expect(pickCpus([0, 1, 2, 3], ledger(['/a', [3]]), '/p', 2)).toEqual({ cpus: [1, 2] });
    expect(pickCpus([0, 1, 2, 3], ledger(['/a', [2, 3]]), '/p', 2)).toEqual({ refusal: { asked: 2, free: [0, 1], holders: [{ name: '/a', cpus: [2, 3] }] } });
    expect(pickCpus([0, 1], ledger(), '/p', 2)).toMatchObject({ refusal: { asked: 2, free: [0, 1] } });
    expect(MIN_SHARED_CPUS).toBe(1);
  });

  it('the shared pool is what no one holds; a mask may not reach into another\'s CPUs, only its own container\'s', () => {
    const l = ledger(['/a', [3]], ['/b', [1, 2]]);
    expect(sharedCpus([0, 1, 2, 3], l)).toEqual([0]);
    expect(maskConflicts(l, '/x', [0, 2, 3])).toEqual([
      { name: '/b', cpus: [2] },
      { name: '/a', cpus: [3] },
    ]);
    expect(maskConflicts(l, '/a/child', [3])).toEqual([]);
    expect(maskConflicts(l, '/ab', [3])).toEqual([{ name: '/a', cpus: [3] }]);
  });
});
