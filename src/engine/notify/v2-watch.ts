import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import { kernelError } from '../kernel/errno.js';
import type { KernelIo } from '../kernel/io.js';

/** A flat-keyed cgroup v2 file (`key value` lines, e.g. memory.events) as a map. */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key && value !== undefined && extra === undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** Decides from each new content of a watched file whether the event happened. */
export type EdgeDetector = (text: string) => boolean;

/** memory.events: an event each time `key` (oom_kill) is seen higher than before. */
export function counterRose(key: string, initialText: string): EdgeDetector {
  let last = parseKeyed(initialText).get(key) ?? 0;
  return (text) => {
    const now = parseKeyed(text).get(key);
    if (now === undefined) return false;
    const rose = now > last;
    last = now;
    return rose;
  };
}

/** cgroup.events: an event each time `key` (populated) goes from non-zero to 0. */
export function fellToZero(key: string, initialText: string): EdgeDetector {
  let last = parseKeyed(initialText).get(key);
  return (text) => {
    const now = parseKeyed(text).get(key);
    if (now === undefined) return false;
    const fell = now === 0 && last !== undefined && last !== 0;
    last = now;
    return fell;
  };
}

export interface FileWatchHandlers {
  /** Builds the detector from the file's content once the watch is in place. */
  edge(initialText: string): EdgeDetector;
  /** The detector saw the event. */
  fire(): void;
  /** The cgroup dir was removed. */
  gone(): void;
  failed(e: LmctfyError): void;
}

export interface FileWatch {
  close(): void;
}

/**
 * inotify (fs.watch) on one control file of a cgroup v2 dir. The kernel sends nothing on
 * the file when the cgroup is removed, so the parent dir is watched too: its entry for
 * the cgroup going away is how removal is seen. Exactly one of gone/failed ends a watch.
 * The initial content is read after the watch is in place, so no change falls between.
 */
export function watchCgroupFile(io: KernelIo, dir: string, file: string, h: FileWatchHandlers): FileWatch {
  const target = path.posix.join(dir, file);
  const base = path.posix.basename(dir);
  const watchers: fs.FSWatcher[] = [];
  let ended = false;
  const close = () => {
    ended = true;
    for (const w of watchers) w.close();
  };
  const end = (e?: LmctfyError) => {
    if (ended) return;
    const gone = !io.exists(dir);
    close();
    if (gone) h.gone();
    else h.failed(e ?? new LmctfyError(Code.UNAVAILABLE, `watch on ${target} ended`));
  };
  let detect: EdgeDetector | undefined;
  const onFile = () => {
    if (ended || !detect) return;
    let text: string;
    try {
      text = io.readFile(target);
    } catch (e) {
      end(kernelError('read', target, e));
      return;
    }
    if (detect(text)) h.fire();
  };
  const start = (p: string, listener: (event: string, name: string | null) => void) => {
    let w: fs.FSWatcher;
    try {
      w = fs.watch(p, { persistent: true }, listener);
    } catch (e) {
      close();
      throw kernelError('watch', p, e);
    }
    w.on('error', (e) => end(kernelError('watch', p, e)));
    watchers.push(w);
  };
  start(target, onFile);
  start(path.posix.dirname(dir), (_event, name) => {
    if (!ended && (name === null || name === base) && !io.exists(dir)) end();
  });
  try {
    detect = h.edge(io.readFile(target));
  } catch (e) {
    close();
    throw e;
  }
  return { close };
}
