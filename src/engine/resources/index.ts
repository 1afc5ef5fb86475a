import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import { V2_CONTROLLER } from '../kernel/hierarchies.js';
import type { CgroupVersion } from '../kernel/layout.js';
import { cpuLimitToShares, cpuLimitToWeight, sharesToCpuLimit, weightToCpuLimit } from './conversions.js';
import { readOptional } from './files.js';
import { heldNotes } from './held.js';
import { pids } from './pids.js';
import type { ResourceSet } from './types.js';
import { blkioV1 } from './v1/blkio.js';
import { cpuV1 } from './v1/cpu.js';
import { cpuacctUnpopulated, cpuacctUsage, cpuacctV1 } from './v1/cpuacct.js';
import { cpusetV1 } from './v1/cpuset.js';
import { devicesV1 } from './v1/devices.js';
import { freezerV1 } from './v1/freezer.js';
import { memoryV1 } from './v1/memory.js';
import { blkioV2 } from './v2/blkio.js';
import { cpuUnpopulated, cpuUsageV2, cpuV2 } from './v2/cpu.js';
import { cpusetV2 } from './v2/cpuset.js';
import { devicesV2 } from './v2/devices.js';
import { freezerV2 } from './v2/freezer.js';
import { memoryV2 } from './v2/memory.js';

/*
 * Every controller, in apply order. Memory goes first among those that write: its refusal
 * at run time (a limit below current usage) is the likeliest failure validate() cannot
 * foresee, and failing there leaves the other controllers untouched. The rest do not
 * depend on each other; freezer and cpuacct write nothing.
 */

const V1: ResourceSet = {
  all: [freezerV1, cpuacctV1, memoryV1, cpusetV1, cpuV1, pids, blkioV1, devicesV1],
  cpu: cpuV1,
  cpuset: cpusetV1,
  memory: memoryV1,
  freezer: freezerV1,
  pids,
  blkio: blkioV1,
  devices: devicesV1,
  cpuUsage: cpuacctUsage,
  cpuUsageSums: true,
  unpopulated: cpuacctUnpopulated,
  held: (spec) => heldNotes(spec, { file: 'cpu.shares', toKernel: cpuLimitToShares, fromKernel: sharesToCpuLimit }),
  checkSpec(spec) {
    if (spec.children_limit !== undefined) {
      throw new LmctfyError(Code.UNIMPLEMENTED, 'ContainerSpec.children_limit needs cgroup v2 (cgroup.max.descendants)');
    }
  },
  whyMissing: () => undefined,
};

/** No cpuacct: v2 cpu.stat gives usage (v2/cpu.ts). */
const V2: ResourceSet = {
  all: [freezerV2, memoryV2, cpusetV2, cpuV2, pids, blkioV2, devicesV2],
  cpu: cpuV2,
  cpuset: cpusetV2,
  memory: memoryV2,
  freezer: freezerV2,
  pids,
  blkio: blkioV2,
  devices: devicesV2,
  cpuUsage: cpuUsageV2,
  cpuUsageSums: false,
  unpopulated: cpuUnpopulated,
  held: (spec) => heldNotes(spec, { file: 'cpu.weight', toKernel: cpuLimitToWeight, fromKernel: weightToCpuLimit }),
  checkSpec() {},
  whyMissing(h, controller, dir) {
    const name = V2_CONTROLLER[controller];
    if (name === undefined) return undefined;
    const enabled = readOptional(h.io, `${dir}/cgroup.controllers`)?.trim().split(/\s+/) ?? [];
    return enabled.includes(name) ? undefined : `controller ${name} is not enabled in ${path.posix.dirname(dir)}/cgroup.subtree_control`;
  },
};

/**
 * The controllers of one cgroup version: the one place that chooses between v1/ and v2/,
 * as opencontainers/cgroups chooses its fs or fs2 manager. The version itself is detected
 * once, by the Machine (kernel/machine.ts).
 */
export function resourcesFor(version: CgroupVersion): ResourceSet {
  return version === 2 ? V2 : V1;
}
