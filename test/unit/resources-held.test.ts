import { describe, expect, it } from 'vitest';
import { resourcesFor } from '../../src/engine/resources/index.js';
import type { ContainerSpec } from '../../src/messages/types.js';

// What create and update say on stderr where the kernel holds a value other than the one
// asked (the spec read back shows the held one).
describe('values the kernel holds rounded', () => {
  it.each<[string, 1 | 2, ContainerSpec, string[]]>([
    ['round cpu limits read back as asked (v1)', 1, { cpu: { limit: 200, max_limit: 1500 } }, []],
    ['round cpu limits read back as asked (v2)', 2, { cpu: { limit: 200 } }, []],
    ['0 is the minimum on both', 2, { cpu: { limit: 0 } }, []],
    ['1 and 2 hold the minimum, which reads as 0', 1, { cpu: { limit: 1 } }, ['cpu.limit 1 is held as cpu.shares 2, which reads back as cpu.limit 0']],
    ['v2 weights are coarser than limits', 2, { cpu: { limit: 237 } }, ['cpu.limit 237 is held as cpu.weight 33, which reads back as cpu.limit 240']],
    ['the same limit is exact on v1', 1, { cpu: { limit: 237 } }, []],
    ['memory rounds down to whole pages', 1, { memory: { limit: 100_000_000, reservation: 8192 } }, ['memory.limit 100000000 is held as 99999744 (whole 4096-byte pages)']],
    ['unlimited, none and page multiples are exact', 2, { memory: { limit: -1, reservation: 0, swap_limit: 2 ** 30 } }, []],
    ["the kernel's own unlimited is -1, exact", 1, { memory: { limit: 9223372036854771712 } }, []],
  ])('%s', (_, version, spec, notes) => {
    expect(resourcesFor(version).held(spec)).toEqual(notes);
  });
});
