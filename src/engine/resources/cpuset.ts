import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec } from '../../messages/types.js';
import { cpusToMaskWords, formatCpuList, maskWordsToCpus, parseCpuList } from './cpulist.js';
import { readOptional } from './files.js';
import type { CgroupHandle } from './types.js';

/**
 * cpuset, what v1 (v1/cpuset.ts) and v2 (v2/cpuset.ts) share: cpu.mask ↔ cpuset.cpus. The
 * kernel checks a cpuset against its directory's parent, so that parent (not the nearest
 * isolating ancestor) is the one consulted.
 */

const ONLINE = '/sys/devices/system/cpu/online';

export function maskCpus(spec: ContainerSpec): number[] | undefined {
  const mask = spec.cpu?.mask;
  if (mask === undefined) return undefined;
  const cpus = maskWordsToCpus(mask.data ?? []);
  if (cpus.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, 'cpu.mask selects no CPU');
  return cpus;
}

/** Makes a fresh cpuset dir usable where the version needs it (v1: fills its empty cpus and mems). */
export function prepareCpuset(h: CgroupHandle): void {
  h.resources.cpuset.prepare(h);
}

/** CPUs a container in `dir` may use: its parent's effective cpus, and only online ones. */
function availableCpus(h: CgroupHandle, dir: string, candidates: readonly string[]): { cpus: Set<number>; from: string } {
  const parent = path.posix.dirname(dir);
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

/** INVALID_ARGUMENT unless every cpu is in the parent's (`candidates`: its files that may list them, first found wins). */
export function checkAvailable(h: CgroupHandle, dir: string, cpus: number[], candidates: readonly string[]): void {
  const { cpus: available, from } = availableCpus(h, dir, candidates);
  const missing = cpus.filter((c) => !available.has(c));
  if (missing.length > 0) {
    throw new LmctfyError(
      Code.INVALID_ARGUMENT,
      `cpu.mask selects CPU ${formatCpuList(missing)}, not available to ${h.name} (available: ${formatCpuList([...available]) || 'none'}, from ${from})`,
    );
  }
}

export function readMask(file: string, text: string): number[] {
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

export const cpusetWants = (spec: ContainerSpec): boolean => spec.cpu?.mask !== undefined;

/** The mask a read reports from cpuset.cpus text; undefined when empty (no mask set). */
export function maskSpec(file: string, text: string | undefined): ContainerSpec | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return { cpu: { mask: { data: readMask(file, text) } } };
}
