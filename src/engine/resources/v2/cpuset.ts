import { formatCpuList } from '../cpulist.js';
import { checkAvailable, cpusetWants, maskCpus, maskSpec } from '../cpuset.js';
import { isolatedDir, readOptional, writeSetting } from '../files.js';
import type { CpusetResource } from '../types.js';

/** cpuset on cgroup v2: an empty cpuset.cpus means "whatever the parent has", so a fresh dir needs nothing. */

const AVAILABLE = ['cpuset.cpus.effective'];

export const cpusetV2: CpusetResource = {
  controller: 'cpuset',
  wants: cpusetWants,
  validate(spec) {
    maskCpus(spec);
  },
  isolated(h) {
    const dir = h.dir('cpuset');
    return dir !== undefined && h.io.exists(`${dir}/cpuset.cpus`);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpuset');
    const cpus = maskCpus(spec);
    let value: string | undefined;
    if (cpus) {
      checkAvailable(h, dir, cpus, AVAILABLE);
      value = formatCpuList(cpus);
    } else if (policy !== 'diff') {
      value = '\n';
    }
    if (value !== undefined) writeSetting(h, 'cpuset', `${dir}/cpuset.cpus`, value, 'cpu.mask');
  },
  read(h) {
    const dir = h.dir('cpuset');
    if (dir === undefined) return undefined;
    const file = `${dir}/cpuset.cpus`;
    return maskSpec(file, readOptional(h.io, file));
  },
  stats: () => ({}),
  prepare() {},
};
