import { describe, expect, it } from 'vitest';
import { eligible, evictionOrder, lowestReclaimable, reclaimPlan, type Candidate } from '../../src/daemon/rank.js';
import { decisionLine, formatBytes } from '../../src/daemon/format.js';
import { pressureSettings, validatePressure } from '../../src/policy/pressure.js';
import { LmctfyError } from '../../src/engine/errors.js';

const MiB = 2 ** 20;
const c = (name: string, tier: Candidate['tier'], eviction: number, usage: number, reservation = 0): Candidate => ({ name, tier, eviction, usage: usage * MiB, reservation: reservation * MiB });

describe('eviction order', () => {
  const table: Array<[string, Candidate[], string[]]> = [
    ['lowest tier first, whatever the size', [c('/p', 'PREMIER', 0, 10), c('/b', 'BEST_EFFORT', 9000, 1), c('/n', 'NORMAL', 0, 500), c('/q', 'PRIORITY', 0, 900)], ['/b', '/n', '/q', '/p']],
    ['within a tier, lower eviction_priority first', [c('/b2', 'NORMAL', 200, 10), c('/b1', 'NORMAL', 100, 5), c('/b3', 'NORMAL', 300, 900)], ['/b1', '/b2', '/b3']],
    ['then most memory above reservation', [c('/x', 'NORMAL', 5000, 300, 250), c('/y', 'NORMAL', 5000, 200, 0), c('/z', 'NORMAL', 5000, 100, 200)], ['/y', '/x', '/z']],
    ['then by name, so every run agrees', [c('/b', 'NORMAL', 5000, 10), c('/a', 'NORMAL', 5000, 10)], ['/a', '/b']],
  ];
  it.each(table)('%s', (_why, cs, order) => {
    expect(evictionOrder(cs).map((x) => x.name)).toEqual(order);
  });

  it('pressure felt by a tier takes only lower tiers; the machine takes any', () => {
    const cs = [c('/p', 'PREMIER', 0, 10), c('/q', 'PRIORITY', 0, 10), c('/n', 'NORMAL', 0, 10), c('/b', 'BEST_EFFORT', 0, 10)];
    expect(eligible(cs, 'PRIORITY').map((x) => x.name)).toEqual(['/n', '/b']);
    expect(eligible(cs, 'BEST_EFFORT')).toEqual([]);
    expect(eligible(cs, undefined)).toHaveLength(4);
  });

  it('reclaims what lies above reservations, lowest first, up to the need', () => {
    const cs = [c('/n', 'NORMAL', 0, 300, 100), c('/b', 'BEST_EFFORT', 0, 50, 40), c('/q', 'PRIORITY', 0, 500, 0)];
    expect(reclaimPlan(cs, 100 * MiB).map(([x, bytes]) => [x.name, bytes / MiB])).toEqual([['/b', 10], ['/n', 90]]);
    expect(reclaimPlan(cs, 0)).toEqual([]);
    expect(reclaimPlan([c('/r', 'NORMAL', 0, 10, 20)], MiB)).toEqual([]);
  });

  const stall: Array<[string, Candidate[], string[]]> = [
    ['a stall reclaims the lowest tier only', [c('/q', 'PRIORITY', 0, 500), c('/n1', 'NORMAL', 0, 300, 100), c('/n2', 'NORMAL', 0, 50)], ['/n1', '/n2']],
    ['a tier with nothing above its reservations is passed over', [c('/q', 'PRIORITY', 0, 500), c('/b', 'BEST_EFFORT', 0, 40, 40), c('/n', 'NORMAL', 0, 30, 60)], ['/q']],
    ['within the tier, only those above their reservation', [c('/n1', 'NORMAL', 0, 30, 60), c('/n2', 'NORMAL', 0, 70, 60)], ['/n2']],
    ['nothing reclaimable', [c('/n', 'NORMAL', 0, 10, 20)], []],
  ];
  it.each(stall)('%s', (_why, cs, names) => {
    expect(lowestReclaimable(cs).map((x) => x.name)).toEqual(names);
  });
});

describe('pressure settings', () => {
  it('fills defaults: 100 MiB eviction headroom, reclaim at twice it, 15 % over 2 s, kill tasks', () => {
    expect(pressureSettings()).toEqual({ evictHeadroom: 100 * MiB, reclaimHeadroom: 200 * MiB, stallUs: 300_000, windowUs: 2_000_000, action: 'KILL_TASKS', cooldownMs: 2000, cpuStallUs: 100_000, cpuReleaseMs: 30_000 });
    expect(pressureSettings({ evict_headroom: MiB, action: 'FREEZE' })).toMatchObject({ evictHeadroom: MiB, reclaimHeadroom: 2 * MiB, action: 'FREEZE' });
  });
  const bad: Array<[object, string]> = [
    [{ evict_headroom: 10, reclaim_headroom: 5 }, 'reclaim_headroom: 5 must be at least evict_headroom (10)'],
    [{ window_us: 100_000 }, 'window_us: 100000 is outside'],
    [{ stall_us: 0 }, 'stall_us: 0 must be 1–window_us'],
    [{ stall_us: 3_000_000 }, 'stall_us: 3000000 must be 1–window_us (2000000)'],
    [{ cooldown_ms: -1 }, 'cooldown_ms: -1'],
    [{ cpu_stall_us: 0 }, 'cpu_stall_us: 0 must be 1–window_us'],
    [{ cpu_stall_us: 2_000_001 }, 'cpu_stall_us: 2000001 must be 1–window_us (2000000)'],
    [{ cpu_release_ms: 1.5 }, 'cpu_release_ms: 1.5'],
  ];
  it.each(bad)('refuses %j naming the field', (p, message) => {
    expect(() => validatePressure(p)).toThrow(LmctfyError);
    expect(() => validatePressure(p)).toThrow(message);
  });
});

describe('decision lines', () => {
  it('prints time, what, container (machine for the whole host), tier and why', () => {
    expect(formatBytes(1.5 * MiB)).toBe('1.5 MiB');
    const time = Date.UTC(2026, 0, 1, 12, 34, 56, 789);
    expect(decisionLine({ time, kind: 'decision', what: 'evict', container: '/b1', tier: 'NORMAL', reason: 'why' })).toBe('12:34:56.789 evict /b1 NORMAL: why');
    expect(decisionLine({ time, kind: 'decision', what: 'reclaim', container: '', reason: 'stall' })).toBe('12:34:56.789 reclaim machine: stall');
  });
});
