import type { BlockIoSpec, ContainerStats, IoDeviceStats } from '../../../messages/types.js';
import {
  THROTTLE_KEYS,
  applyWeights,
  blkioWants,
  maxLimitsOf,
  parseIoStat,
  planOf,
  readWeights,
  same,
  sortedDevices,
  validateBlkio,
  writeLine,
  type BlkioPlan,
  type ThrottleKey,
  type WeightScheme,
} from '../blkio.js';
import { blkioWeightToIoWeight, ioWeightToBlkioWeight } from '../conversions.js';
import { isolatedDir, readOptional, readPressure } from '../files.js';
import { parseInteger, parseNestedKeyed } from '../parse.js';
import type { CgroupHandle, Resource } from '../types.js';

/** blkio on cgroup v2 (the io controller): io.bfq.weight or io.weight, io.max, io.stat. */

/** bfq's first: the same 1..1000 scale, no mapping. */
const WEIGHTS: WeightScheme = {
  candidates: [
    { weight: 'io.bfq.weight', device: 'io.bfq.weight', toFile: same, fromFile: same, dflt: 100 },
    { weight: 'io.weight', device: 'io.weight', toFile: blkioWeightToIoWeight, fromFile: ioWeightToBlkioWeight, dflt: 100 },
  ],
  missing: 'io.weight',
  defaultLine: (value) => `default ${value}`,
};

function applyThrottles(h: CgroupHandle, dir: string, plan: BlkioPlan, replace: boolean): void {
  const file = `${dir}/io.max`;
  const ids = new Set(plan.throttles.keys());
  if (replace) for (const line of parseNestedKeyed(readOptional(h.io, file) ?? '')) ids.add(line.key);
  for (const id of ids) {
    const t = plan.throttles.get(id) ?? {};
    const parts = THROTTLE_KEYS.filter((k) => replace || t[k] !== undefined).map((k) => `${k}=${t[k] ? t[k] : 'max'}`);
    if (parts.length > 0) writeLine(h, file, `${id} ${parts.join(' ')}`, 'blockio.max_device_limit_set', id);
  }
}

function* throttles(h: CgroupHandle, dir: string): Generator<[ThrottleKey, string, number]> {
  for (const { key: id, fields } of parseNestedKeyed(readOptional(h.io, `${dir}/io.max`) ?? '')) {
    for (const key of THROTTLE_KEYS) {
      const n = parseInteger(fields.get(key) ?? 'max');
      if (n !== undefined) yield [key, id, n];
    }
  }
}

export const blkioV2: Resource = {
  controller: 'blkio',
  wants: blkioWants,
  validate: validateBlkio,
  isolated(h) {
    const dir = h.dir('blkio');
    return dir !== undefined && h.io.exists(`${dir}/io.max`);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'blkio');
    const plan = planOf(spec.blockio);
    applyWeights(h, dir, plan, policy, WEIGHTS);
    applyThrottles(h, dir, plan, policy === 'replace');
  },
  read(h) {
    if (!blkioV2.isolated(h)) return undefined;
    const dir = h.dir('blkio')!;
    const out: BlockIoSpec = {};
    readWeights(h, dir, out, WEIGHTS);
    const maxLimits = maxLimitsOf(throttles(h, dir));
    if (maxLimits.length > 0) out.max_device_limit_set = { max_limits: maxLimits };
    return { blockio: out };
  },
  stats(h): ContainerStats {
    const dir = h.dir('blkio');
    if (dir === undefined) return {};
    const out: ContainerStats = {};
    const map = new Map<string, IoDeviceStats>();
    const stat = readOptional(h.io, `${dir}/io.stat`);
    if (stat !== undefined) parseIoStat(stat, map);
    const devices = sortedDevices(map);
    if (devices.length > 0) out.blockio = { devices };
    const p = readPressure(h.io, `${dir}/io.pressure`);
    if (p) out.pressure = { io: p };
    return out;
  },
};
