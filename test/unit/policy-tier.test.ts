import { describe, expect, it } from 'vitest';
import { tierFrom, type CpuGroup } from '../../src/engine/tier.js';
import type { SchedulingLatency } from '../../src/messages/types.js';

describe('a container’s tier: one rule for spec, stats, the daemon and the exporters', () => {
  const table: Array<[string, string, SchedulingLatency | undefined, CpuGroup, SchedulingLatency | undefined]> = [
    ['the ledger decides where the policy admitted it', '/web', 'PREMIER', 'weighted', 'PREMIER'],
    ['PRIORITY has no kernel file: only the ledger knows it', '/api', 'PRIORITY', 'weighted', 'PRIORITY'],
    ['the ledger also for a container sharing its parent’s cpu group', '/web/log', 'NORMAL', 'none', 'NORMAL'],
    ['without the ledger, an idle cpu group is BEST_EFFORT', '/batch', undefined, 'idle', 'BEST_EFFORT'],
    ['without the ledger, any other cpu group is NORMAL', '/job', undefined, 'weighted', 'NORMAL'],
    ['without the ledger and without a cpu group of its own: no tier', '/job/sub', undefined, 'none', undefined],
    ['the root has none, whatever the kernel holds', '/', undefined, 'weighted', undefined],
    ['nor does a ledger entry for the root count', '/', 'PREMIER', 'weighted', undefined],
  ];
  it.each(table)('%s', (_why, name, admitted, group, tier) => {
    expect(tierFrom(name, admitted, group)).toBe(tier);
  });
});
