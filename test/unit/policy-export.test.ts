/** The machine policy in the exports (docs/STATS.md): lmctfy_admitted_* families, the tier of each container, and JSON's `admission`. */
import { describe, expect, it } from 'vitest';
import type { AdmissionView } from '../../src/engine/export-reads.js';
import { budgetOf } from '../../src/policy/budget.js';
import { sampleToJson } from '../../src/stats/json.js';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import { containerTier } from '../../src/stats/tier.js';
import type { ContainerView } from '../../src/stats/model.js';
import { LOOKUPS, VIEW } from '../fixtures/sample-view.js';
import { parseExposition } from '../helpers/exposition.js';

const GiB = 2 ** 30;
const budget = budgetOf({ capacity: { cpu: 2000, memory: 4 * GiB }, reserve: { memory: GiB }, overcommit: [{ tier: 'BEST_EFFORT', percent: 50 }] }, { cpu: 1, memory: 1 });
const ADMISSION: AdmissionView = {
  spec: {},
  budget,
  tiers: [
    { tier: 'PREMIER', admitted: { cpu: 500, memory: GiB }, headroom: { cpu: 1000, memory: GiB }, containers: 1 },
    { tier: 'PRIORITY', admitted: { cpu: 0, memory: 0 }, headroom: { cpu: 1000, memory: GiB }, containers: 0 },
    { tier: 'NORMAL', admitted: { cpu: 500, memory: GiB }, headroom: { cpu: 1000, memory: GiB }, containers: 1 },
    { tier: 'BEST_EFFORT', admitted: { cpu: 0, memory: 0 }, headroom: { cpu: 2000, memory: 2.5 * GiB }, containers: 0 },
  ],
  tierOf: (name) => (name === '/web' ? 'PREMIER' : undefined),
};

describe('OpenMetrics with a machine policy', () => {
  it.each(['openmetrics', 'prometheus'] as const)('%s: the budget per tier and for the machine, and the tier of each admitted container', (format) => {
    const text = toOpenMetrics(VIEW, { format, ...LOOKUPS, admission: () => ADMISSION });
    const lines = text.split('\n');
    expect(lines).toContain('lmctfy_container_tier{id="/web",tier="PREMIER"} 1');
    expect(lines.filter((l) => l.startsWith('lmctfy_container_tier{'))).toHaveLength(1);
    expect(lines).toContain('lmctfy_admitted_cpu_cores{tier="PREMIER"} 0.5');
    expect(lines).toContain(`lmctfy_admitted_memory_bytes{tier="NORMAL"} ${GiB}`);
    expect(lines).toContain(`lmctfy_admitted_headroom_memory_bytes{tier="BEST_EFFORT"} ${2.5 * GiB}`);
    expect(lines).toContain('lmctfy_admitted_capacity_cpu_cores 2');
    expect(lines).toContain(`lmctfy_admitted_reserve_memory_bytes ${GiB}`);
    expect(lines).toContain('# TYPE lmctfy_admitted_cpu_cores gauge');
    if (format === 'openmetrics') expect(lines.at(-2)).toBe('# EOF');
    // The reference parser reads every family, ours included.
    const families = parseExposition(text).map((f) => f.name);
    expect(families).toEqual(expect.arrayContaining(['lmctfy_container_tier', 'lmctfy_admitted_cpu_cores', 'lmctfy_admitted_capacity_memory_bytes']));
  });

  it('without a policy no lmctfy_admitted family appears, and the tier is the kernel\'s (NORMAL for a cpu group, none without one)', () => {
    const text = toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS, admission: () => undefined });
    expect(text).not.toContain('lmctfy_admitted');
    expect(text.split('\n').filter((l) => l.startsWith('lmctfy_container_tier{'))).toEqual(['lmctfy_container_tier{id="/web",tier="NORMAL"} 1']);
  });
});

describe('JSON with a machine policy', () => {
  it('admission holds the budget in the spec\'s units; each admitted container its tier', () => {
    const json = sampleToJson(VIEW, ADMISSION);
    expect(json.admission).toEqual({
      capacity: { cpu: 2000, memory: 4 * GiB },
      reserve: { cpu: 0, memory: GiB },
      allocatable: { cpu: 2000, memory: 3 * GiB },
      tiers: ADMISSION.tiers.map((t) => ({ ...t, overcommit_percent: t.tier === 'BEST_EFFORT' ? 50 : 0 })),
    });
    expect(json.containers.map((c) => c.tier)).toEqual(['PREMIER', undefined]);
    expect(sampleToJson(VIEW)).not.toHaveProperty('admission');
  });
});

describe('containerTier', () => {
  const view = (limits: ContainerView['raw']['limits'], name = '/c'): ContainerView => ({ name, depth: 1, raw: { name, id: 1, stats: {}, limits }, rates: {} });
  it.each([
    ['the policy\'s record wins (PREMIER has no kernel file)', view({ cpuShareMilli: 500 }, '/web'), ADMISSION, 'PREMIER'],
    ['not admitted: the kernel\'s idle group', view({ cpuIdle: true }), ADMISSION, 'BEST_EFFORT'],
    ['no policy: an idle group', view({ cpuIdle: true }), undefined, 'BEST_EFFORT'],
    ['no policy: any other cpu group', view({ cpuShareMilli: 1000, cpuMaxMilli: 500 }), undefined, 'NORMAL'],
    ['no cpu group of its own: none', view({ memoryLimit: 100 }), undefined, undefined],
    ['the root: none (nothing admits it)', view({ cpuShareMilli: 1000 }, '/'), undefined, undefined],
  ] as const)('%s', (_what, c, admission, tier) => {
    expect(containerTier(c, admission)).toBe(tier);
  });
});
