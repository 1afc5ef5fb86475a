import type { HistorySeries, SampleView } from '../stats/model.js';

/** Static facts about the machine and the tree the console watches. */
export interface ConsoleHeader {
  host: string;
  cpus: number;
  memoryBytes: number;
  /** "v1", "v2" or "hybrid", as the engine detected it. */
  cgroupMode: string;
  /** Absolute name of the top of the watched tree. */
  rootName: string;
}

/** Where the console's numbers come from: the sampler in production, a fake in tests and `--demo`. */
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
  /** Runs `command` detached inside the container; returns its pid. */
  run(name: string, command: string): Promise<number>;
  killAll(name: string): Promise<void>;
  destroy(name: string, force: boolean): Promise<void>;
  /** The container's current spec in protobuf text format. */
  specText(name: string): Promise<string>;
  /** Returns an error message, or undefined when the spec text is valid. */
  validateSpec(specText: string): string | undefined;
}
