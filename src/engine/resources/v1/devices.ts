import { devicesWants, parseDevicesList, resetToParent, rulesOf, WRITE_HINTS } from '../devices.js';
import { isolatedDir, parseOrDataLoss, writeSetting } from '../files.js';
import type { Resource } from '../types.js';

/** devices on cgroup v1: devices.allow, devices.deny, devices.list. */

export const devicesV1: Resource = {
  controller: 'devices',
  wants: devicesWants,
  validate(spec) {
    if (spec.device !== undefined) rulesOf(spec.device);
  },
  isolated: (h) => h.dir('devices') !== undefined,
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'devices');
    const rules = rulesOf(spec.device);
    if (policy === 'replace') resetToParent(h, dir);
    rules.forEach((r, i) => {
      writeSetting(h, 'devices', `${dir}/${r.file}`, r.line, `device.restrictions_set.restrictions[${i}]`, WRITE_HINTS);
    });
  },
  read(h) {
    const dir = h.dir('devices');
    if (dir === undefined) return undefined;
    const file = `${dir}/devices.list`;
    const restrictions = parseOrDataLoss(file, h.io.readFile(file), parseDevicesList, 'a devices list');
    return { device: { restrictions_set: { restrictions } } };
  },
  stats: () => ({}),
};
