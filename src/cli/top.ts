import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import { describeBackend, describeCgroupPath } from '../engine/backend.js';
import { Code, LmctfyError } from '../engine/errors.js';
import { followJournal, readJournal, type JournalRecord } from '../engine/journal.js';
import { isWithin, joinName } from '../engine/names.js';
import { StoreReader, describeDamage } from '../record/store.js';
import { parseTime } from '../record/time.js';
import { replaySource } from './replay-source.js';
import { exportReads, type AdmissionView } from '../engine/export-reads.js';
import { checkpoint, describeOrigin, originOf } from '../engine/checkpoint/index.js';
import { LiveSampler } from '../stats/live.js';
import { containerTier } from '../stats/tier.js';
import { formatText, parseText } from '../messages/codec.js';
import type { ContainerSpec } from '../messages/types.js';
import { runConsole, type BudgetGlance, type ConsoleActions, type ConsoleSource } from '../ui/index.js';
import { commandArgv } from './commands/processes.js';
import { compactHeapEvery } from './young-generation.js';

/** How often a live console compacts its heap (compactHeapEvery). */
const CONSOLE_COMPACT_MS = 120_000;

export interface TopOptions {
  api: ApiOptions;
  name: string;
  intervalMs: number;
  readOnly: boolean;
  /** Replay a recording instead of sampling (lmctfy top --replay): its store, and where to start (default: its last sample). */
  replay?: { dir: string; at?: string };
}

/** Every console action goes through the same engine calls as the CLI. */
export function engineActions(api: ContainerApi): ConsoleActions {
  const parse = (text: string) => parseText<ContainerSpec>('ContainerSpec', text);
  return {
    async create(parent, childName, specText) {
      const c = await api.create(joinName(api.resolve(parent), childName), parse(specText));
      return c.name;
    },
    async update(name, specText) {
      await api.get(name).update(parse(specText), 'diff');
    },
    pause: (name) => api.get(name).pause(),
    resume: (name) => api.get(name).resume(),
    async run(name, command) {
      // Detached, its output into the container's log, which `l` shows.
      const child = await api.get(name).run(commandArgv([command.trim()]), { detached: true, log: true });
      child.unref();
      return child.pid!;
    },
    async signal(name, target, signal) {
      // KILL to everything is the engine's killAll, which also catches tasks forked meanwhile.
      if (target === 'all' && signal === 'KILL') await api.get(name).killAll();
      else api.get(name).signal(target, signal);
    },
    async processes(name) {
      return api.get(name).processes();
    },
    async log(name, offset) {
      return api.get(name).readLog(offset);
    },
    async shell(name, command) {
      return api.get(name).shell(command === '' ? undefined : commandArgv([command]));
    },
    destroy: (name, force) => api.destroy(name, { force }),
    async checkpoint(name, dir, leaveRunning) {
      await checkpoint(api, name, dir, { leaveRunning });
      return path.resolve(dir);
    },
    async specText(name) {
      const c = api.get(name);
      // A restored container says where it came from, as a comment the spec text format allows.
      const origin = originOf(c);
      return `${origin ? `# ${describeOrigin(origin)}\n` : ''}${formatText('ContainerSpec', c.spec())}`;
    },
    validateSpec(specText) {
      try {
        parse(specText);
        return undefined;
      } catch (e) {
        return e instanceof LmctfyError ? e.message : String(e);
      }
    },
  };
}

/** The machine policy's budget at a glance (docs/POLICY.md); undefined with no policy. */
function budgetOf(policy: AdmissionView | undefined): BudgetGlance | undefined {
  if (policy === undefined) return undefined;
  const sum = (r: 'cpu' | 'memory') => policy.tiers.reduce((s, t) => s + t.admitted[r], 0);
  return { admitted: { cpu: sum('cpu'), memory: sum('memory') }, allocatable: { ...policy.budget.allocatable } };
}

/** Journal records the console takes in at start: its event lists keep the last 20 a container. */
const JOURNAL_PAST = 500;

/**
 * The root's journal for the console: records of the watched tree (the machine's too when
 * it watches the whole root), less the actions of this process, which the console records
 * itself as it makes them. A journal that cannot be read leaves the console without one.
 */
export function followConsoleJournal(api: ContainerApi, rootName: string, listener: (records: readonly JournalRecord[], past: boolean) => void): () => void {
  const scope = api.machine.trackingDir('/');
  const shown = (r: JournalRecord) => isWithin(r.container, rootName) && !(r.kind === 'action' && r.pid === process.pid);
  try {
    const read = readJournal(scope);
    listener(read.records.filter(shown).slice(-JOURNAL_PAST), true);
    return followJournal(
      scope,
      (records) => {
        const kept = records.filter(shown);
        if (kept.length) listener(kept, false);
      },
      read.next,
    );
  } catch (e) {
    if (e instanceof LmctfyError) return () => undefined;
    throw e;
  }
}

export function liveSource(api: ContainerApi, live: LiveSampler, rootName: string): ConsoleSource {
  const backend = describeBackend(api);
  const cgroupPath = describeCgroupPath(api, rootName);
  const reads = exportReads(api);
  let budget = budgetOf(reads.admission?.());
  return {
    // The policy is read once per pass, as it arrives, never while drawing: the budget for
    // the header, each container's tier for the table.
    subscribe: (listener) =>
      live.subscribe((view) => {
        const admission = reads.admission?.();
        budget = budgetOf(admission);
        for (const c of view.containers) c.tier = containerTier(c, admission);
        listener(view);
      }),
    history: (name) => live.series(name),
    recentCpu: (name, n) => live.recentCpu(name, n),
    setIntervalMs: (ms) => live.setIntervalMs(ms),
    intervalMs: () => live.intervalMs(),
    header: () => ({
      host: os.hostname(),
      cpus: os.availableParallelism(),
      memoryBytes: os.totalmem(),
      cgroupMode: backend,
      rootName,
      cgroupPath,
      budget: () => budget,
    }),
    journal: (listener) => followConsoleJournal(api, rootName, listener),
  };
}

/**
 * The console samples on its main thread while a pass costs at most this much CPU (1,000
 * containers take 35–60 ms here), and in a worker beyond: a key waits at most about this
 * long behind a pass, under the ~100 ms a user notices, and a tree of up to a few thousand
 * containers does not pay for a second V8 isolate (BENCHMARKS.md, section 4b).
 */
const CONSOLE_PASS_BUDGET_MS = 100;

/**
 * In a replay the console changes nothing, and what only the present holds (processes, the
 * log, the spec) is not recorded: each says so where it would show.
 */
export function replayActions(): ConsoleActions {
  const absent = (what: string) => () => Promise.reject(new LmctfyError(Code.FAILED_PRECONDITION, `replay: ${what} is not recorded; lmctfy top without --replay shows it now`));
  const off = () => Promise.reject(new LmctfyError(Code.FAILED_PRECONDITION, 'replay: actions are off'));
  return {
    create: off,
    update: off,
    pause: off,
    resume: off,
    run: off,
    signal: off,
    destroy: off,
    shell: off,
    checkpoint: off,
    processes: absent('the process list'),
    log: absent('the log'),
    specText: absent('the spec'),
    validateSpec: () => undefined,
  };
}

async function runReplayTop(opts: TopOptions, replay: NonNullable<TopOptions['replay']>): Promise<void> {
  // Damage is met as the console reads: said once it has left the screen.
  const store = StoreReader.open(replay.dir);
  try {
    if (!store.span()) throw new LmctfyError(Code.NOT_FOUND, `record store ${replay.dir} holds no samples yet`);
    const top = opts.name === '/' ? '/' : ContainerApi.open(opts.api).resolve(opts.name);
    const atMs = replay.at === undefined ? undefined : parseTime(replay.at, Date.now(), '--at');
    await runConsole({ source: replaySource(store, top, atMs), actions: replayActions(), readOnly: true });
  } finally {
    for (const d of store.damage) process.stderr.write(`lmctfy: ${describeDamage(d)}\n`);
  }
}

export async function runInteractiveTop(opts: TopOptions): Promise<void> {
  if (opts.replay) return runReplayTop(opts, opts.replay);
  const api = ContainerApi.open(opts.api);
  const rootName = api.get(opts.name).name;
  const live = new LiveSampler({
    api: opts.api,
    root: rootName,
    intervalMs: opts.intervalMs,
    // A subtree shown empty and still by the container above it keeps its readings (exact: Sampler's carryEmpty).
    // The header's machine facts come from os (header() below): the host's files are not read each pass.
    sampler: { histograms: true, type: 'counters', carryEmpty: true, host: false },
    workerOverMs: CONSOLE_PASS_BUDGET_MS,
  });
  live.start();
  const stopCompacting = compactHeapEvery(CONSOLE_COMPACT_MS);
  try {
    await runConsole({ source: liveSource(api, live, rootName), actions: engineActions(api), readOnly: opts.readOnly });
  } finally {
    stopCompacting();
    live.stop();
  }
}
