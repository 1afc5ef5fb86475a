import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { memoryLimit, workingSet } from '../../src/engine/resources/memory.js';
import type { MemorySpec } from '../../src/messages/types.js';
import { FakeTree, V2_FRESH, fileIo, handle, v1Tree, v2Tree, withMemswRule, type RecordingIo } from '../fixtures/cgroupfs/fake.js';
import { errorOf } from '../helpers/errors.js';
import { resourcesFor } from '../../src/engine/resources/index.js';

const UNLIMITED_V1 = '9223372036854771712\n';
const M = 1024 * 1024;

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

describe('memory.validate', () => {
  it.each([
    ['max_limit', { max_limit: 1 }],
    ['hugetlbfs_path', { hugetlbfs_path: '/h' }],
    ['tmpfs', { tmpfs: { path: ['/t'] } }],
    ['compression_sampling_ratio', { compression_sampling_ratio: 1 }],
    ['stale_page_age', { stale_page_age: 1 }],
    ['dirty', { dirty: { ratio: 1 } }],
    ['kmem_charge_usage', { kmem_charge_usage: false }],
  ] as Array<[string, MemorySpec]>)('%s → UNIMPLEMENTED naming it', (field, m) => {
    const err = errorOf(() => resourcesFor(1).memory.validate({ memory: m }));
    expect(err?.code).toBe(Code.UNIMPLEMENTED);
    expect(err?.message).toContain(`memory.${field}`);
  });

  it.each([
    ['limit 0', { limit: 0 }],
    ['limit below a page', { limit: 4095 }],
    ['limit -2', { limit: -2 }],
    ['reservation below a page', { reservation: 100 }],
    ['swap_limit 0', { swap_limit: 0 }],
    ['swap below memory', { limit: 200 * M, swap_limit: 100 * M }],
    ['finite swap with unlimited memory', { limit: -1, swap_limit: 100 * M }],
    ['eviction_priority below 0', { eviction_priority: -1 }],
    ['eviction_priority above 10000', { eviction_priority: 10001 }],
  ] as Array<[string, MemorySpec]>)('%s → INVALID_ARGUMENT', (_, m) => {
    expect(errorOf(() => resourcesFor(1).memory.validate({ memory: m }))?.code).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([
    ['unlimited', { limit: -1, swap_limit: -1 }],
    ['one page', { limit: 4096 }],
    ['reservation 0', { reservation: 0 }],
    ['swap equal to memory', { limit: 100 * M, swap_limit: 100 * M }],
    ['eviction_priority 0 and 10000 (its meaning comes from a machine policy)', { eviction_priority: 10000 }],
  ] as Array<[string, MemorySpec]>)('%s is valid', (_, m) => {
    expect(() => resourcesFor(2).memory.validate({ memory: m })).not.toThrow();
  });
});

describe('memory v1', () => {
  function setup(io: RecordingIo = withMemswRule()) {
    const dirs = v1Tree(tree, ['memory']);
    return { h: handle({ version: 1, dirs, io }), dir: dirs.memory!, io };
  }
  function setLimits(dir: string, limit: number, memsw: number) {
    tree.write(`${dir}/memory.limit_in_bytes`, `${limit}\n`);
    tree.write(`${dir}/memory.memsw.limit_in_bytes`, `${memsw}\n`);
  }

  it('replace writes the defaults: unlimited memory and swap, reservation 0', () => {
    const { h, dir, io } = setup();
    setLimits(dir, 100 * M, 200 * M);
    h.resources.memory.apply(h, { memory: {} }, 'replace');
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(UNLIMITED_V1);
    expect(tree.read(`${dir}/memory.memsw.limit_in_bytes`)).toBe(UNLIMITED_V1);
    expect(tree.read(`${dir}/memory.soft_limit_in_bytes`)).toBe('0');
    expect(io.writes.map((w) => w.file)).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes', 'memory.soft_limit_in_bytes']);
  });

  it('create of a fresh group writes the limit and reservation, not the already unlimited swap', () => {
    const { h, dir, io } = setup();
    h.resources.memory.apply(h, { memory: { limit: 100 * M } }, 'create');
    expect(io.writes.map((w) => w.file)).toEqual(['memory.limit_in_bytes', 'memory.soft_limit_in_bytes']);
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(`${100 * M}\n`);
  });

  it('raising both writes memsw first', () => {
    const { h, dir, io } = setup();
    setLimits(dir, 100 * M, 200 * M);
    h.resources.memory.apply(h, { memory: { limit: 300 * M, swap_limit: 400 * M } }, 'diff');
    expect(io.writes.map((w) => w.file)).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(`${300 * M}\n`);
    expect(tree.read(`${dir}/memory.memsw.limit_in_bytes`)).toBe(`${400 * M}\n`);
  });

  it('lowering both writes the limit first', () => {
    const { h, dir, io } = setup();
    setLimits(dir, 300 * M, 400 * M);
    h.resources.memory.apply(h, { memory: { limit: 100 * M, swap_limit: 200 * M } }, 'diff');
    expect(io.writes.map((w) => w.file)).toEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
    expect(tree.read(`${dir}/memory.memsw.limit_in_bytes`)).toBe(`${200 * M}\n`);
  });

  it('from unlimited to finite (lowering) and back (raising) both work', () => {
    const { h, dir } = setup();
    h.resources.memory.apply(h, { memory: { limit: 100 * M, swap_limit: 150 * M } }, 'create');
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(`${100 * M}\n`);
    h.resources.memory.apply(h, { memory: {} }, 'replace');
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(UNLIMITED_V1);
  });

  it('a limit alone above the current memsw → INVALID_ARGUMENT, nothing written', () => {
    const { h, dir, io } = setup();
    setLimits(dir, 100 * M, 150 * M);
    const err = errorOf(() => h.resources.memory.apply(h, { memory: { limit: 200 * M } }, 'diff'));
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(err?.message).toMatch(/swap_limit/);
    expect(io.writes).toEqual([]);
  });

  it('swap_limit without memsw files → UNIMPLEMENTED naming the file; defaults skip swap', () => {
    const { h, dir, io } = setup();
    tree.remove(`${dir}/memory.memsw.limit_in_bytes`);
    const err = errorOf(() => h.resources.memory.apply(h, { memory: { limit: 100 * M, swap_limit: 200 * M } }, 'create'));
    expect(err?.code).toBe(Code.UNIMPLEMENTED);
    expect(err?.message).toContain('memory.memsw.limit_in_bytes');
    expect(io.writes).toEqual([]);
    h.resources.memory.apply(h, { memory: { limit: 100 * M } }, 'create');
    expect(io.writes.map((w) => w.file)).toEqual(['memory.limit_in_bytes', 'memory.soft_limit_in_bytes']);
  });

  it('EBUSY (usage above the new limit) → FAILED_PRECONDITION with usage and limit; old limit stays', () => {
    const dirs = v1Tree(tree, ['memory']);
    const dir = dirs.memory!;
    tree.write(`${dir}/memory.limit_in_bytes`, `${500 * M}\n`);
    tree.write(`${dir}/memory.usage_in_bytes`, `${300 * M}\n`);
    const io = withFaults(fileIo(), [{ op: 'writeFile', path: 'memory.limit_in_bytes', errno: 'EBUSY' }]);
    const h = handle({ version: 1, dirs, io });
    const err = errorOf(() => h.resources.memory.apply(h, { memory: { limit: 100 * M } }, 'diff'));
    expect(err?.code).toBe(Code.FAILED_PRECONDITION);
    expect(err?.errno).toBe('EBUSY');
    expect(err?.message).toContain(`${100 * M}`);
    expect(err?.message).toContain(`usage ${300 * M}`);
    expect(err?.message).toContain(`stays ${500 * M}`);
    expect(tree.read(`${dir}/memory.limit_in_bytes`)).toBe(`${500 * M}\n`);
  });

  it('a vanished cgroup → NOT_FOUND', () => {
    const { h } = setup(fileIo());
    tree.cleanup();
    expect(errorOf(() => h.resources.memory.apply(h, { memory: { reservation: 0 } }, 'diff'))?.code).toBe(Code.NOT_FOUND);
    expect(h.resources.memory.stats(h, 'full')).toEqual({});
  });

  it('reads the spec back, unlimited as -1', () => {
    const { h, dir } = setup();
    expect(h.resources.memory.read(h)).toEqual({ memory: { limit: -1, reservation: -1, swap_limit: -1 } });
    setLimits(dir, 100 * M, 200 * M);
    tree.write(`${dir}/memory.soft_limit_in_bytes`, '0\n');
    expect(h.resources.memory.read(h)).toEqual({ memory: { limit: 100 * M, reservation: 0, swap_limit: 200 * M } });
    tree.remove(`${dir}/memory.memsw.limit_in_bytes`);
    expect(h.resources.memory.read(h)).toEqual({ memory: { limit: 100 * M, reservation: 0 } });
    tree.write(`${dir}/memory.limit_in_bytes`, 'lots\n');
    expect(errorOf(() => h.resources.memory.read(h))?.code).toBe(Code.DATA_LOSS);
  });

  const STAT = [
    'cache 100',
    'rss 200',
    'inactive_file 40',
    'pgfault 9',
    'hierarchical_memory_limit 9223372036854771712',
    'total_cache 1000',
    'total_rss 2000',
    'total_inactive_file 400',
    'total_pgfault 90',
    'some_future_key 5',
    '',
  ].join('\n');

  it('summary stats: usage, working set from total_inactive_file, limits, counters; no breakdown', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.stat`, STAT);
    tree.write(`${dir}/memory.usage_in_bytes`, '3000\n');
    tree.write(`${dir}/memory.max_usage_in_bytes`, '5000\n');
    tree.write(`${dir}/memory.failcnt`, '2\n');
    tree.write(`${dir}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    tree.write(`${dir}/memory.limit_in_bytes`, `${100 * M}\n`);
    tree.write(`${dir}/memory.soft_limit_in_bytes`, '0\n');
    expect(h.resources.memory.stats(h, 'summary')).toEqual({
      memory: {
        limit: 100 * M,
        usage: 3000,
        max_usage: 5000,
        fail_count: 2,
        working_set: 2600,
        effective_limit: -1,
        hierarchical_memory_limit: -1,
        oom_kill_count: 3,
      },
    });
  });

  it('full stats add container and hierarchical data', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.stat`, STAT);
    const m = h.resources.memory.stats(h, 'full').memory!;
    expect(m.container_data).toEqual({ cache: 100, rss: 200, inactive_file: 40, pgfault: 9 });
    expect(m.hierarchical_data).toEqual({ cache: 1000, rss: 2000, inactive_file: 400, pgfault: 90 });
  });

  it('with usage unchanged the OOM count is carried over below the limit, read again at it', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.stat`, STAT);
    tree.write(`${dir}/memory.usage_in_bytes`, '4096\n');
    tree.write(`${dir}/memory.oom_control`, 'oom_kill 1\n');
    const first = h.resources.memory.stats(h, 'counters');
    tree.write(`${dir}/memory.oom_control`, 'oom_kill 2\n');
    // The sampler fills in the limit it reads on its own schedule.
    const below = { memory: { ...first.memory, limit: 8192 } };
    expect(h.resources.memory.stats(h, 'counters', below).memory?.oom_kill_count).toBe(1);
    const unlimited = { memory: { ...first.memory, limit: -1 } };
    expect(h.resources.memory.stats(h, 'counters', unlimited).memory?.oom_kill_count).toBe(1);
    // Pinned at the limit: a kill and a refill to the same figure is possible, so it reads.
    const atLimit = { memory: { ...first.memory, limit: 4096 } };
    expect(h.resources.memory.stats(h, 'counters', atLimit).memory?.oom_kill_count).toBe(2);
    // Limit unknown: reads.
    expect(h.resources.memory.stats(h, 'counters', first).memory?.oom_kill_count).toBe(2);
  });

  it('memoryLimit reads the limit file alone', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.limit_in_bytes`, `${100 * M}\n`);
    expect(memoryLimit(h)).toBe(100 * M);
    tree.write(`${dir}/memory.limit_in_bytes`, '9223372036854771712\n');
    expect(memoryLimit(h)).toBe(-1);
    tree.remove(`${dir}/memory.limit_in_bytes`);
    expect(memoryLimit(h)).toBeUndefined();
  });

  it('a counters pass with usage unchanged carries memory.stat values over instead of reading it', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.stat`, STAT);
    tree.write(`${dir}/memory.usage_in_bytes`, '3000\n');
    tree.write(`${dir}/memory.oom_control`, 'oom_kill 3\n');
    const first = h.resources.memory.stats(h, 'counters');
    expect(first.memory).toMatchObject({ usage: 3000, working_set: 2600, effective_limit: -1 });
    // memory.stat now says something else, but usage did not move: not read, values carried.
    tree.write(`${dir}/memory.stat`, 'total_inactive_file 0\nhierarchical_memory_limit 5000\n');
    tree.write(`${dir}/memory.oom_control`, 'oom_kill 4\n');
    const same = h.resources.memory.stats(h, 'counters', first).memory!;
    expect(same).toEqual({ usage: 3000, working_set: 2600, effective_limit: -1, hierarchical_memory_limit: -1, oom_kill_count: 4 });
    // Usage moved: memory.stat is read again.
    tree.write(`${dir}/memory.usage_in_bytes`, '3001\n');
    expect(h.resources.memory.stats(h, 'counters', first).memory).toMatchObject({ usage: 3001, working_set: 3001, effective_limit: 5000 });
    // Summary and full never carry over.
    tree.write(`${dir}/memory.usage_in_bytes`, '3000\n');
    expect(h.resources.memory.stats(h, 'summary', first).memory).toMatchObject({ working_set: 3000, effective_limit: 5000 });
  });

  it('missing optional files are absent fields, never zeros', () => {
    const { h, dir } = setup();
    for (const f of ['memory.stat', 'memory.oom_control', 'memory.memsw.limit_in_bytes', 'memory.max_usage_in_bytes']) tree.remove(`${dir}/${f}`);
    const m = h.resources.memory.stats(h, 'full').memory!;
    expect(m).not.toHaveProperty('oom_kill_count');
    expect(m).not.toHaveProperty('swap_limit');
    expect(m).not.toHaveProperty('max_usage');
    expect(m).not.toHaveProperty('container_data');
    // Without memory.stat there is no inactive_file: the working set is unknown, not usage.
    expect(m).not.toHaveProperty('working_set');
  });
});

describe('workingSet', () => {
  it.each([
    [1000, 400, 600],
    [1000, undefined, undefined],
    [100, 400, 0],
    [undefined, 5, undefined],
  ])('usage %s, inactive_file %s → %s', (usage, inactive, want) => {
    expect(workingSet(usage, inactive)).toBe(want);
  });
});

describe('memory v2', () => {
  function setup(parentFiles: Record<string, string> = {}, childFiles = V2_FRESH) {
    const dir = v2Tree(tree, parentFiles, childFiles);
    const io = fileIo();
    return { h: handle({ version: 2, unified: dir, io }), dir, io };
  }

  it('create writes max, max and 0', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.max`, '1000000\n');
    h.resources.memory.apply(h, { memory: {} }, 'create');
    expect(tree.read(`${dir}/memory.max`)).toBe('max');
    expect(tree.read(`${dir}/memory.swap.max`)).toBe('max');
    expect(tree.read(`${dir}/memory.low`)).toBe('0');
  });

  it('swap_limit counts memory plus swap: swap.max is the difference', () => {
    const { h, dir } = setup();
    h.resources.memory.apply(h, { memory: { limit: 100 * M, swap_limit: 150 * M, reservation: 10 * M } }, 'create');
    expect(tree.read(`${dir}/memory.max`)).toBe(`${100 * M}`);
    expect(tree.read(`${dir}/memory.swap.max`)).toBe(`${50 * M}`);
    expect(tree.read(`${dir}/memory.low`)).toBe(`${10 * M}`);
    expect(h.resources.memory.read(h)).toEqual({ memory: { limit: 100 * M, reservation: 10 * M, swap_limit: 150 * M } });
  });

  it('a limit alone keeps memory+swap where it was', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.max`, `${100 * M}\n`);
    tree.write(`${dir}/memory.swap.max`, `${50 * M}\n`);
    h.resources.memory.apply(h, { memory: { limit: 120 * M } }, 'diff');
    expect(tree.read(`${dir}/memory.swap.max`)).toBe(`${30 * M}`);
    expect(errorOf(() => h.resources.memory.apply(h, { memory: { limit: 200 * M } }, 'diff'))?.code).toBe(Code.INVALID_ARGUMENT);
  });

  it('a limit below memory.current is refused before anything is written', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/memory.current`, `${300 * M}\n`);
    const err = errorOf(() => h.resources.memory.apply(h, { memory: { limit: 100 * M } }, 'diff'));
    expect(err?.code).toBe(Code.FAILED_PRECONDITION);
    expect(err?.message).toContain(`usage ${300 * M}`);
    expect(io.writes).toEqual([]);
  });

  it('memoryLimit reads memory.max', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.max`, 'max\n');
    expect(memoryLimit(h)).toBe(-1);
    tree.write(`${dir}/memory.max`, `${5 * M}\n`);
    expect(memoryLimit(h)).toBe(5 * M);
  });

  it('a counters pass with memory.current unchanged carries the working set over', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/memory.current`, '3000\n');
    tree.write(`${dir}/memory.stat`, 'inactive_file 400\n');
    const first = h.resources.memory.stats(h, 'counters');
    expect(first.memory?.working_set).toBe(2600);
    tree.write(`${dir}/memory.stat`, 'inactive_file 0\n');
    expect(h.resources.memory.stats(h, 'counters', first).memory?.working_set).toBe(2600);
    tree.write(`${dir}/memory.current`, '3001\n');
    expect(h.resources.memory.stats(h, 'counters', first).memory?.working_set).toBe(3001);
  });

  it('memory not enabled → UNIMPLEMENTED naming subtree_control; read is undefined', () => {
    const files: Record<string, string> = { ...V2_FRESH, 'cgroup.controllers': 'cpu\n' };
    for (const f of Object.keys(files)) if (f.startsWith('memory.') && f !== 'memory.pressure') delete files[f];
    const { h } = setup({}, files);
    const err = errorOf(() => h.resources.memory.apply(h, { memory: { limit: 100 * M } }, 'diff'));
    expect(err?.code).toBe(Code.UNIMPLEMENTED);
    expect(err?.message).toMatch(/controller memory is not enabled in .*\/parent\/cgroup\.subtree_control/);
    expect(h.resources.memory.read(h)).toBeUndefined();
  });

  it('stats: events, peak, working set, hierarchical data, effective limit up the tree, PSI', () => {
    const { h, dir } = setup({ 'memory.max': `${50 * M}\n` });
    tree.write(`${dir}/memory.current`, '3000\n');
    tree.write(`${dir}/memory.peak`, '9000\n');
    tree.write(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n');
    tree.write(`${dir}/memory.stat`, 'anon 10\nfile 20\nfile_mapped 5\ninactive_file 1000\nfile_dirty 1\nshmem 3\n');
    tree.write(`${dir}/memory.pressure`, 'some avg10=0.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=2\n');
    const s = h.resources.memory.stats(h, 'full');
    expect(s.memory).toEqual({
      limit: -1,
      reservation: 0,
      swap_limit: -1,
      usage: 3000,
      max_usage: 9000,
      fail_count: 4,
      oom_kill_count: 1,
      working_set: 2000,
      effective_limit: 50 * M,
      hierarchical_data: { rss: 10, cache: 20, mapped_file: 5, inactive_file: 1000, dirty: 1 },
    });
    expect(s.pressure?.memory?.full?.total).toBe(2);
    const summary = h.resources.memory.stats(h, 'summary').memory!;
    expect(summary).not.toHaveProperty('hierarchical_data');
    expect(summary.working_set).toBe(2000);
  });

  it('memory.peak absent (kernel < 5.19) → no max_usage', () => {
    const { h, dir } = setup();
    tree.remove(`${dir}/memory.peak`);
    expect(h.resources.memory.stats(h, 'summary').memory).not.toHaveProperty('max_usage');
  });
});
