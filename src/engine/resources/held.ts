import type { ContainerSpec } from '../../messages/types.js';
import { PAGE_SIZE, memoryBytes } from './conversions.js';

/**
 * What a user is told when the kernel will hold a value other than the one asked. A round
 * cpu.limit reads back as asked (conversions.ts says how); one that does not (on v2 several
 * limits share a weight) and memory limits that are not whole pages (the kernel rounds them
 * down) are applied as the kernel can hold them, and the command says so on stderr rather
 * than have `spec` surprise the user later.
 */
/** How a version holds cpu.limit: the file, the value written there, the limit read back from it. */
export interface CpuLimitScale {
  file: string;
  toKernel(limit: number): number;
  fromKernel(value: number): number;
}

export function heldNotes(spec: ContainerSpec, cpu: CpuLimitScale): string[] {
  const notes: string[] = [];
  const limit = spec.cpu?.limit;
  if (limit !== undefined) {
    const value = cpu.toKernel(limit);
    const back = cpu.fromKernel(value);
    if (back !== limit) notes.push(`cpu.limit ${limit} is held as ${cpu.file} ${value}, which reads back as cpu.limit ${back}`);
  }
  for (const field of ['limit', 'reservation', 'swap_limit'] as const) {
    const asked = spec.memory?.[field];
    const bytes = asked === undefined ? undefined : memoryBytes(asked);
    if (bytes === undefined || bytes <= 0 || bytes % PAGE_SIZE === 0) continue;
    notes.push(`memory.${field} ${asked} is held as ${bytes - (bytes % PAGE_SIZE)} (whole ${PAGE_SIZE}-byte pages)`);
  }
  return notes;
}
