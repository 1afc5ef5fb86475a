import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { parseBlkioLines, parseDefaultWeight, parseIoStat, planOf } from '../../src/engine/resources/blkio.js';
import type { BlockIoSpec, IoDeviceStats } from '../../src/messages/types.js';
import { FakeTree, V2_FRESH, fileIo, handle, v1Tree, v2Tree } from '../fixtures/cgroupfs/fake.js';
import { errorOf } from '../helpers/errors.js';
import { resourcesFor } from '../../src/engine/resources/index.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

const dev = (major: number, minor: number) => ({ major, minor });
const SPEC: BlockIoSpec = {
  device_limit_set: { default_limit: 300, device_limits: [{ device: dev(254, 0), limit: 700 }] },
  max_device_limit_set: {
    max_limits: [
      { op_type: 'READ', limit_type: 'BYTES_PER_SECOND', limits: [{ device: dev(254, 0), limit: 1_000_000 }] },
      { op_type: 'WRITE', limit_type: 'IO_PER_SECOND', limits: [{ device: dev(254, 0), limit: 50 }] },
    ],
  },
};

describe('planOf (validation)', () => {
  it('keys the spec by device', () => {
    const plan = planOf(SPEC);
    expect(plan.weight).toBe(300);
    expect([...plan.deviceWeights]).toEqual([['254:0', 700]]);
    expect([...plan.throttles]).toEqual([['254:0', { rbps: 1_000_000, wiops: 50 }]]);
  });

  it.each<[string, BlockIoSpec, RegExp]>([
    ['weight 0', { device_limit_set: { default_limit: 0 } }, /default_limit: 0 is out of range \[1, 1000\]/],
    ['weight 1001', { device_limit_set: { default_limit: 1001 } }, /default_limit/],
    ['device without minor', { device_limit_set: { device_limits: [{ device: { major: 8 }, limit: 100 }] } }, /device_limits\[0\]\.device/],
    ['device weight without limit', { device_limit_set: { device_limits: [{ device: dev(8, 0) }] } }, /device_limits\[0\]\.limit/],
    ['no op_type', { max_device_limit_set: { max_limits: [{ limit_type: 'IO_PER_SECOND', limits: [] }] } }, /max_limits\[0\]\.op_type/],
    ['no limit_type', { max_device_limit_set: { max_limits: [{ op_type: 'READ', limits: [] }] } }, /max_limits\[0\]\.limit_type/],
    [
      'negative throttle',
      { max_device_limit_set: { max_limits: [{ op_type: 'READ', limit_type: 'IO_PER_SECOND', limits: [{ device: dev(8, 0), limit: -1 }] }] } },
      /limits\[0\]\.limit/,
    ],
  ])('%s → INVALID_ARGUMENT naming the field', (_, spec, msg) => {
    const err = errorOf(() => resourcesFor(1).blkio.validate({ blockio: spec }));
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(err?.message).toMatch(msg);
  });
});

describe('blkio v1', () => {
  function setup() {
    const dirs = v1Tree(tree, ['blkio']);
    const io = fileIo();
    return { h: handle({ version: 1, dirs, io }), dir: dirs.blkio!, io };
  }

  it('writes weight, device weight and throttles to the bfq and throttle files', () => {
    const { h, io } = setup();
    h.resources.blkio.apply(h, { blockio: SPEC }, 'create');
    expect(io.writes).toEqual([
      { file: 'blkio.bfq.weight', value: '300' },
      { file: 'blkio.bfq.weight_device', value: '254:0 700' },
      { file: 'blkio.throttle.read_bps_device', value: '254:0 1000000' },
      { file: 'blkio.throttle.write_iops_device', value: '254:0 50' },
    ]);
  });

  it('prefers legacy blkio.weight where the kernel has it', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/blkio.weight`, '500\n');
    tree.write(`${dir}/blkio.weight_device`, '');
    h.resources.blkio.apply(h, { blockio: { device_limit_set: { default_limit: 200 } } }, 'diff');
    expect(io.writes).toEqual([{ file: 'blkio.weight', value: '200' }]);
  });

  it('no weight file at all → UNIMPLEMENTED only when a weight is asked', () => {
    const { h, dir, io } = setup();
    tree.remove(`${dir}/blkio.bfq.weight`);
    tree.remove(`${dir}/blkio.bfq.weight_device`);
    expect(errorOf(() => h.resources.blkio.apply(h, { blockio: { device_limit_set: { default_limit: 200 } } }, 'diff'))?.code).toBe(Code.UNIMPLEMENTED);
    h.resources.blkio.apply(h, { blockio: {} }, 'replace');
    expect(io.writes).toEqual([]);
  });

  it('replace resets the weight and removes rules the spec no longer names', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/blkio.bfq.weight`, '300\n');
    tree.write(`${dir}/blkio.bfq.weight_device`, 'default 300\n254:0 700\n');
    tree.write(`${dir}/blkio.throttle.read_bps_device`, '254:0 1000000\n');
    h.resources.blkio.apply(h, { blockio: {} }, 'replace');
    expect(io.writes).toEqual([
      { file: 'blkio.bfq.weight', value: '100' },
      { file: 'blkio.bfq.weight_device', value: '254:0 default' },
      { file: 'blkio.throttle.read_bps_device', value: '254:0 0' },
    ]);
  });

  it.each([
    ['ENODEV', Code.INVALID_ARGUMENT, /block device 254:0 does not exist/],
    ['ENOTSUP', Code.UNIMPLEMENTED, /block device 254:0 does not support this setting.*bfq/],
  ])('the kernel refusing a device with %s → a clear error naming the device', (errno, code, msg) => {
    const dirs = v1Tree(tree, ['blkio']);
    const io = withFaults(fileIo(), [{ op: 'writeFile', path: /_device$/, errno }]);
    const h = handle({ version: 1, dirs, io });
    const err = errorOf(() => h.resources.blkio.apply(h, { blockio: { device_limit_set: { device_limits: [{ device: dev(254, 0), limit: 10 }] } } }, 'diff'));
    expect(err?.code).toBe(code);
    expect(err?.message).toMatch(msg);
    expect(err?.errno).toBe(errno);
  });

  it('reads the spec back', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/blkio.bfq.weight`, '300\n');
    tree.write(`${dir}/blkio.bfq.weight_device`, 'default 300\n254:0 700\n');
    tree.write(`${dir}/blkio.throttle.read_bps_device`, '254:0 1000000\n');
    tree.write(`${dir}/blkio.throttle.write_iops_device`, '254:0 50\n8:0 9\n');
    expect(h.resources.blkio.read(h)).toEqual({
      blockio: {
        device_limit_set: { default_limit: 300, device_limits: [{ device: dev(254, 0), limit: 700 }] },
        max_device_limit_set: {
          max_limits: [
            { op_type: 'READ', limit_type: 'BYTES_PER_SECOND', limits: [{ device: dev(254, 0), limit: 1_000_000 }] },
            { op_type: 'WRITE', limit_type: 'IO_PER_SECOND', limits: [{ device: dev(254, 0), limit: 50 }, { device: dev(8, 0), limit: 9 }] },
          ],
        },
      },
    });
  });

  it('stats: recursive service bytes and ios per device, sorted', () => {
    const { h, dir } = setup();
    tree.write(
      `${dir}/blkio.throttle.io_service_bytes_recursive`,
      '254:0 Read 100\n254:0 Write 200\n254:0 Sync 300\n254:0 Total 300\n8:0 Read 1\nTotal 301\n',
    );
    tree.write(`${dir}/blkio.throttle.io_serviced_recursive`, '254:0 Read 3\n254:0 Write 4\n');
    expect(h.resources.blkio.stats(h, 'summary')).toEqual({
      blockio: {
        devices: [
          { device: dev(8, 0), read_bytes: 1 },
          { device: dev(254, 0), read_bytes: 100, write_bytes: 200, read_ios: 3, write_ios: 4 },
        ],
      },
    });
  });

  it('stats: no activity and no files → no blockio', () => {
    const { h, dir } = setup();
    expect(h.resources.blkio.stats(h, 'full')).toEqual({});
    tree.remove(`${dir}/blkio.throttle.io_service_bytes_recursive`);
    expect(h.resources.blkio.stats(h, 'full')).toEqual({});
  });
});

describe('blkio v2', () => {
  function setup(childFiles = V2_FRESH) {
    const dir = v2Tree(tree, {}, childFiles);
    const io = fileIo();
    return { h: handle({ version: 2, unified: dir, io }), dir, io };
  }

  it('writes io.weight (mapped) and one io.max line per device', () => {
    const { h, io } = setup();
    h.resources.blkio.apply(h, { blockio: SPEC }, 'create');
    expect(io.writes).toEqual([
      { file: 'io.weight', value: 'default 2930' },
      { file: 'io.weight', value: '254:0 6970' },
      { file: 'io.max', value: '254:0 rbps=1000000 wiops=50' },
    ]);
  });

  it('uses io.bfq.weight unmapped where it exists', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/io.bfq.weight`, 'default 100\n');
    h.resources.blkio.apply(h, { blockio: { device_limit_set: { default_limit: 300 } } }, 'diff');
    expect(io.writes).toEqual([{ file: 'io.bfq.weight', value: 'default 300' }]);
  });

  it('replace sets all four limits and lifts rules on devices no longer named', () => {
    const { h, dir, io } = setup();
    tree.write(`${dir}/io.max`, '8:0 rbps=5 wbps=max riops=max wiops=max\n');
    h.resources.blkio.apply(h, { blockio: { max_device_limit_set: SPEC.max_device_limit_set } }, 'replace');
    expect(io.writes.filter((w) => w.file === 'io.max')).toEqual([
      { file: 'io.max', value: '254:0 rbps=1000000 wbps=max riops=max wiops=50' },
      { file: 'io.max', value: '8:0 rbps=max wbps=max riops=max wiops=max' },
    ]);
  });

  it('reads io.weight and io.max back in the v1 scale', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/io.weight`, 'default 2930\n254:0 6970\n');
    tree.write(`${dir}/io.max`, '254:0 rbps=1000000 wbps=max riops=max wiops=50\n');
    expect(h.resources.blkio.read(h)).toEqual({
      blockio: {
        device_limit_set: { default_limit: 300, device_limits: [{ device: dev(254, 0), limit: 700 }] },
        max_device_limit_set: SPEC.max_device_limit_set,
      },
    });
  });

  it('io not enabled → UNIMPLEMENTED naming subtree_control; read undefined', () => {
    const files: Record<string, string> = { ...V2_FRESH, 'cgroup.controllers': 'memory\n' };
    for (const f of ['io.max', 'io.weight']) delete files[f];
    const { h } = setup(files);
    const spec = { blockio: { max_device_limit_set: SPEC.max_device_limit_set } };
    expect(errorOf(() => h.resources.blkio.apply(h, spec, 'diff'))?.message).toMatch(/controller io is not enabled in .*cgroup\.subtree_control/);
    expect(h.resources.blkio.read(h)).toBeUndefined();
  });

  it('stats: io.stat per device and io.pressure', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/io.stat`, '254:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n');
    tree.write(`${dir}/io.pressure`, 'some avg10=0.00 avg60=0.00 avg300=0.00 total=8\n');
    expect(h.resources.blkio.stats(h, 'summary')).toEqual({
      blockio: { devices: [{ device: dev(254, 0), read_bytes: 10, write_bytes: 20, read_ios: 1, write_ios: 2 }] },
      pressure: { io: { some: { avg10: 0, avg60: 0, avg300: 0, total: 8 } } },
    });
  });
});

describe('parsers', () => {
  it.each([
    ['100\n', 100],
    ['default 100\n8:0 300\n', 100],
    ['default\n', undefined],
    ['', undefined],
  ])('parseDefaultWeight(%j) = %s', (text, want) => {
    expect(parseDefaultWeight(text)).toBe(want);
  });

  it('parseBlkioLines skips unknown ops, malformed lines and the total', () => {
    const map = new Map<string, IoDeviceStats>();
    parseBlkioLines('8:0 Read 5\n8:0 Discard 9\n8:0 Read x\nbad Read 1\n8:0 Write -3\nTotal 5\n', map, 'read_bytes', 'write_bytes');
    expect([...map.values()]).toEqual([{ device: dev(8, 0), read_bytes: 5 }]);
  });

  it('parseIoStat keeps known keys only', () => {
    const map = new Map<string, IoDeviceStats>();
    parseIoStat('8:0 rbytes=5 future=1 wios=x\nnot-a-device rbytes=1\n', map);
    expect([...map.values()]).toEqual([{ device: dev(8, 0), read_bytes: 5 }]);
  });
});
