import { readOptional } from '../resources/files.js';
import type { KernelIo } from './io.js';

/**
 * The /dev name of block device major:minor (`/dev/sda`), from its sysfs uevent, for the
 * `device` label cAdvisor gives IO metrics; undefined when sysfs does not know the device
 * (removed since, or /sys not mounted).
 */
export function blockDeviceName(io: KernelIo, major: number, minor: number, sysfs = '/sys'): string | undefined {
  const uevent = readOptional(io, `${sysfs}/dev/block/${major}:${minor}/uevent`);
  const name = uevent === undefined ? undefined : /^DEVNAME=(.+)$/m.exec(uevent)?.[1];
  return name === undefined ? undefined : `/dev/${name}`;
}
