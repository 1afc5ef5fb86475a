import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { cpuThrottling, cpuWants } from '../../src/engine/resources/cpu.js';
import { parseCpuHistograms } from '../../src/engine/resources/cpuacct.js';
import { cpuacctV1 as cpuacct } from '../../src/engine/resources/v1/cpuacct.js';
import { prepareCpuset } from '../../src/engine/resources/cpuset.js';
import { OPEN_BUCKET, type ContainerSpec } from '../../src/messages/types.js';
import { FakeTree, V2_FRESH, fileIo, handle, v1Tree, v2Tree, type RecordingIo } from '../fixtures/cgroupfs/fake.js';
import { codeOf } from '../helpers/errors.js';
import { resourcesFor } from '../../src/engine/resources/index.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

describe('cpu.wants', () => {
  it.each<[string, ContainerSpec, boolean]>([
    ['no cpu', {}, false],
    ['cpu {} asks for isolation with defaults', { cpu: {} }, true],
    ['limit', { cpu: { limit: 100 } }, true],
    ['mask only is cpuset business', { cpu: { mask: { data: [1] } } }, false],
    ['mask and limit', { cpu: { mask: { data: [1] }, limit: 5 } }, true],
    ['latency', { cpu: { scheduling_latency: 'NORMAL' } }, true],
  ])('%s → %s', (_, spec, want) => {
    expect(cpuWants(spec)).toBe(want);
  });
});

describe('cpu v1', () => {
  function setup(io: RecordingIo = fileIo()) {
    const dirs = v1Tree(tree, ['cpu']);
    return { h: handle({ version: 1, dirs, io }), dir: dirs.cpu!, io };
  }

  it('replace with cpu {} writes the defaults', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpu.shares`, '77\n');
    tree.write(`${dir}/cpu.cfs_quota_us`, '5000\n');
    h.resources.cpu.apply(h, { cpu: {} }, 'replace');
    expect(tree.read(`${dir}/cpu.shares`)).toBe('1024');
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('-1');
    expect(io.writes.map((w) => w.file)).not.toContain('cpu.idle');
  });

  it('create of a fresh group leaves its already unlimited quota alone', () => {
    const { h, io } = setup();
    h.resources.cpu.apply(h, { cpu: {} }, 'create');
    expect(io.writes.map((w) => `${w.file}=${w.value}`)).toEqual(['cpu.shares=1024']);
  });

  it('create with limit and max_limit converts both', () => {
    const { h, dir } = setup();
    h.resources.cpu.apply(h, { cpu: { limit: 500, max_limit: 2000 } }, 'create');
    expect(tree.read(`${dir}/cpu.shares`)).toBe('512');
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('200000');
  });

  it('uses the cgroup period for the quota', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.cfs_period_us`, '50000\n');
    h.resources.cpu.apply(h, { cpu: { max_limit: 1000 } }, 'diff');
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('50000');
  });

  it('setMaxLimit writes the quota alone, of the group\'s period; undefined makes it unlimited', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpu.cfs_period_us`, '50000\n');
    h.resources.cpu.setMaxLimit(h, 500);
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('25000');
    h.resources.cpu.setMaxLimit(h, undefined);
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('-1');
    expect(io.writes).toEqual([
      { file: 'cpu.cfs_quota_us', value: '25000' },
      { file: 'cpu.cfs_quota_us', value: '-1' },
    ]);
  });

  it('diff changes only the fields set', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpu.cfs_quota_us`, '50000\n');
    h.resources.cpu.apply(h, { cpu: { limit: 2000 } }, 'diff');
    expect(tree.read(`${dir}/cpu.shares`)).toBe('2048');
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('50000\n');
    expect(io.writes).toEqual([{ file: 'cpu.shares', value: '2048' }]);
  });

  it('replace puts unset fields back to defaults', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.cfs_quota_us`, '50000\n');
    h.resources.cpu.apply(h, { cpu: { limit: 2000 } }, 'replace');
    expect(tree.read(`${dir}/cpu.cfs_quota_us`)).toBe('-1');
  });

  it.each([
    ['quota below 1 ms', { max_limit: 5 }],
    ['shares above 262144', { limit: 256001 }],
  ])('%s → INVALID_ARGUMENT, nothing written', (_, c) => {
    const { h, io } = setup();
    expect(codeOf(() => resourcesFor(1).cpu.validate({ cpu: c }))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => h.resources.cpu.apply(h, { cpu: c }, 'create'))).toBe(Code.INVALID_ARGUMENT);
    expect(io.writes).toEqual([]);
  });

  it('validate accepts the bounds and rejects an unknown latency', () => {
    expect(() => resourcesFor(1).cpu.validate({ cpu: { limit: 0, max_limit: 10 } })).not.toThrow();
    expect(codeOf(() => resourcesFor(1).cpu.validate({ cpu: { scheduling_latency: 'FAST' as never } }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('BEST_EFFORT writes cpu.idle and no weight', () => {
    const { h, dir, io } = setup();
    h.resources.cpu.apply(h, { cpu: { scheduling_latency: 'BEST_EFFORT' } }, 'create');
    expect(io.writes.map((w) => `${w.file}=${w.value}`)).toEqual(['cpu.idle=1']);
    expect(tree.read(`${dir}/cpu.idle`)).toBe('1');
  });

  it('BEST_EFFORT with a limit → INVALID_ARGUMENT', () => {
    expect(codeOf(() => resourcesFor(1).cpu.validate({ cpu: { scheduling_latency: 'BEST_EFFORT', limit: 100 } }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('BEST_EFFORT without cpu.idle → UNIMPLEMENTED before any write', () => {
    const { h, dir, io } = setup();
    tree.remove(`${dir}/cpu.idle`);
    const err = (() => {
      try {
        h.resources.cpu.apply(h, { cpu: { scheduling_latency: 'BEST_EFFORT' } }, 'create');
      } catch (e) {
        return e as LmctfyError;
      }
    })();
    expect(err?.code).toBe(Code.UNIMPLEMENTED);
    expect(err?.message).toMatch(/cpu\.idle/);
    expect(io.writes).toEqual([]);
  });

  it.each(['NORMAL', 'PRIORITY', 'PREMIER'] as const)('%s changes no latency file', (lat) => {
    const { h, io } = setup();
    h.resources.cpu.apply(h, { cpu: { scheduling_latency: lat } }, 'diff');
    expect(io.writes).toEqual([]);
  });

  it('an idle group: a limit → FAILED_PRECONDITION; replace leaves the weight alone', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpu.idle`, '1\n');
    expect(codeOf(() => h.resources.cpu.apply(h, { cpu: { limit: 1000 } }, 'diff'))).toBe(Code.FAILED_PRECONDITION);
    expect(io.writes).toEqual([]);
    h.resources.cpu.apply(h, { cpu: { max_limit: 500 } }, 'replace');
    expect(io.writes.map((w) => `${w.file}=${w.value}`)).toEqual(['cpu.cfs_quota_us=50000']);
  });

  it('reads the spec back', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.shares`, '512\n');
    tree.write(`${dir}/cpu.cfs_quota_us`, '150000\n');
    expect(h.resources.cpu.read(h)).toEqual({ cpu: { limit: 500, max_limit: 1500 } });
    tree.write(`${dir}/cpu.cfs_quota_us`, '-1\n');
    expect(h.resources.cpu.read(h)).toEqual({ cpu: { limit: 500 } });
    tree.write(`${dir}/cpu.idle`, '1\n');
    expect(h.resources.cpu.read(h)).toEqual({ cpu: { scheduling_latency: 'BEST_EFFORT' } });
  });

  it('a malformed setting read back is DATA_LOSS naming the file', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.shares`, 'lots\n');
    expect(() => h.resources.cpu.read(h)).toThrow(/cpu\.shares/);
    expect(codeOf(() => h.resources.cpu.read(h))).toBe(Code.DATA_LOSS);
  });

  it('stats: throttling in ns; a missing cpu.stat is an absent field', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.stat`, 'nr_periods 10\nnr_throttled 4\nthrottled_time 123456\nnr_bursts 0\n');
    expect(h.resources.cpu.stats(h, 'summary')).toEqual({ cpu: { throttling_data: { periods: 10, throttled_periods: 4, throttled_time: 123456 } } });
    tree.remove(`${dir}/cpu.stat`);
    expect(h.resources.cpu.stats(h, 'full')).toEqual({});
  });

  it('a quota the kernel refuses keeps its errno and hints at the parent', () => {
    const dirs = v1Tree(tree, ['cpu']);
    const io = withFaults(fileIo(), [{ op: 'writeFile', path: 'cpu.cfs_quota_us', errno: 'EINVAL' }]);
    const h = handle({ version: 1, dirs, io });
    try {
      h.resources.cpu.apply(h, { cpu: { max_limit: 4000 } }, 'diff');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LmctfyError);
      expect((e as LmctfyError).errno).toBe('EINVAL');
      expect((e as LmctfyError).message).toMatch(/cpu\.max_limit of \/test to 400000.*parent/);
    }
  });

  it('a container without the cpu hierarchy: apply refuses, read and stats are empty', () => {
    const h = handle({ version: 1, dirs: {} });
    expect(codeOf(() => h.resources.cpu.apply(h, { cpu: {} }, 'create'))).toBe(Code.INVALID_ARGUMENT);
    expect(h.resources.cpu.read(h)).toBeUndefined();
    expect(h.resources.cpu.stats(h, 'full')).toEqual({});
  });
});

describe('cpu v2', () => {
  function setup(childFiles = V2_FRESH) {
    const dir = v2Tree(tree, {}, childFiles);
    const io = fileIo();
    return { h: handle({ version: 2, unified: dir, io }), dir, io };
  }

  it('defaults are weight 100 and max', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.weight`, '5\n');
    h.resources.cpu.apply(h, { cpu: {} }, 'create');
    expect(tree.read(`${dir}/cpu.weight`)).toBe('100');
    expect(tree.read(`${dir}/cpu.max`)).toBe('max');
  });

  it('limit → weight through shares; max_limit keeps the period', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.max`, 'max 50000\n');
    h.resources.cpu.apply(h, { cpu: { limit: 1000, max_limit: 500 } }, 'create');
    expect(tree.read(`${dir}/cpu.weight`)).toBe('100');
    expect(tree.read(`${dir}/cpu.max`)).toBe('25000 50000');
  });

  it('setMaxLimit writes cpu.max alone, keeping the period; undefined is max', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpu.max`, 'max 50000\n');
    h.resources.cpu.setMaxLimit(h, 500);
    expect(tree.read(`${dir}/cpu.max`)).toBe('25000 50000');
    h.resources.cpu.setMaxLimit(h, undefined);
    expect(tree.read(`${dir}/cpu.max`)).toBe('max');
    expect(io.writes).toEqual([
      { file: 'cpu.max', value: '25000 50000' },
      { file: 'cpu.max', value: 'max' },
    ]);
  });

  it('reads back limit and max_limit', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.weight`, '29\n');
    tree.write(`${dir}/cpu.max`, '200000 100000\n');
    // Weight 29 is what limit 200 (204 shares) gives, and so do its neighbours: 200 is the roundest.
    expect(h.resources.cpu.read(h)).toEqual({ cpu: { limit: 200, max_limit: 2000 } });
  });

  it('controller not enabled → UNIMPLEMENTED naming the parent subtree_control', () => {
    const files = { ...V2_FRESH, 'cgroup.controllers': 'memory pids\n' };
    delete (files as Record<string, string>)['cpu.weight'];
    delete (files as Record<string, string>)['cpu.max'];
    const { h, dir } = setup(files);
    try {
      h.resources.cpu.apply(h, { cpu: { limit: 100 } }, 'diff');
      expect.unreachable();
    } catch (e) {
      expect((e as LmctfyError).code).toBe(Code.UNIMPLEMENTED);
      expect((e as LmctfyError).message).toContain(`controller cpu is not enabled in ${dir.replace(/\/child$/, '')}/cgroup.subtree_control`);
    }
    expect(h.resources.cpu.read(h)).toBeUndefined();
  });

  it('stats: usage and throttling in ns, and PSI', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpu.stat`, 'usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n');
    tree.write(`${dir}/cpu.pressure`, 'some avg10=1.00 avg60=0.50 avg300=0.10 total=99\n');
    expect(h.resources.cpu.stats(h, 'summary')).toEqual({
      cpu: {
        usage: { total: 3_000_000, user: 2_000_000, system: 1_000_000 },
        throttling_data: { periods: 5, throttled_periods: 1, throttled_time: 7000 },
      },
      pressure: { cpu: { some: { avg10: 1, avg60: 0.5, avg300: 0.1, total: 99 } } },
    });
  });

  it('stats without the cpu controller: usage only; PSI off (EOPNOTSUPP) is absent', () => {
    const { dir } = setup();
    tree.write(`${dir}/cpu.stat`, 'usage_usec 10\nuser_usec 6\nsystem_usec 4\n');
    const io = withFaults(fileIo(), [{ op: 'readFile', path: 'cpu.pressure', errno: 'EOPNOTSUPP' }]);
    const h = handle({ version: 2, unified: dir, io });
    expect(h.resources.cpu.stats(h, 'full')).toEqual({ cpu: { usage: { total: 10_000, user: 6000, system: 4000 } } });
  });
});

describe('cpu counters', () => {
  it('a v1 counters pass leaves throttling to cpuThrottling()', () => {
    const dirs = v1Tree(tree, ['cpu']);
    tree.write(`${dirs.cpu!}/cpu.stat`, 'nr_periods 10\nnr_throttled 4\nthrottled_time 5000\n');
    const h = handle({ version: 1, dirs });
    expect(h.resources.cpu.stats(h, 'counters')).toEqual({});
    expect(cpuThrottling(h)).toEqual({ cpu: { throttling_data: { periods: 10, throttled_periods: 4, throttled_time: 5000 } } });
    expect(h.resources.cpu.stats(h, 'summary').cpu?.throttling_data?.throttled_periods).toBe(4);
  });
});

describe('cpuacct', () => {
  it('stats: usage, per-CPU, user/system ticks → ns', () => {
    const dirs = v1Tree(tree, ['cpuacct']);
    const dir = dirs.cpuacct!;
    tree.write(`${dir}/cpuacct.usage`, '5000000\n');
    tree.write(`${dir}/cpuacct.usage_percpu`, '3000000 2000000 \n');
    tree.write(`${dir}/cpuacct.stat`, 'user 30\nsystem 20\n');
    const h = handle({ version: 1, dirs });
    expect(cpuacct.stats(h, 'full')).toEqual({
      cpu: { usage: { total: 5_000_000, per_cpu: [3_000_000, 2_000_000], user: 300_000_000, system: 200_000_000 } },
    });
    // A summary pass leaves out the per-CPU split: nothing the console shows needs it.
    expect(cpuacct.stats(h, 'summary').cpu?.usage?.per_cpu).toBeUndefined();
  });

  it('histograms only in full stats and only where the patched file exists', () => {
    const dirs = v1Tree(tree, ['cpuacct']);
    const h = handle({ version: 1, dirs });
    expect(cpuacct.stats(h, 'full').cpu?.histograms).toBeUndefined();
    tree.write(`${dirs.cpuacct}/cpuacct.histogram`, 'unit: us\nserve\n< 1000 5\n< inf 1\n');
    expect(cpuacct.stats(h, 'summary').cpu?.histograms).toBeUndefined();
    expect(cpuacct.stats(h, 'full').cpu?.histograms).toEqual([
      {
        type: 'SERVE',
        stat: [
          { bucket: 1000, value: 5 },
          { bucket: OPEN_BUCKET, value: 1 },
        ],
      },
    ]);
  });

  it('never wanted, nothing on v2, absent files are absent fields', () => {
    expect(cpuacct.wants({ cpu: { limit: 1 } })).toBe(false);
    // v2 has no cpuacct: its cpu.stat gives usage (cpu v2 above).
    expect(resourcesFor(2).all.map((r) => r.controller)).not.toContain('cpuacct');
    expect(resourcesFor(1).all).toContain(cpuacct);
    const dirs = { cpuacct: tree.dir('empty') };
    expect(cpuacct.stats(handle({ version: 1, dirs }), 'full')).toEqual({});
  });

  it.each([
    [
      'two histograms',
      'unit: us\nserve\n< 1000 1\n< 5000 2\n< inf 5\noncpu\n< 1000 3\n',
      [
        { type: 'SERVE', stat: [{ bucket: 1000, value: 1 }, { bucket: 5000, value: 2 }, { bucket: OPEN_BUCKET, value: 5 }] },
        { type: 'ONCPU', stat: [{ bucket: 1000, value: 3 }] },
      ],
    ],
    ['unknown histogram skipped with its buckets', 'weird\n< 1 1\nsleep\n< 2 2\n', [{ type: 'SLEEP', stat: [{ bucket: 2, value: 2 }] }]],
    ['buckets before any name skipped', '< 1 1\nqueue_self\n', [{ type: 'QUEUE_SELF', stat: [] }]],
    ['malformed lines skipped', 'queue_other\n< x 1\n< 5 y\n< 5\n< 7 7\n', [{ type: 'QUEUE_OTHER', stat: [{ bucket: 7, value: 7 }] }]],
    ['inf is OPEN_BUCKET, apart from the last finite bucket', 'serve\n< inf 4\n', [{ type: 'SERVE', stat: [{ bucket: OPEN_BUCKET, value: 4 }] }]],
    ['empty', '', []],
  ])('parseCpuHistograms: %s', (_, text, want) => {
    expect(parseCpuHistograms(text)).toEqual(want);
  });
});

describe('cpuset', () => {
  const ONLINE = '/sys/devices/system/cpu/online';
  function withOnline(io: RecordingIo, online: string | undefined): RecordingIo {
    return {
      ...io,
      readFile: (p) => {
        if (p !== ONLINE) return io.readFile(p);
        if (online === undefined) throw new LmctfyError(Code.NOT_FOUND, `read ${p}: ENOENT`, { errno: 'ENOENT' });
        return online;
      },
    };
  }
  function setup(parentCpus = '0-3\n', online: string | undefined = '0-7\n') {
    const dirs = v1Tree(tree, ['cpuset'], { cpuset: { 'cpuset.cpus': parentCpus, 'cpuset.mems': '0\n', 'cpuset.effective_cpus': parentCpus } });
    const io = withOnline(fileIo(), online);
    return { h: handle({ version: 1, dirs, io }), dir: dirs.cpuset!, io };
  }

  it('prepareCpuset copies the parent cpus and mems into empty files', () => {
    const { h, dir } = setup();
    prepareCpuset(h);
    expect(tree.read(`${dir}/cpuset.cpus`)).toBe('0-3');
    expect(tree.read(`${dir}/cpuset.mems`)).toBe('0');
  });

  it('prepareCpuset never clobbers set values', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/cpuset.cpus`, '1\n');
    prepareCpuset(h);
    expect(tree.read(`${dir}/cpuset.cpus`)).toBe('1\n');
    expect(io.writes).toEqual([{ file: 'cpuset.mems', value: '0' }]);
  });

  it('prepareCpuset with an empty parent → FAILED_PRECONDITION', () => {
    const { h } = setup('\n');
    expect(codeOf(() => prepareCpuset(h))).toBe(Code.FAILED_PRECONDITION);
  });

  it('prepareCpuset does nothing on v2', () => {
    const io = fileIo();
    prepareCpuset(handle({ version: 2, unified: v2Tree(tree), io }));
    expect(io.writes).toEqual([]);
  });

  it('mask → cpuset.cpus list', () => {
    const { h, dir } = setup();
    h.resources.cpuset.apply(h, { cpu: { mask: { data: [0b1101] } } }, 'create');
    expect(tree.read(`${dir}/cpuset.cpus`)).toBe('0,2-3');
  });

  it.each([
    ['a CPU outside the parent', '0-3\n', '0-7\n', [0b10000], /CPU 4, not available.*0-3/],
    ['an offline CPU', '\n', '0-1\n', [0b100], /CPU 2, not available.*0-1/],
  ])('%s → INVALID_ARGUMENT, nothing written', (_, parentCpus, online, data, msg) => {
    const { h, io } = setup(parentCpus, online);
    expect(() => h.resources.cpuset.apply(h, { cpu: { mask: { data } } }, 'create')).toThrow(msg);
    expect(io.writes).toEqual([]);
  });

  it('an empty mask → INVALID_ARGUMENT', () => {
    expect(codeOf(() => resourcesFor(1).cpuset.validate({ cpu: { mask: { data: [0, 0] } } }))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => resourcesFor(1).cpuset.validate({ cpu: { mask: {} } }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('replace without a mask goes back to the parent cpus', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpuset.cpus`, '1\n');
    h.resources.cpuset.apply(h, { cpu: {} }, 'replace');
    expect(tree.read(`${dir}/cpuset.cpus`)).toBe('0-3');
  });

  it.each([
    ['0-1\n', { cpu: { mask: { data: [3] } } }],
    ['0,64\n', { cpu: { mask: { data: [1, 1] } } }],
    ['\n', undefined],
  ])('reads %j back', (text, want) => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpuset.cpus`, text);
    expect(h.resources.cpuset.read(h)).toEqual(want);
  });

  it.each([
    ['a malformed list', '0-\n'],
    ['a CPU no JS number word can carry', '60\n'],
  ])('reading %s → DATA_LOSS', (_, text) => {
    const { h, dir } = setup();
    tree.write(`${dir}/cpuset.cpus`, text);
    expect(codeOf(() => h.resources.cpuset.read(h))).toBe(Code.DATA_LOSS);
  });

  it('v2: writes cpuset.cpus; without it → UNIMPLEMENTED', () => {
    const dir = v2Tree(tree, { 'cpuset.cpus.effective': '0-1\n' });
    const io: KernelIo = withOnline(fileIo(), '0-1\n');
    const h = handle({ version: 2, unified: dir, io });
    h.resources.cpuset.apply(h, { cpu: { mask: { data: [2] } } }, 'diff');
    expect(tree.read(`${dir}/cpuset.cpus`)).toBe('1');
    expect(h.resources.cpuset.read(h)).toEqual({ cpu: { mask: { data: [2] } } });
    tree.remove(`${dir}/cpuset.cpus`);
    expect(codeOf(() => h.resources.cpuset.apply(h, { cpu: { mask: { data: [2] } } }, 'diff'))).toBe(Code.UNIMPLEMENTED);
    expect(h.resources.cpuset.read(h)).toBeUndefined();
  });
});

describe("the recorder's cheap reads (ResourceSet.cpuUsage, unpopulated)", () => {
  /** An io that lists the files read. */
  const counting = () => {
    const io = fileIo();
    const read: string[] = [];
    return { io: { ...io, readFile: (f: string) => (read.push(f.slice(f.lastIndexOf('/') + 1)), io.readFile(f)) }, read };
  };

  it('v2: CPU time from cpu.stat alone (not cpu.pressure)', () => {
    const dir = v2Tree(tree);
    tree.write(`${dir}/cpu.stat`, 'usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\n');
    tree.write(`${dir}/cpu.pressure`, 'some avg10=1.00 avg60=0.50 avg300=0.10 total=99\n');
    const { io, read } = counting();
    const h = handle({ version: 2, unified: dir, io });
    expect(h.resources.cpuUsage(h)).toBe(3_000_000);
    expect(read).toEqual(['cpu.stat']);
  });

  it.each<[string, string | undefined, boolean]>([
    ['populated 0', 'populated 0\nfrozen 0\n', true],
    ['populated 1', 'populated 1\nfrozen 0\n', false],
    ['no cgroup.events', undefined, false],
  ])('v2 unpopulated: %s → %s', (_, events, want) => {
    const dir = v2Tree(tree);
    if (events !== undefined) tree.write(`${dir}/cgroup.events`, events);
    else tree.remove(`${dir}/cgroup.events`);
    const h = handle({ version: 2, unified: dir });
    expect(h.resources.unpopulated(h)).toBe(want);
  });

  it.each<[string, string, boolean, boolean]>([
    ['no task, no child', '', false, true],
    ['a task', '1234\n', false, false],
    ['no task, a child cgroup', '', true, false],
  ])('v1 unpopulated: %s → %s', (_, tasks, child, want) => {
    const dirs = v1Tree(tree, ['cpuacct']);
    tree.write(`${dirs.cpuacct!}/tasks`, tasks);
    if (child) tree.dir(`${dirs.cpuacct!.slice(tree.root.length + 1)}/kid`, {});
    const h = handle({ version: 1, dirs });
    expect(h.resources.unpopulated(h)).toBe(want);
  });
});
