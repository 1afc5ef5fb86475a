import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { ContainerApi } from '../engine/container-api.js';
import { Code, LmctfyError, asLmctfyError, unlessNotFound } from '../engine/errors.js';
import { ensurePrivateDir } from '../engine/lock.js';
import { engineStatsSource, procReader, type ProcReader, type StatsSource } from '../engine/sampling/index.js';
import { continuousStatsSocket, HistogramSums, type ContinuousHistograms, type ContinuousReply } from '../stats/continuous.js';
import { SchedstatHistogrammer } from '../stats/histogram.js';

/**
 * Item 5 of the daemon (docs/STATS.md, continuous histograms): every `intervalMs` a pass
 * over the root's tree adds each container's schedstat histograms of the interval to its
 * running sums, and the unix socket beside the journal answers `stats full` with them. A
 * request runs a pass first, so the answer reaches up to that moment.
 */
// A pass over 500 idle containers took ~120 ms of CPU on a loaded machine (load 20): every
// 60 s that is ~0.2 % of a core, inside the daemon's budget at 1,000 containers.
export const CONTINUOUS_INTERVAL_MS = 60_000;

export interface ContinuousStatsOptions {
  /** Between passes (default CONTINUOUS_INTERVAL_MS): a longer one costs less and averages each task's slices over more time. */
  intervalMs?: number;
  /** What the passes read (default: the engine's, watching the tree with inotify). */
  source?: StatsSource;
  proc?: ProcReader;
  now?: () => number;
}

/** The accumulation itself, without timer or socket: one pass at a time, one answer per name. */
export class ContinuousHistogrammer {
  private readonly histogrammer = new SchedstatHistogrammer();
  private readonly sums = new Map<string, { id: number; sums: HistogramSums }>();

  constructor(
    private readonly source: StatsSource,
    private readonly proc: ProcReader,
    private readonly now: () => number,
  ) {}

  /** Adds the interval since the last pass to every container's sums; forgets the containers gone. */
  pass(): void {
    const live = new Set<string>();
    for (const { name, id } of this.source.walk('/')) {
      const read = this.source.read(name, 'counters');
      if (!read) continue;
      live.add(name);
      // The kernel's own histograms are cumulative already: `stats full` reads them directly.
      if (read.stats.cpu?.histograms?.length) continue;
      let entry = this.sums.get(name);
      if (!entry || entry.id !== id) this.sums.set(name, (entry = { id, sums: new HistogramSums(this.now()) }));
      const usage = read.stats.cpu?.usage?.total;
      let interval = this.histogrammer.still(name, id, usage);
      if (!interval) {
        const pids = unlessNotFound(() => this.source.pids(name));
        if (!pids) continue;
        interval = this.histogrammer.observe(name, id, this.proc.tasks(pids), usage);
      }
      if (interval) entry.sums.add(interval);
    }
    this.histogrammer.prune(live);
    for (const name of this.sums.keys()) if (!live.has(name)) this.sums.delete(name);
    this.source.endPass?.();
  }

  /** The sums of one container (absolute name), undefined when no pass has seen it. */
  histograms(name: string): Omit<ContinuousHistograms, 'pid'> | undefined {
    const entry = this.sums.get(name);
    return entry && { container: name, since: entry.sums.since, histograms: entry.sums.histograms() };
  }
}

/**
 * Starts the continuous stats of the root `api` opened: a pass now and every interval, and
 * the socket (0600, beside the root's journal). Refuses to start (FAILED_PRECONDITION) when
 * another process answers on that socket; a socket left by a process that died is replaced.
 * Resolves to the function that stops both and removes the socket.
 */
export async function startContinuousStats(api: ContainerApi, opts: ContinuousStatsOptions = {}): Promise<() => Promise<void>> {
  const scope = api.machine.trackingDir('/');
  const file = continuousStatsSocket(scope);
  ensurePrivateDir(path.dirname(file), 'journal');
  await clearStaleSocket(file);
  const source = opts.source ?? engineStatsSource(api, { watch: true });
  const acc = new ContinuousHistogrammer(source, opts.proc ?? procReader(), opts.now ?? Date.now);
  acc.pass();
  const server = net.createServer((conn) => answer(conn, api, acc));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new LmctfyError(Code.UNAVAILABLE, `cannot serve continuous stats on ${file}: ${e.message}`)));
    server.listen(file, () => resolve());
  });
  fs.chmodSync(file, 0o600);
  const timer = setInterval(() => acc.pass(), opts.intervalMs ?? CONTINUOUS_INTERVAL_MS);
  return () =>
    new Promise<void>((resolve) => {
      clearInterval(timer);
      server.close(() => {
        source.close?.();
        resolve();
      });
    });
}

/** One request line `{"container": NAME}` → one reply line; then the connection closes. */
function answer(conn: net.Socket, api: ContainerApi, acc: ContinuousHistogrammer): void {
  let text = '';
  conn.setEncoding('utf8');
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: string) => {
    text += chunk;
    const nl = text.indexOf('\n');
    if (nl < 0) {
      if (text.length > 4096) conn.destroy();
      return;
    }
    conn.end(`${JSON.stringify(reply(text.slice(0, nl), api, acc))}\n`);
  });
}

function reply(line: string, api: ContainerApi, acc: ContinuousHistogrammer): ContinuousReply {
  try {
    let container: unknown;
    try {
      container = (JSON.parse(line) as { container?: unknown }).container;
    } catch {
      container = undefined;
    }
    if (typeof container !== 'string') throw new LmctfyError(Code.INVALID_ARGUMENT, 'continuous stats: a request is one line {"container": NAME}');
    const name = api.get(container).name;
    acc.pass();
    const h = acc.histograms(name);
    if (!h) throw new LmctfyError(Code.NOT_FOUND, `continuous stats: the daemon has no histograms of ${name} (the kernel keeps its own, or it is gone)`);
    return { ok: { ...h, pid: process.pid } };
  } catch (e) {
    const err = asLmctfyError(e);
    return { error: { code: err.code, message: err.message } };
  }
}

/** A socket file nobody answers on is what a dead daemon left: removed. One that answers is another daemon's. */
async function clearStaleSocket(file: string): Promise<void> {
  if (!fs.existsSync(file)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new LmctfyError(Code.FAILED_PRECONDITION, `another process already serves the continuous stats of this root on ${file}`);
  fs.rmSync(file, { force: true });
}
