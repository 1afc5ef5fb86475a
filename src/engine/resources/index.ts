import { blkio } from './blkio.js';
import { cpu } from './cpu.js';
import { cpuacct } from './cpuacct.js';
import { cpuset } from './cpuset.js';
import { devices } from './devices.js';
import { freezer } from './freezer.js';
import { memory } from './memory.js';
import { pids } from './pids.js';
import type { Resource } from './types.js';

/**
 * Every controller, in apply order. Memory goes first among those that write: its refusal
 * at run time (a limit below current usage) is the likeliest failure validate() cannot
 * foresee, and failing there leaves the other controllers untouched. The rest do not
 * depend on each other; freezer and cpuacct write nothing.
 */
export const RESOURCES: Resource[] = [freezer, cpuacct, memory, cpuset, cpu, pids, blkio, devices];

export { blkio, cpu, cpuacct, cpuset, devices, freezer, memory, pids };
