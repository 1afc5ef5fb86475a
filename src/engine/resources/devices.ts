import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, DeviceAccess, DeviceRestriction, DeviceSpec, DeviceType } from '../../messages/types.js';
import { parseOrDataLoss, writeSetting } from './files.js';
import type { CgroupHandle } from './types.js';

/**
 * devices, the rules shared by v1/devices.ts (restrictions become lines written to
 * devices.allow / devices.deny, in order) and v2/devices.ts (cgroup v2 controls devices with
 * BPF programs, not files: UNIMPLEMENTED there).
 */

const TYPE_CHAR: Readonly<Record<DeviceType, string>> = { DEVICE_CHAR: 'c', DEVICE_BLOCK: 'b', DEVICE_ALL: 'a' };
const ACCESS_CHAR: Readonly<Record<DeviceAccess, string>> = { READ: 'r', WRITE: 'w', MKNOD: 'm' };
const MAX_DEVICE_NUMBER = 0xffffffff;

export interface DeviceRule {
  file: 'devices.allow' | 'devices.deny';
  line: string;
}

function invalid(field: string, message: string): never {
  throw new LmctfyError(Code.INVALID_ARGUMENT, `${field}: ${message}`);
}

function deviceNumber(field: string, n: number | undefined): string {
  if (n === undefined || n === -1) return '*';
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_DEVICE_NUMBER) invalid(field, `${n} is not a device number or -1 (any)`);
  return String(n);
}

/** One restriction → the line the kernel takes. `field` names it in errors. */
export function deviceRule(r: DeviceRestriction, field: string): DeviceRule {
  if (r.permission !== 'ALLOW' && r.permission !== 'DENY') invalid(`${field}.permission`, 'must be ALLOW or DENY');
  const file = r.permission === 'ALLOW' ? 'devices.allow' : 'devices.deny';
  const type = r.type === undefined ? undefined : TYPE_CHAR[r.type];
  if (type === undefined) invalid(`${field}.type`, 'must be DEVICE_CHAR, DEVICE_BLOCK or DEVICE_ALL');
  const major = deviceNumber(`${field}.major`, r.major);
  const minor = deviceNumber(`${field}.minor`, r.minor);
  const letters = new Set<string>();
  for (const a of r.access ?? []) {
    const c = ACCESS_CHAR[a];
    if (c === undefined) invalid(`${field}.access`, `unknown access ${String(a)}`);
    letters.add(c);
  }
  if (type === 'a') {
    // The kernel reads "a" as every device with every access, whatever follows.
    if (major !== '*' || minor !== '*') invalid(field, 'DEVICE_ALL applies to every device: leave major and minor unset or -1');
    if (letters.size !== 0 && letters.size !== 3) invalid(`${field}.access`, 'DEVICE_ALL covers every access: leave access empty or name all three');
    return { file, line: 'a *:* rwm' };
  }
  if (letters.size === 0) invalid(`${field}.access`, 'name at least one of READ, WRITE, MKNOD');
  const ordered = ['r', 'w', 'm'].filter((c) => letters.has(c)).join('');
  return { file, line: `${type} ${major}:${minor} ${ordered}` };
}

const CHAR_TYPE: Readonly<Record<string, DeviceType>> = { c: 'DEVICE_CHAR', b: 'DEVICE_BLOCK', a: 'DEVICE_ALL' };
const CHAR_ACCESS: Readonly<Record<string, DeviceAccess>> = { r: 'READ', w: 'WRITE', m: 'MKNOD' };

function listNumber(s: string): number | undefined {
  if (s === '*') return -1;
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

/** devices.list (`c 1:3 rwm` per line) → ALLOW restrictions; undefined when a line is malformed. */
export function parseDevicesList(text: string): DeviceRestriction[] | undefined {
  const out: DeviceRestriction[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line.trim());
    if (!m) return undefined;
    const major = listNumber(m[2]!);
    const minor = listNumber(m[3]!);
    if (major === undefined || minor === undefined) return undefined;
    out.push({
      permission: 'ALLOW',
      type: CHAR_TYPE[m[1]!]!,
      access: [...m[4]!].map((c) => CHAR_ACCESS[c]!),
      major,
      minor,
    });
  }
  return out;
}

export function rulesOf(spec: DeviceSpec | undefined): DeviceRule[] {
  const list = spec?.restrictions_set?.restrictions ?? [];
  return list.map((r, i) => deviceRule(r, `device.restrictions_set.restrictions[${i}]`));
}

export const WRITE_HINTS = { EPERM: 'a container cannot allow a device its parent denies' };

/**
 * Back to what a fresh child gets: its parent's list. Allowing "a" alone resets to
 * allow-all in one write; anything narrower is rebuilt: deny all, then allow each entry.
 */
export function resetToParent(h: CgroupHandle, dir: string): void {
  const parentFile = `${path.posix.dirname(dir)}/devices.list`;
  const parent = parseOrDataLoss(parentFile, h.io.readFile(parentFile), parseDevicesList, 'a devices list');
  const lines = parent.map((r) => deviceRule(r, parentFile).line);
  if (lines.includes('a *:* rwm')) {
    writeSetting(h, 'devices', `${dir}/devices.allow`, 'a', 'device (reset)', WRITE_HINTS);
    return;
  }
  writeSetting(h, 'devices', `${dir}/devices.deny`, 'a', 'device (reset)');
  for (const line of lines) writeSetting(h, 'devices', `${dir}/devices.allow`, line, 'device (reset)', WRITE_HINTS);
}

export const devicesWants = (spec: ContainerSpec): boolean => spec.device !== undefined;
