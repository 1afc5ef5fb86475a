import * as path from 'node:path';
import { Code, LmctfyError } from '../../errors.js';
import { formatCpuList } from '../cpulist.js';
import { checkAvailable, cpusetWants, maskCpus, maskSpec } from '../cpuset.js';
import { isolatedDir, writeSetting } from '../files.js';
import type { CpusetResource } from '../types.js';

/**
 * cpuset on cgroup v1: a fresh child starts with empty cpus and mems, into which no task can
 * be attached (ENOSPC), so the engine prepares it right after mkdir.
 */

const AVAILABLE = ['cpuset.effective_cpus', 'cpuset.cpus'];

export const cpusetV1: CpusetResource = {
  controller: 'cpuset',
  wants: cpusetWants,
  validate(spec) {
    maskCpus(spec);
  },
  isolated: (h) => h.dir('cpuset') !== undefined,
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpuset');
    const cpus = maskCpus(spec);
    let value: string | undefined;
    if (cpus) {
      checkAvailable(h, dir, cpus, AVAILABLE);
      value = formatCpuList(cpus);
    } else if (policy !== 'diff') {
      // Default: everything the parent has.
      value = h.io.readFile(`${path.posix.dirname(dir)}/cpuset.cpus`).trim();
    }
    if (value !== undefined) writeSetting(h, 'cpuset', `${dir}/cpuset.cpus`, value, 'cpu.mask');
  },
  read(h) {
    const dir = h.dir('cpuset');
    if (dir === undefined) return undefined;
    const file = `${dir}/cpuset.cpus`;
    return maskSpec(file, h.io.readFile(file));
  },
  stats: () => ({}),
  /** Copies the parent's cpus and mems into a fresh dir where they are empty; set values stay. */
  prepare(h) {
    const dir = h.dir('cpuset');
    if (dir === undefined) return;
    const parent = path.posix.dirname(dir);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (h.io.readFile(`${dir}/${file}`).trim() !== '') continue;
      const inherited = h.io.readFile(`${parent}/${file}`).trim();
      if (inherited === '') {
        throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot prepare the cpuset of ${h.name}: ${parent}/${file} is empty, so no task could run there`);
      }
      writeSetting(h, 'cpuset', `${dir}/${file}`, inherited, `cpuset ${file}`);
    }
  },
};
