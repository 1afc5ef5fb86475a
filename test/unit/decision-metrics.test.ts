import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendJournal, journalPath, type JournalRecord } from '../../src/engine/journal.js';
import { DecisionCounter, followDecisions } from '../../src/stats/decisions.js';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import { parseExposition } from '../helpers/exposition.js';
import { VIEW } from '../fixtures/sample-view.js';

const decision = (what: string, extra: Partial<JournalRecord> = {}): JournalRecord => ({ time: 1, kind: 'decision', what, container: '/b', ...extra });

describe('DecisionCounter', () => {
  const table: Array<[string, JournalRecord[], Record<string, number>, Record<string, number>]> = [
    ['nothing', [], {}, {}],
    [
      'evictions by tier and trigger, reclaims by tier',
      [
        decision('evict', { tier: 'BEST_EFFORT', detail: { trigger: 'usage' } }),
        decision('evict', { tier: 'BEST_EFFORT', detail: { trigger: 'usage' }, code: 0 }),
        decision('evict', { tier: 'BATCH', detail: { trigger: 'stall' } }),
        decision('reclaim', { tier: 'BEST_EFFORT' }),
        decision('reclaim', { tier: 'BATCH' }),
        decision('reclaim', { tier: 'BATCH' }),
        decision('cpu_cap', { tier: 'NORMAL' }),
        decision('cpu_release', { tier: 'NORMAL' }),
        decision('cpu_slice', { tier: 'PRIORITY', detail: { tasks: 2 } }),
        decision('cpu_slice', { tier: 'PRIORITY', detail: { tasks: 2, adopted: true } }),
        decision('cpu_slice_release', {}),
      ],
      { 'BEST_EFFORT usage': 2, 'BATCH stall': 1 },
      { BEST_EFFORT: 1, BATCH: 2 },
    ],
    [
      'an eviction that failed or found nothing is not one; no tier or trigger has a word of its own',
      [
        decision('evict', { container: '', code: 8, reason: 'nothing left to evict' }),
        decision('evict', { tier: 'BATCH', code: 13 }),
        decision('evict', {}),
        decision('reclaim', { code: 13 }),
        decision('reclaim', {}),
      ],
      { 'none unknown': 1 },
      { none: 1 },
    ],
    [
      'actions and events are not decisions',
      [decision('evict', { kind: 'action' }), decision('reclaim', { kind: 'event' }), decision('start', {})],
      {},
      {},
    ],
  ];
  it.each(table)('%s', (_title, records, evictions, reclaims) => {
    const c = new DecisionCounter();
    c.add(records);
    expect(Object.fromEntries(c.cpuCaps)).toEqual(records.some((r) => r.what === 'cpu_cap') ? { NORMAL: 1 } : {});
    // A slice a restarted daemon found in place was counted when it was given.
    expect(Object.fromEntries(c.cpuSlices)).toEqual(records.some((r) => r.what === 'cpu_slice') ? { PRIORITY: 1 } : {});
    expect(Object.fromEntries([...c.evictions].map(([k, v]) => [k.replace('\0', ' '), v]))).toEqual(evictions);
    expect(Object.fromEntries(c.reclaims)).toEqual(reclaims);
  });
});

describe('decision and pressure families', () => {
  const counter = new DecisionCounter();
  counter.add([decision('evict', { tier: 'BEST_EFFORT', detail: { trigger: 'usage' } }), decision('reclaim', { tier: 'BATCH' }), decision('cpu_cap', { tier: 'NORMAL' }), decision('cpu_slice', { tier: 'PRIORITY' })]);
  const machinePressure = () => ({ memory: { some: { avg10: 42.5 }, full: { avg10: 1 } }, cpu: { some: { avg10: 0 } } });

  it('prometheus: _total families with tier and reason labels, the machine PSI without id; a real parser reads them', () => {
    const text = toOpenMetrics(VIEW, { format: 'prometheus', decisions: () => counter, machinePressure });
    expect(text).toContain(
      [
        '# TYPE lmctfy_machine_pressure_avg10_ratio gauge',
        'lmctfy_machine_pressure_avg10_ratio{resource="cpu",kind="some"} 0',
        'lmctfy_machine_pressure_avg10_ratio{resource="memory",kind="some"} 0.425',
        'lmctfy_machine_pressure_avg10_ratio{resource="memory",kind="full"} 0.01',
      ].join('\n'),
    );
    expect(text).toContain('# TYPE lmctfy_evictions_total counter\nlmctfy_evictions_total{tier="BEST_EFFORT",reason="usage"} 1\n');
    expect(text).toContain('# TYPE lmctfy_reclaims_total counter\nlmctfy_reclaims_total{tier="BATCH"} 1\n');
    expect(text).toContain('# TYPE lmctfy_cpu_caps_total counter\nlmctfy_cpu_caps_total{tier="NORMAL"} 1\n');
    expect(text).toContain('# TYPE lmctfy_cpu_slices_total counter\nlmctfy_cpu_slices_total{tier="PRIORITY"} 1\n');
    const byName = new Map(parseExposition(text).map((f) => [f.name, f]));
    expect(byName.get('lmctfy_evictions_total')).toMatchObject({ type: 'COUNTER', metrics: [{ value: '1', labels: { tier: 'BEST_EFFORT', reason: 'usage' } }] });
    expect(byName.get('lmctfy_machine_pressure_avg10_ratio')?.metrics).toHaveLength(3);
  });

  it('openmetrics: the counter families drop _total, their samples keep it; no decisions and no PSI: no families', () => {
    const text = toOpenMetrics(VIEW, { format: 'openmetrics', decisions: () => counter });
    expect(text).toContain('# TYPE lmctfy_evictions counter\nlmctfy_evictions_total{tier="BEST_EFFORT",reason="usage"} 1\n');
    expect(text).not.toContain('lmctfy_machine_pressure');
    const none = toOpenMetrics(VIEW, { format: 'openmetrics', decisions: () => new DecisionCounter(), machinePressure: () => undefined });
    expect(none).not.toMatch(/lmctfy_(evictions|reclaims|cpu_caps|cpu_slices|machine)/);
  });
});

describe('followDecisions', () => {
  const scope = `decision-metrics-${process.pid}`;
  afterEach(() => {
    for (const f of [journalPath(scope), `${journalPath(scope)}.1`]) fs.rmSync(f, { force: true, recursive: true });
  });

  it('counts what the journal holds, then what is appended, without reading it again', async () => {
    appendJournal(scope, decision('evict', { tier: 'BATCH', detail: { trigger: 'oom' } }));
    const { totals, stop } = followDecisions(scope)!;
    try {
      expect(totals.evictions.get('BATCH\0oom')).toBe(1);
      appendJournal(scope, decision('evict', { tier: 'BATCH', detail: { trigger: 'oom' } }));
      appendJournal(scope, decision('reclaim', { tier: 'BATCH' }));
      for (let tries = 0; totals.reclaims.get('BATCH') === undefined && tries < 250; tries++) await new Promise((r) => setTimeout(r, 20));
      expect([totals.evictions.get('BATCH\0oom'), totals.reclaims.get('BATCH')]).toEqual([2, 1]);
    } finally {
      stop();
    }
  });

  it('a journal that cannot be read leaves the decisions out, said once on stderr, instead of stopping the exporter', () => {
    appendJournal(scope, decision('evict'));
    // A directory where the rotated part should be: reading it fails.
    fs.mkdirSync(`${journalPath(scope)}.1`);
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(followDecisions(scope)).toBeUndefined();
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^lmctfy: warning: the daemon's decisions are not counted: .*\.1/)]);
    } finally {
      warn.mockRestore();
    }
  });
});
