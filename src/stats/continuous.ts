import * as net from 'node:net';
import * as path from 'node:path';
import { Code, LmctfyError } from '../engine/errors.js';
import { journalDir } from '../engine/journal.js';
import { lockKey } from '../engine/lock.js';
import { OPEN_BUCKET, type HistogramMap } from '../messages/types.js';
import { SCHEDSTAT_BUCKET_EDGES_US, WAIT_HISTOGRAM_TYPE } from './histogram.js';

/**
 * Continuous CPU latency histograms (docs/STATS.md): while `lmctfy daemon` runs it adds up
 * each container's schedstat histograms pass after pass, from the moment it first sees the
 * container, and answers for them on a unix socket beside the root's journal. This module
 * holds what the daemon and `stats full` share: the running sums, the socket's place and
 * its one-line protocol.
 */

/** The socket of a root's continuous stats, 0600 beside its journal (docs/JOURNAL.md). */
export function continuousStatsSocket(scope: string): string {
  return path.join(journalDir(), `${lockKey(scope, ':stats')}.sock`);
}

/** One container's histograms since the daemon first saw it. */
export interface ContinuousHistograms {
  container: string;
  /** When the daemon first saw the container (ms since the epoch). */
  since: number;
  /** The daemon's pid, to name the source. */
  pid: number;
  histograms: HistogramMap[];
}

/** What the socket answers to one request line: the histograms, or why there are none. */
export type ContinuousReply = { ok: ContinuousHistograms } | { error: { code: number; message: string } };

/**
 * Running sums of one container's interval histograms. Pure: `add` takes what
 * histogramsFromSchedstat made of one interval.
 */
export class HistogramSums {
  private readonly counts = new Map<string, number[]>();

  constructor(readonly since: number) {}

  add(interval: readonly HistogramMap[]): void {
    for (const h of interval) {
      let sums = this.counts.get(h.type);
      if (!sums) this.counts.set(h.type, (sums = new Array<number>(SCHEDSTAT_BUCKET_EDGES_US.length + 1).fill(0)));
      h.stat.forEach((b, i) => (sums[i]! += b.value));
    }
  }

  /** The sums as HistogramMaps, ONCPU then the wait histogram, each with every bucket (zeros too). */
  histograms(): HistogramMap[] {
    return ['ONCPU' as const, WAIT_HISTOGRAM_TYPE].map((type) => {
      const sums = this.counts.get(type) ?? new Array<number>(SCHEDSTAT_BUCKET_EDGES_US.length + 1).fill(0);
      return { type, stat: sums.map((value, i) => ({ bucket: SCHEDSTAT_BUCKET_EDGES_US[i] ?? OPEN_BUCKET, value })) };
    });
  }
}

/** How long `stats full` waits for a daemon before answering as without one. */
export const CONTINUOUS_CONNECT_TIMEOUT_MS = 300;

/**
 * Asks the root's daemon for a container's continuous histograms. Undefined when no daemon
 * answers (no socket, a stale one, or no answer within the timeout): the caller then does
 * what it did without a daemon. A daemon that answers with an error throws it.
 */
export function askContinuousStats(scope: string, container: string, timeoutMs = CONTINUOUS_CONNECT_TIMEOUT_MS): Promise<ContinuousHistograms | undefined> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(continuousStatsSocket(scope));
    let text = '';
    const done = (fn: () => void) => {
      clearTimeout(timer);
      sock.destroy();
      fn();
    };
    const timer = setTimeout(() => done(() => resolve(undefined)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ container })}\n`));
    sock.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      done(() => {
        const reply = parseReply(text.slice(0, nl));
        if (reply === undefined) resolve(undefined);
        else if ('ok' in reply) resolve(reply.ok);
        else reject(new LmctfyError(reply.error.code as Code, reply.error.message));
      });
    });
    sock.on('error', () => done(() => resolve(undefined)));
    sock.on('end', () => done(() => resolve(undefined)));
  });
}

function parseReply(line: string): ContinuousReply | undefined {
  try {
    const v = JSON.parse(line) as ContinuousReply;
    if (typeof v === 'object' && v !== null && ('ok' in v || 'error' in v)) return v;
  } catch {
    /* not a reply of ours: as if no daemon answered */
  }
  return undefined;
}
