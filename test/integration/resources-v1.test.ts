import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import type { V1Controller } from '../../src/engine/kernel/layout.js';
import { blkioV1 as blkio } from '../../src/engine/resources/v1/blkio.js';
import { cpuV1 as cpu } from '../../src/engine/resources/v1/cpu.js';
import { cpuacctV1 as cpuacct } from '../../src/engine/resources/v1/cpuacct.js';
import { prepareCpuset } from '../../src/engine/resources/cpuset.js';
import { cpusetV1 as cpuset } from '../../src/engine/resources/v1/cpuset.js';
import { devicesV1 as devices } from '../../src/engine/resources/v1/devices.js';
import { memoryV1 as memory } from '../../src/engine/resources/v1/memory.js';
import { pids } from '../../src/engine/resources/pids.js';
import { describeCgroups, removeRoot, uniqueRoot } from '../helpers/cgroups.js';
import { killChild, makeDirs, realDirs, spawnInside, v1Handle } from '../fixtures/cgroupfs/real.js';
import { errorOf } from '../helpers/errors.js';

const M = 1024 * 1024;
const CONTROLLERS: V1Controller[] = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices'];

function read(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

/** The first block device the kernel lists, as MAJ:MIN numbers. */
function firstBlockDevice(): { major: number; minor: number } | undefined {
  const line = fs
    .readFileSync('/proc/partitions', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((w) => w.length === 4 && /^\d+$/.test(w[0]!));
  return line && { major: Number(line[0]), minor: Number(line[1]) };
}

describeCgroups('resources on real cgroup v1', () => {
  const root = uniqueRoot('res-v1');
  const parent = new Map<V1Controller, string>();
  const child = new Map<V1Controller, string>();
  const children: ChildProcess[] = [];

  beforeAll(() => {
    const top = realDirs(root);
    const below = realDirs(`${root}/c`);
    for (const c of CONTROLLERS) {
      const p = top.v1.get(c);
      const d = below.v1.get(c);
      if (p === undefined || d === undefined) throw new Error(`hierarchy ${c} is not mounted`);
      parent.set(c, p);
      child.set(c, d);
    }
    makeDirs(new Set(parent.values()));
    makeDirs(new Set(child.values()));
  });

  afterAll(async () => {
    for (const c of children) await killChild(c);
    const left = await removeRoot(root);
    expect(left).toEqual([]);
  });

  const h = () => v1Handle('/c', child);

  it('cpu: shares and quota are written and read back', () => {
    cpu.apply(h(), { cpu: { limit: 500, max_limit: 1500 } }, 'create');
    expect(read(`${child.get('cpu')}/cpu.shares`)).toBe('512');
    expect(read(`${child.get('cpu')}/cpu.cfs_quota_us`)).toBe('150000');
    expect(cpu.read(h())).toEqual({ cpu: { limit: 500, max_limit: 1500 } });
    cpu.apply(h(), { cpu: { limit: 500 } }, 'replace');
    expect(read(`${child.get('cpu')}/cpu.cfs_quota_us`)).toBe('-1');
    expect(cpu.stats(h(), 'summary').cpu?.throttling_data?.periods).toBeTypeOf('number');
  });

  it.each([
    [200, '204'],
    [0, '2'],
    [1, '2'],
  ])('cpu: limit %s is held as %s shares and reads back as the roundest limit giving them', (limit, shares) => {
    cpu.apply(h(), { cpu: { limit } }, 'diff');
    expect(read(`${child.get('cpu')}/cpu.shares`)).toBe(shares);
    expect(cpu.read(h())?.cpu?.limit).toBe(limit === 1 ? 0 : limit);
  });

  it('cpu: BEST_EFFORT sets cpu.idle; an idle group refuses a limit', () => {
    const dir = child.get('cpu')!;
    if (!fs.existsSync(`${dir}/cpu.idle`)) return;
    cpu.apply(h(), { cpu: { scheduling_latency: 'BEST_EFFORT' } }, 'replace');
    expect(read(`${dir}/cpu.idle`)).toBe('1');
    expect(cpu.read(h())).toEqual({ cpu: { scheduling_latency: 'BEST_EFFORT' } });
    expect(errorOf(() => cpu.apply(h(), { cpu: { limit: 2000 } }, 'diff'))?.code).toBe(Code.FAILED_PRECONDITION);
    cpu.apply(h(), { cpu: { scheduling_latency: 'BEST_EFFORT', max_limit: 500 } }, 'replace');
    expect(read(`${dir}/cpu.cfs_quota_us`)).toBe('50000');
  });

  it('memory: limit and swap written in a working order both ways, read back', () => {
    const dir = child.get('memory')!;
    const hasMemsw = fs.existsSync(`${dir}/memory.memsw.limit_in_bytes`);
    const spec = (limit: number, swap: number) => ({ memory: hasMemsw ? { limit, swap_limit: swap } : { limit } });
    memory.apply(h(), spec(64 * M, 128 * M), 'create');
    expect(read(`${dir}/memory.limit_in_bytes`)).toBe(String(64 * M));
    memory.apply(h(), spec(32 * M, 48 * M), 'diff');
    memory.apply(h(), spec(256 * M, 512 * M), 'diff');
    expect(read(`${dir}/memory.limit_in_bytes`)).toBe(String(256 * M));
    expect(memory.read(h())).toEqual({ memory: { limit: 256 * M, reservation: 0, ...(hasMemsw ? { swap_limit: 512 * M } : {}) } });
    memory.apply(h(), { memory: {} }, 'replace');
    expect(memory.read(h())?.memory?.limit).toBe(-1);
  });

  it('memory: a limit below usage is refused with the numbers; the old limit stays', async () => {
    const dir = child.get('memory')!;
    memory.apply(h(), { memory: { limit: 256 * M } }, 'diff');
    const script = "const b = Buffer.alloc(48 * 1024 * 1024, 1); console.log('ready'); setInterval(() => b[0]++, 1000);";
    const c = await spawnInside([`${dir}/cgroup.procs`], [process.execPath, '-e', script]);
    children.push(c);
    const err = errorOf(() => memory.apply(h(), { memory: { limit: 16 * M } }, 'diff'));
    expect(err?.code).toBe(Code.FAILED_PRECONDITION);
    expect(err?.message).toMatch(new RegExp(`to ${16 * M}: below the current usage \\d+ bytes.*stays ${256 * M}`));
    expect(read(`${dir}/memory.limit_in_bytes`)).toBe(String(256 * M));
    const stats = memory.stats(h(), 'full').memory!;
    expect(stats.usage).toBeGreaterThan(40 * M);
    expect(stats.working_set).toBeGreaterThan(40 * M);
    expect(stats.container_data?.rss).toBeGreaterThan(40 * M);
    await killChild(c);
  });

  it('pids: pids.max written, read back, counted', () => {
    pids.apply(h(), { pids: { limit: 10 } }, 'create');
    expect(read(`${child.get('pids')}/pids.max`)).toBe('10');
    expect(pids.read(h())).toEqual({ pids: { limit: 10 } });
    expect(pids.stats(h(), 'summary').pids).toEqual({ current: 0, limit: 10 });
  });

  it('cpuset: empty cpus and mems are copied from the parent, then a mask narrows them', () => {
    const p = v1Handle('/', parent);
    prepareCpuset(p);
    prepareCpuset(h());
    const dir = child.get('cpuset')!;
    const parentCpus = read(`${parent.get('cpuset')}/cpuset.cpus`);
    expect(parentCpus).not.toBe('');
    expect(read(`${dir}/cpuset.cpus`)).toBe(parentCpus);
    expect(read(`${dir}/cpuset.mems`)).toBe(read(`${parent.get('cpuset')}/cpuset.mems`));
    cpuset.apply(h(), { cpu: { mask: { data: [1] } } }, 'diff');
    expect(read(`${dir}/cpuset.cpus`)).toBe('0');
    expect(cpuset.read(h())).toEqual({ cpu: { mask: { data: [1] } } });
    expect(errorOf(() => cpuset.apply(h(), { cpu: { mask: { data: [2 ** 40] } } }, 'diff'))?.code).toBe(Code.INVALID_ARGUMENT);
    expect(read(`${dir}/cpuset.cpus`)).toBe('0');
  });

  it('devices: rules land in devices.list; replace goes back to the parent list', () => {
    const dir = child.get('devices')!;
    devices.apply(
      h(),
      {
        device: {
          restrictions_set: {
            restrictions: [
              { permission: 'DENY', type: 'DEVICE_ALL' },
              { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE', 'MKNOD'], major: 1, minor: 3 },
            ],
          },
        },
      },
      'create',
    );
    expect(read(`${dir}/devices.list`)).toBe('c 1:3 rwm');
    expect(devices.read(h())?.device?.restrictions_set?.restrictions).toHaveLength(1);
    devices.apply(h(), { device: {} }, 'replace');
    expect(read(`${dir}/devices.list`)).toBe(read(`${parent.get('devices')}/devices.list`));
  });

  it('blkio: a throttle on a real device is read back; a missing device is named', () => {
    const d = firstBlockDevice();
    if (!d) return;
    const spec = {
      blockio: { max_device_limit_set: { max_limits: [{ op_type: 'READ' as const, limit_type: 'BYTES_PER_SECOND' as const, limits: [{ device: d, limit: 1_000_000 }] }] } },
    };
    blkio.apply(h(), spec, 'diff');
    expect(read(`${child.get('blkio')}/blkio.throttle.read_bps_device`)).toBe(`${d.major}:${d.minor} 1000000`);
    expect(blkio.read(h())?.blockio?.max_device_limit_set).toEqual(spec.blockio.max_device_limit_set);
    const missing = { major: 4000, minor: 4000 };
    const err = errorOf(() =>
      blkio.apply(
        h(),
        { blockio: { max_device_limit_set: { max_limits: [{ op_type: 'WRITE', limit_type: 'IO_PER_SECOND', limits: [{ device: missing, limit: 5 }] }] } } },
        'diff',
      ),
    );
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(err?.message).toContain('block device 4000:4000 does not exist');
    blkio.apply(h(), { blockio: {} }, 'replace');
    expect(read(`${child.get('blkio')}/blkio.throttle.read_bps_device`)).toBe('');
  });

  it('cpuacct: usage counters are present', () => {
    const s = cpuacct.stats(h(), 'full').cpu?.usage;
    expect(s?.total).toBeTypeOf('number');
    expect(s?.per_cpu?.length).toBeGreaterThan(0);
    expect(s?.user).toBeTypeOf('number');
  });
});
