import { Code, LmctfyError } from '../errors.js';
import type { BlockIoSpec, ContainerSpec, Device, DeviceLimit, IoDeviceStats, LimitType, MaxLimit, OpType } from '../../messages/types.js';
import { MAX_BLKIO_WEIGHT, MIN_BLKIO_WEIGHT, checkInteger } from './conversions.js';
import { missingFileError, parseOrDataLoss, readOptional, settingError } from './files.js';
import { parseInteger, parseNestedKeyed } from './parse.js';
import type { CgroupHandle, UpdatePolicy } from './types.js';

/**
 * blkio, what v1 (v1/blkio.ts, blkio) and v2 (v2/blkio.ts, io) share. Weights are in the v1
 * scale 1..1000 (default_limit and per-device limits); v2's io.weight takes them through
 * the runc mapping, io.bfq.weight as they are. Throttles (max_device_limit_set) go to
 * blkio.throttle.*_device / io.max; a limit of 0 removes the throttle, as it does in v1.
 */

export type ThrottleKey = 'rbps' | 'wbps' | 'riops' | 'wiops';
export const THROTTLE_KEYS: readonly ThrottleKey[] = ['rbps', 'wbps', 'riops', 'wiops'];
function throttleKey(op: OpType | undefined, type: LimitType | undefined, field: string): ThrottleKey {
  if (op !== 'READ' && op !== 'WRITE') throw new LmctfyError(Code.INVALID_ARGUMENT, `${field}.op_type: must be READ or WRITE`);
  if (type !== 'BYTES_PER_SECOND' && type !== 'IO_PER_SECOND') {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${field}.limit_type: must be BYTES_PER_SECOND or IO_PER_SECOND`);
  }
  return `${op === 'READ' ? 'r' : 'w'}${type === 'BYTES_PER_SECOND' ? 'bps' : 'iops'}`;
}

function deviceId(d: Device | undefined, field: string): string {
  if (d?.major === undefined || d.minor === undefined) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${field}.device: major and minor are both required`);
  }
  checkInteger(`${field}.device.major`, d.major, 0, 0xffffffff);
  checkInteger(`${field}.device.minor`, d.minor, 0, 0xffffffff);
  return `${d.major}:${d.minor}`;
}

/** The spec, checked and keyed by device ("MAJ:MIN"). */
export interface BlkioPlan {
  weight?: number;
  deviceWeights: Map<string, number>;
  /** Per device, the throttles the spec sets (0 = none). */
  throttles: Map<string, Partial<Record<ThrottleKey, number>>>;
}

export function planOf(spec: BlockIoSpec | undefined): BlkioPlan {
  const plan: BlkioPlan = { deviceWeights: new Map(), throttles: new Map() };
  const set = spec?.device_limit_set;
  if (set?.default_limit !== undefined) {
    plan.weight = checkInteger('blockio.device_limit_set.default_limit', set.default_limit, MIN_BLKIO_WEIGHT, MAX_BLKIO_WEIGHT);
  }
  (set?.device_limits ?? []).forEach((dl: DeviceLimit, i) => {
    const field = `blockio.device_limit_set.device_limits[${i}]`;
    const id = deviceId(dl.device, field);
    if (dl.limit === undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `${field}.limit: required`);
    plan.deviceWeights.set(id, checkInteger(`${field}.limit`, dl.limit, MIN_BLKIO_WEIGHT, MAX_BLKIO_WEIGHT));
  });
  (spec?.max_device_limit_set?.max_limits ?? []).forEach((ml: MaxLimit, i) => {
    const field = `blockio.max_device_limit_set.max_limits[${i}]`;
    const key = throttleKey(ml.op_type, ml.limit_type, field);
    (ml.limits ?? []).forEach((dl, j) => {
      const id = deviceId(dl.device, `${field}.limits[${j}]`);
      const limit = checkInteger(`${field}.limits[${j}].limit`, dl.limit ?? 0, 0);
      plan.throttles.set(id, { ...plan.throttles.get(id), [key]: limit });
    });
  });
  return plan;
}

const NOT_SUPPORTED = (id: string) => `block device ${id} does not support this setting (per-device weights need its I/O scheduler to be bfq)`;
const DEVICE_HINTS: Readonly<Record<string, (id: string) => string>> = {
  ENODEV: (id) => `block device ${id} does not exist`,
  ENOTSUP: NOT_SUPPORTED,
  EOPNOTSUPP: NOT_SUPPORTED,
};

/** Writes one line to a blkio/io file, naming the device when the kernel refuses it. */
export function writeLine(h: CgroupHandle, file: string, line: string, field: string, device?: string): void {
  try {
    h.io.writeFile(file, line);
  } catch (e) {
    const errno = e instanceof LmctfyError ? e.errno : undefined;
    if (errno === 'ENOENT') throw missingFileError(h, 'blkio', file, field, e);
    const hint = device !== undefined && errno !== undefined ? DEVICE_HINTS[errno] : undefined;
    if (hint) {
      const code = errno === 'ENODEV' ? Code.INVALID_ARGUMENT : Code.UNIMPLEMENTED;
      throw new LmctfyError(code, `cannot set ${field} of ${h.name}: ${hint(device!)} (${(e as Error).message})`, { cause: e, errno });
    }
    throw settingError(h, field, line, e);
  }
}

export interface WeightFiles {
  weight: string;
  device: string;
  /** v1-scale weight → the file's scale, and back. */
  toFile: (w: number) => number;
  fromFile: (w: number) => number;
  /** The kernel's default, in the file's scale. */
  dflt: number;
}

export const same = (w: number): number => w;

/** The first of a version's candidate weight files this kernel has, with full paths. */
function weightFiles(h: CgroupHandle, dir: string, candidates: readonly WeightFiles[]): WeightFiles | undefined {
  const found = candidates.find((c) => h.io.exists(`${dir}/${c.weight}`));
  return found && { ...found, weight: `${dir}/${found.weight}`, device: `${dir}/${found.device}` };
}

/** How one version keeps weights: its files, best first, and how a default weight line is written. */
export interface WeightScheme {
  candidates: readonly WeightFiles[];
  /** The file named when none exists. */
  missing: string;
  defaultLine: (value: number) => string;
}

/** `MAJ:MIN N` lines of a weight or v1 throttle file; the `default N` line is not one. */
export function deviceValuesIn(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [id, value] = line.trim().split(/\s+/);
    const n = value === undefined ? undefined : parseInteger(value);
    if (id && /^\d+:\d+$/.test(id) && n !== undefined) out.set(id, n);
  }
  return out;
}

export function applyWeights(h: CgroupHandle, dir: string, plan: BlkioPlan, policy: UpdatePolicy, scheme: WeightScheme): void {
  const replace = policy === 'replace';
  if (plan.weight === undefined && plan.deviceWeights.size === 0 && !replace) return;
  const files = weightFiles(h, dir, scheme.candidates);
  if (!files) {
    if (plan.weight === undefined && plan.deviceWeights.size === 0) return;
    throw missingFileError(h, 'blkio', `${dir}/${scheme.missing}`, 'blockio.device_limit_set');
  }
  const value = plan.weight !== undefined ? files.toFile(plan.weight) : replace ? files.dflt : undefined;
  if (value !== undefined) writeLine(h, files.weight, scheme.defaultLine(value), 'blockio.device_limit_set.default_limit');
  if (replace) {
    // Per-device weights the spec no longer names go back to the default.
    const reset = files.device.endsWith('blkio.weight_device') ? '0' : 'default';
    for (const id of deviceValuesIn(readOptional(h.io, files.device) ?? '').keys()) {
      if (!plan.deviceWeights.has(id)) writeLine(h, files.device, `${id} ${reset}`, 'blockio.device_limit_set.device_limits', id);
    }
  }
  for (const [id, w] of plan.deviceWeights) {
    writeLine(h, files.device, `${id} ${files.toFile(w)}`, 'blockio.device_limit_set.device_limits', id);
  }
}

// ---- read ----

export function readWeights(h: CgroupHandle, dir: string, out: BlockIoSpec, scheme: WeightScheme): void {
  const files = weightFiles(h, dir, scheme.candidates);
  if (!files) return;
  const text = h.io.readFile(files.weight);
  const weight = parseOrDataLoss(files.weight, text, parseDefaultWeight, 'a blkio weight');
  const deviceText = files.device === files.weight ? text : (readOptional(h.io, files.device) ?? '');
  const deviceLimits = [...deviceValuesIn(deviceText)].map(([id, w]) => ({ device: toDevice(id), limit: files.fromFile(w) }));
  out.device_limit_set = { default_limit: files.fromFile(weight), ...(deviceLimits.length ? { device_limits: deviceLimits } : {}) };
}

/** `100` (v1) or a first line `default 100` (v2 io.weight). */
export function parseDefaultWeight(text: string): number | undefined {
  const m = /^(?:default\s+)?(\d+)$/.exec(text.trim().split('\n')[0]!.trim());
  return m ? Number(m[1]) : undefined;
}

export function toDevice(id: string): Device {
  const [major, minor] = id.split(':').map(Number);
  return { major: major!, minor: minor! };
}

const KEY_SPEC: Readonly<Record<ThrottleKey, { op_type: OpType; limit_type: LimitType }>> = {
  rbps: { op_type: 'READ', limit_type: 'BYTES_PER_SECOND' },
  wbps: { op_type: 'WRITE', limit_type: 'BYTES_PER_SECOND' },
  riops: { op_type: 'READ', limit_type: 'IO_PER_SECOND' },
  wiops: { op_type: 'WRITE', limit_type: 'IO_PER_SECOND' },
};

/** Throttles found per key → the spec's max limits (0, no throttle, is left out). */
export function maxLimitsOf(found: Iterable<[ThrottleKey, string, number]>): MaxLimit[] {
  const byKey = new Map<ThrottleKey, DeviceLimit[]>();
  for (const [key, id, limit] of found) {
    if (limit > 0) byKey.set(key, [...(byKey.get(key) ?? []), { device: toDevice(id), limit }]);
  }
  return THROTTLE_KEYS.filter((k) => byKey.has(k)).map((k) => ({ limits: byKey.get(k)!, ...KEY_SPEC[k] }));
}

// ---- stats ----

export type IoCounter = 'read_bytes' | 'write_bytes' | 'read_ios' | 'write_ios';

function deviceStats(map: Map<string, IoDeviceStats>, id: string): IoDeviceStats {
  let s = map.get(id);
  if (!s) {
    s = { device: toDevice(id) };
    map.set(id, s);
  }
  return s;
}

/** v1 `8:0 Read 123` lines; Sync, Async, Discard, Total and the closing `Total N` are skipped. */
export function parseBlkioLines(text: string, into: Map<string, IoDeviceStats>, read: IoCounter, write: IoCounter): void {
  for (const line of text.split('\n')) {
    const [id, op, value] = line.trim().split(/\s+/);
    if (!id || !/^\d+:\d+$/.test(id) || (op !== 'Read' && op !== 'Write') || value === undefined) continue;
    const n = parseInteger(value);
    if (n === undefined || n < 0) continue;
    deviceStats(into, id)[op === 'Read' ? read : write] = n;
  }
}

/** v2 io.stat: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0`. */
export function parseIoStat(text: string, into: Map<string, IoDeviceStats>): void {
  const fieldOf: Readonly<Record<string, IoCounter>> = { rbytes: 'read_bytes', wbytes: 'write_bytes', rios: 'read_ios', wios: 'write_ios' };
  for (const { key, fields } of parseNestedKeyed(text)) {
    if (!/^\d+:\d+$/.test(key)) continue;
    for (const [k, v] of fields) {
      const field = fieldOf[k];
      const n = field === undefined ? undefined : parseInteger(v);
      if (field !== undefined && n !== undefined && n >= 0) deviceStats(into, key)[field] = n;
    }
  }
}

/** Per-device counters, sorted by device. */
export function sortedDevices(map: Map<string, IoDeviceStats>): IoDeviceStats[] {
  return [...map.values()].sort((a, b) => a.device.major! - b.device.major! || a.device.minor! - b.device.minor!);
}

export const blkioWants = (spec: ContainerSpec): boolean => spec.blockio !== undefined;

export function validateBlkio(spec: ContainerSpec): void {
  planOf(spec.blockio);
}
