import { Code, LmctfyError } from '../errors.js';

/**
 * CPU sets in their two spellings: the kernel's list format (`0-3,5`) and lmctfy's mask
 * (repeated uint64 words, CPU n is bit n%64 of word ⌊n/64⌋).
 */

/** Far above any real NR_CPUS; bounds what a list like `0-99999999` may allocate. */
export const MAX_CPU = 65535;
const BITS_PER_WORD = 64;

function invalid(message: string): never {
  throw new LmctfyError(Code.INVALID_ARGUMENT, message);
}

function cpuNumber(text: string, list: string): number {
  if (!/^\d+$/.test(text)) invalid(`CPU list "${list}": "${text}" is not a CPU number`);
  const n = Number(text);
  if (n > MAX_CPU) invalid(`CPU list "${list}": CPU ${n} is above ${MAX_CPU}`);
  return n;
}

/** Parses `0-3,5` (whitespace around it ignored) into sorted, unique CPU numbers. Empty is invalid. */
export function parseCpuList(text: string): number[] {
  const list = text.trim();
  if (list === '') invalid('CPU list is empty');
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const dash = part.indexOf('-');
    if (dash < 0) {
      cpus.add(cpuNumber(part, list));
      continue;
    }
    const from = cpuNumber(part.slice(0, dash), list);
    const to = cpuNumber(part.slice(dash + 1), list);
    if (to < from) invalid(`CPU list "${list}": range "${part}" runs backwards`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The kernel's list format for a set of CPUs, runs collapsed into ranges. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Mask words → CPU numbers. Words must be non-negative safe integers: the spec carries
 * uint64 as JS numbers, so bits 53–63 of a word cannot be expressed.
 */
export function maskWordsToCpus(words: readonly number[]): number[] {
  const cpus: number[] = [];
  words.forEach((word, i) => {
    if (!Number.isSafeInteger(word) || word < 0) {
      invalid(`cpu.mask.data[${i}]: ${word} is not a non-negative integer below 2^53`);
    }
    let bits = BigInt(word);
    for (let bit = 0; bits > 0n; bit++, bits >>= 1n) {
      if (bits & 1n) cpus.push(i * BITS_PER_WORD + bit);
    }
  });
  return cpus;
}

/** CPU numbers → mask words (bigint: a word may need all 64 bits). */
export function cpusToMaskWords(cpus: readonly number[]): bigint[] {
  const words: bigint[] = [];
  for (const c of cpus) {
    const w = Math.floor(c / BITS_PER_WORD);
    while (words.length <= w) words.push(0n);
    words[w] = words[w]! | (1n << BigInt(c % BITS_PER_WORD));
  }
  return words;
}
