import type { BlockIoSpec, ContainerStats, IoDeviceStats } from '../../../messages/types.js';
import {
  THROTTLE_KEYS,
  applyWeights,
  blkioWants,
  deviceValuesIn,
  maxLimitsOf,
  parseBlkioLines,
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
import { isolatedDir, readOptional } from '../files.js';
import type { CgroupHandle, Resource } from '../types.js';

/** blkio on cgroup v1: blkio.weight or blkio.bfq.weight, blkio.throttle.* per device. */

const THROTTLE_FILE: Readonly<Record<ThrottleKey, string>> = {
  rbps: 'blkio.throttle.read_bps_device',
  wbps: 'blkio.throttle.write_bps_device',
  riops: 'blkio.throttle.read_iops_device',
  wiops: 'blkio.throttle.write_iops_device',
};

const WEIGHTS: WeightScheme = {
  candidates: [
    { weight: 'blkio.weight', device: 'blkio.weight_device', toFile: same, fromFile: same, dflt: 500 },
    { weight: 'blkio.bfq.weight', device: 'blkio.bfq.weight_device', toFile: same, fromFile: same, dflt: 100 },
  ],
  missing: 'blkio.bfq.weight',
  defaultLine: String,
};

function applyThrottles(h: CgroupHandle, dir: string, plan: BlkioPlan, replace: boolean): void {
  for (const key of THROTTLE_KEYS) {
    const file = `${dir}/${THROTTLE_FILE[key]}`;
    if (replace) {
      for (const id of deviceValuesIn(readOptional(h.io, file) ?? '').keys()) {
        if (plan.throttles.get(id)?.[key] === undefined) writeLine(h, file, `${id} 0`, 'blockio.max_device_limit_set', id);
      }
    }
    for (const [id, t] of plan.throttles) {
      const limit = t[key];
      if (limit !== undefined) writeLine(h, file, `${id} ${limit}`, 'blockio.max_device_limit_set', id);
    }
  }
}

function* throttles(h: CgroupHandle, dir: string): Generator<[ThrottleKey, string, number]> {
  for (const key of THROTTLE_KEYS) {
    for (const [id, limit] of deviceValuesIn(readOptional(h.io, `${dir}/${THROTTLE_FILE[key]}`) ?? '')) yield [key, id, limit];
  }
}

function readOneOf(h: CgroupHandle, files: string[]): string | undefined {
  for (const f of files) {
    const text = readOptional(h.io, f);
    if (text !== undefined) return text;
  }
  return undefined;
}

export const blkioV1: Resource = {
  controller: 'blkio',
  wants: blkioWants,
  validate: validateBlkio,
  isolated: (h) => h.dir('blkio') !== undefined,
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'blkio');
    const plan = planOf(spec.blockio);
    applyWeights(h, dir, plan, policy, WEIGHTS);
    applyThrottles(h, dir, plan, policy === 'replace');
  },
  read(h) {
    const dir = h.dir('blkio');
    if (dir === undefined) return undefined;
    const out: BlockIoSpec = {};
    readWeights(h, dir, out, WEIGHTS);
    const maxLimits = maxLimitsOf(throttles(h, dir));
    if (maxLimits.length > 0) out.max_device_limit_set = { max_limits: maxLimits };
    return { blockio: out };
  },
  stats(h): ContainerStats {
    const dir = h.dir('blkio');
    if (dir === undefined) return {};
    const map = new Map<string, IoDeviceStats>();
    const bytes = readOneOf(h, [`${dir}/blkio.throttle.io_service_bytes_recursive`, `${dir}/blkio.throttle.io_service_bytes`]);
    const ios = readOneOf(h, [`${dir}/blkio.throttle.io_serviced_recursive`, `${dir}/blkio.throttle.io_serviced`]);
    if (bytes !== undefined) parseBlkioLines(bytes, map, 'read_bytes', 'write_bytes');
    if (ios !== undefined) parseBlkioLines(ios, map, 'read_ios', 'write_ios');
    const devices = sortedDevices(map);
    return devices.length > 0 ? { blockio: { devices } } : {};
  },
};
