import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec } from '../../messages/types.js';
import { cpusToMaskWords, formatCpuList, maskWordsToCpus, parseCpuList } from './cpulist.js';
import { isolatedDir, readOptional, writeSetting } from './files.js';
import type { CgroupHandle, Resource } from './types.js';

/**
 * cpuset: cpu.mask ↔ cpuset.cpus. v1 only: a fresh child starts with empty cpus and mems,
 * into which no task can be attached (ENOSPC), so the engine calls prepareCpuset right
 * after mkdir. The kernel checks a cpuset against its directory's parent, so that parent
 * (not the nearest isolating ancestor) is the one consulted.
 */

const ONLINE = '/sys/devices/system/cpu/online';

function maskCpus(spec: ContainerSpec): number[] | undefined {
  const mask = spec.cpu?.mask;
  if (mask === undefined) return undefined;
  const cpus = maskWordsToCpus(mask.data ?? []);
  if (cpus.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, 'cpu.mask selects no CPU');
  return cpus;
}

/** Copies the parent's cpus and mems into a fresh v1 cpuset dir where they are empty; set values stay. */
export function prepareCpuset(h: CgroupHandle): void {
  const dir = h.dir('cpuset');
  if (h.version !== 1 || dir === undefined) return;
  const parent = path.posix.dirname(dir);
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (h.io.readFile(`${dir}/${file}`).trim() !== '') continue;
    const inherited = h.io.readFile(`${parent}/${file}`).trim();
    if (inherited === '') {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot prepare the cpuset of ${h.name}: ${parent}/${file} is empty, so no task could run there`);
    }
    writeSetting(h, 'cpuset', `${dir}/${file}`, inherited, `cpuset ${file}`);
  }
}

/** CPUs a container in `dir` may use: its parent's effective cpus, and only online ones. */
function availableCpus(h: CgroupHandle, dir: string): { cpus: Set<number>; from: string } {
  const parent = path.posix.dirname(dir);
  const candidates = h.version === 1 ? ['cpuset.effective_cpus', 'cpuset.cpus'] : ['cpuset.cpus.effective'];
  let cpus: number[] | undefined;
  let from = ONLINE;
  for (const name of candidates) {
    const text = readOptional(h.io, `${parent}/${name}`);
    if (text !== undefined && text.trim() !== '') {
      cpus = parseCpuList(text);
      from = `${parent}/${name}`;
      break;
    }
  }
  const onlineText = readOptional(h.io, ONLINE);
  const online = onlineText === undefined || onlineText.trim() === '' ? undefined : new Set(parseCpuList(onlineText));
  const base = cpus ?? (online ? [...online] : []);
  return { cpus: new Set(base.filter((c) => !online || online.has(c))), from };
}

function checkAvailable(h: CgroupHandle, dir: string, cpus: number[]): void {
  const { cpus: available, from } = availableCpus(h, dir);
  const missing = cpus.filter((c) => !available.has(c));
  if (missing.length > 0) {
    throw new LmctfyError(
      Code.INVALID_ARGUMENT,
      `cpu.mask selects CPU ${formatCpuList(missing)}, not available to ${h.name} (available: ${formatCpuList([...available]) || 'none'}, from ${from})`,
    );
  }
}

function readMask(file: string, text: string): number[] {
  let words: bigint[];
  try {
    words = cpusToMaskWords(parseCpuList(text));
  } catch (e) {
    throw new LmctfyError(Code.DATA_LOSS, `${file}: ${(e as Error).message}`, { cause: e });
  }
  return words.map((w, i) => {
    if (w > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new LmctfyError(Code.DATA_LOSS, `${file} selects CPUs ${64 * i + 53}-${64 * i + 63} of mask word ${i}, which a JS number cannot carry`);
    }
    return Number(w);
  });
}

export const cpuset: Resource = {
  controller: 'cpuset',
  wants: (spec) => spec.cpu?.mask !== undefined,
  validate(spec) {
    maskCpus(spec);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpuset');
    const cpus = maskCpus(spec);
    let value: string | undefined;
    if (cpus) {
      checkAvailable(h, dir, cpus);
      value = formatCpuList(cpus);
    } else if (policy !== 'diff') {
      // Default: everything the parent has (v1); v2's empty list means the same.
      value = h.version === 1 ? h.io.readFile(`${path.posix.dirname(dir)}/cpuset.cpus`).trim() : '\n';
    }
    if (value !== undefined) writeSetting(h, 'cpuset', `${dir}/cpuset.cpus`, value, 'cpu.mask');
  },
  read(h) {
    const dir = h.dir('cpuset');
    if (dir === undefined) return undefined;
    const file = `${dir}/cpuset.cpus`;
    const text = h.version === 1 ? h.io.readFile(file) : readOptional(h.io, file);
    if (text === undefined || text.trim() === '') return undefined;
    return { cpu: { mask: { data: readMask(file, text) } } };
  },
  stats: () => ({}),
};
