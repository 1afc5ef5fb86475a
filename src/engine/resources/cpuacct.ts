import { OPEN_BUCKET, type CpuHistogramType, type HistogramMap } from '../../messages/types.js';
import { parseCounter } from './parse.js';

/** The cpuacct.histogram parser (the controller itself is v1/cpuacct.ts). */

const HISTOGRAM_NAMES: Readonly<Record<string, CpuHistogramType>> = {
  serve: 'SERVE',
  oncpu: 'ONCPU',
  sleep: 'SLEEP',
  queue_self: 'QUEUE_SELF',
  queue_other: 'QUEUE_OTHER',
};

/**
 * `cpuacct.histogram` of Google's patched kernels, as the original lmctfy read it:
 *
 *     unit: us
 *     serve
 *     < 1000 12
 *     < inf 3
 *     oncpu
 *     ...
 *
 * Parsed defensively: unknown histograms and malformed lines are skipped. The open-ended
 * `inf` bucket is reported as OPEN_BUCKET (INT32_MAX), as the original lmctfy did.
 */
export function parseCpuHistograms(text: string): HistogramMap[] {
  const out: HistogramMap[] = [];
  let current: HistogramMap | undefined;
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0 || words[0] === 'unit:') continue;
    if (words.length === 1) {
      const type = HISTOGRAM_NAMES[words[0]!];
      current = type === undefined ? undefined : { type, stat: [] };
      if (current) out.push(current);
      continue;
    }
    if (!current || words.length !== 3) continue;
    const value = parseCounter(words[2]!);
    if (value === undefined) continue;
    const bucket = words[1] === 'inf' ? OPEN_BUCKET : parseCounter(words[1]!);
    if (bucket === undefined) continue;
    current.stat.push({ bucket, value });
  }
  return out;
}
