import type { JournalRecord } from '../engine/journal.js';
import type { HistorySeries, SampleView } from '../stats/model.js';
import type { SignalName } from './state/flows.js';
import type { LogChunk } from './state/console-state.js';
import type { ProcessSnapshot } from './view/processes.js';

export type { LogChunk, ProcessSnapshot, SignalName };

/** Static facts about the machine and the tree the console watches. */
export interface ConsoleHeader {
  host: string;
  cpus: number;
  memoryBytes: number;
  /** "v1", "v2" or "hybrid", as the engine detected it. */
  cgroupMode: string;
  /** Absolute name of the top of the watched tree. */
  rootName: string;
  /** The kernel's path of that top (the delegated cgroup), where the source knows it. */
  cgroupPath?: string;
  /** In a replay: the recorded moment shown, for the header ("REPLAY 2026-12-02 03:12:05"). */
  replayTime?: () => string;
  /** The machine policy's budget as of the latest pass (no I/O); absent, or undefined, with no policy (docs/POLICY.md). */
  budget?: () => BudgetGlance | undefined;
}

/** What the policy has admitted at the machine's scope, of what it may (capacity − reserve): CPU in milli-CPUs, memory in bytes. */
export interface BudgetGlance {
  admitted: { cpu: number; memory: number };
  allocatable: { cpu: number; memory: number };
}

/** A move through a recording: by samples, by a span of time, to a typed time, or to the next journal record. */
export type ReplayMove = { kind: 'step'; samples: number } | { kind: 'shift'; ms: number } | { kind: 'goTo'; text: string } | { kind: 'nextEvent' };

/** What a replayed source adds: moving through the recording. */
export interface ReplayControl {
  /** Moves and publishes the sample reached; returns the status line saying where it is, or why it did not move. */
  move(to: ReplayMove): { text: string; warn?: boolean };
}

/** Where the console's numbers come from: the sampler in production, a recording in a replay, a fake in tests. */
export interface ConsoleSource {
  /** Calls `listener` with every new pass; returns the unsubscribe function. */
  subscribe(listener: (view: SampleView) => void): () => void;
  /** The whole history with percentiles (the detail panel). */
  history(name: string): HistorySeries | undefined;
  /** The newest `n` CPU % points, oldest first (a row's sparkline, every pass for every visible row). */
  recentCpu(name: string, n: number): readonly number[] | undefined;
  setIntervalMs(ms: number): void;
  intervalMs(): number;
  header(): ConsoleHeader;
  /**
   * Follows the root's journal (docs/JOURNAL.md): `listener` gets the recent records of the
   * watched tree once (`past`), then each batch as it is appended. Returns the function
   * that stops following. A source without it shows no journal.
   */
  journal?(listener: (records: readonly JournalRecord[], past: boolean) => void): () => void;
  /** Present when the source replays a recording (lmctfy top --replay): actions are off, the replay keys move. */
  replay?: ReplayControl;
}

/**
 * What the console can do to containers. Failures are thrown as LmctfyError; the console
 * shows their `describe()` on the status line.
 */
export interface ConsoleActions {
  /** Returns the new container's absolute name. */
  create(parent: string, childName: string, specText: string): Promise<string>;
  update(name: string, specText: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** Runs `command` detached inside the container, its output into the container's log; returns its pid. */
  run(name: string, command: string): Promise<number>;
  /** Sends a signal to one of the container's processes or to all of them. */
  signal(name: string, target: number | 'all', signal: SignalName): Promise<void>;
  /** The container's processes (htop's fields), for the process list. */
  processes(name: string): Promise<ProcessSnapshot>;
  /** The container's log of detached commands from `offset` (default: its tail); follow it with `next`. */
  log(name: string, offset?: number): Promise<LogChunk>;
  /**
   * Runs `command` (empty: the user's shell) inside the container with the terminal, which
   * the console has given up; returns its exit status.
   */
  shell(name: string, command: string): Promise<number>;
  destroy(name: string, force: boolean): Promise<void>;
  /** Saves the container's processes and spec into `dir` with criu (ending them unless leaveRunning); returns the directory's absolute path. */
  checkpoint(name: string, dir: string, leaveRunning: boolean): Promise<string>;
  /** The container's current spec in protobuf text format. */
  specText(name: string): Promise<string>;
  /** Returns an error message, or undefined when the spec text is valid. */
  validateSpec(specText: string): string | undefined;
}
