import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import type { ContainerSpec } from '../messages/types.js';
import { cpusToMaskWords, formatCpuList, parseCpuList } from './resources/cpulist.js';

/**
 * The shared CPU pool of exclusive CPUs (docs/POLICY.md "Exclusive CPUs"): a cpuset cgroup
 * beside the root's top-level containers, on every CPU of the root's that no PREMIER
 * container holds. The tasks that would sit in the root's own cpuset (the root's, and
 * those of containers that share the root's cpuset) are placed there instead, so they stay
 * off exclusive CPUs, which the kernel's own rule (a child's CPUs within its parent's)
 * would not let the root's cpuset give up. v1 only: a cgroup2 parent with tasks cannot
 * have controller-enabled children.
 */

/** A name no container can have (names.ts allows no ':'). */
const POOL = ':shared';

/** The root's cpuset dir, where a separate cpuset hierarchy exists (v1); undefined otherwise. */
function rootCpusetDir(m: Machine): string | undefined {
  const dir = m.dirOf('/', 'cpuset');
  return dir === undefined || dir === m.trackingDir('/') ? undefined : dir;
}

/** FAILED_PRECONDITION unless this machine can keep CPUs exclusive (a v1 cpuset hierarchy). */
export function checkPoolSupported(m: Machine): void {
  if (rootCpusetDir(m) === undefined) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, 'PolicySpec.exclusive_cpus needs a cgroup v1 cpuset hierarchy, which this root has not (on cgroup2 the root would need to hold no tasks)');
  }
}

/** The CPUs of the root's cpuset. */
export function rootCpus(m: Machine): number[] {
  const dir = rootCpusetDir(m)!;
  return parseCpuList(m.io.readFile(`${dir}/cpuset.cpus`));
}

/** The pool's dir if it exists. */
function existingPool(m: Machine): string | undefined {
  const root = rootCpusetDir(m);
  if (root === undefined) return undefined;
  const dir = path.posix.join(root, POOL);
  return m.io.exists(dir) ? dir : undefined;
}

/**
 * Gives the pool `cpus` (made on first use, with the root's memory nodes), then moves into it
 * whatever runs in the root's own cpuset. Shrinking it before an exclusive container is made
 * and growing it after one is removed keeps the two apart at every moment.
 */
export function setPool(m: Machine, cpus: readonly number[]): void {
  const root = rootCpusetDir(m)!;
  const dir = path.posix.join(root, POOL);
  if (!m.io.exists(dir)) {
    m.io.mkdir(dir);
    m.io.writeFile(`${dir}/cpuset.mems`, m.io.readFile(`${root}/cpuset.mems`).trim());
  }
  m.io.writeFile(`${dir}/cpuset.cpus`, formatCpuList(cpus));
  for (const tid of parseTasks(m.io.readFile(`${root}/tasks`))) {
    try {
      m.io.writeFile(`${dir}/tasks`, `${tid}\n`);
    } catch (e) {
      // Exited meanwhile (ESRCH: NOT_FOUND), or a kernel thread that may not move.
      if (!isLmctfyError(e, Code.NOT_FOUND) && !isLmctfyError(e, Code.INVALID_ARGUMENT)) throw e;
    }
  }
}

/** Whether the pool exists (made by the first container to hold CPUs of its own). */
export function poolExists(m: Machine): boolean {
  return existingPool(m) !== undefined;
}

/** Resets the pool to every CPU of the root's (no exclusive holders any more), if it exists. */
export function resetPool(m: Machine): void {
  if (existingPool(m) !== undefined) setPool(m, rootCpus(m));
}

/** Where placement puts a task bound for `dir` of the cpuset hierarchy: the pool instead of the root's own cpuset, while it exists. */
export function poolFor(m: Machine, dir: string): string {
  if (dir !== rootCpusetDir(m)) return dir;
  return existingPool(m) ?? dir;
}

function parseTasks(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** `spec` with cpu.mask selecting exactly `cpus`. */
export function withCpus(spec: ContainerSpec, cpus: readonly number[]): ContainerSpec {
  return { ...spec, cpu: { ...spec.cpu, mask: { data: cpusToMaskWords(cpus).map(Number) } } };
}
