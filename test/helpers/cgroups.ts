/**
 * Real-cgroup test scaffolding. Every test root is a unique directory *below this test
 * process's own cgroup* in every hierarchy (and in the cgroup2 mount), and is torn down
 * with a raw walk that does not trust the engine under test.
 *
 * Teardown does not depend on each file's own afterAll: a suite declared with
 * describeCgroups removes every root its tests named once the suite is over, whatever
 * failed (its afterAll included), and removes roots left by a test process that was
 * killed before its teardown (a root's name holds its process's pid).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { aroundAll, describe } from 'vitest';
import { realIo } from '../../src/engine/kernel/io.js';
import { readLayout, ownCgroupsFrom, type CgroupVersion } from '../../src/engine/kernel/layout.js';
import { journalFiles as filesOfJournal, removeJournal } from '../../src/engine/journal.js';

function probeWritable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    const layout = readLayout(realIo);
    const own = ownCgroupsFrom(layout, fs.readFileSync('/proc/self/cgroup', 'utf8'));
    const dir = own.v1.get('freezer') ?? own.unified;
    if (!dir) return 'no freezer or cgroup2 hierarchy mounted';
    const probe = path.join(dir, `lmctfy-probe-${process.pid}-${Date.now()}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return undefined;
  } catch (e) {
    return `cgroups not writable: ${(e as Error).message}`;
  }
}

const reason = probeWritable();
export const cgroupsWritable = reason === undefined;
export const hasUnified = (() => {
  try {
    return readLayout(realIo).unified !== undefined;
  } catch {
    return false;
  }
})();

/**
 * describe() for real-cgroup tests: skipped with a reason, or failing under
 * LMCTFY_REQUIRE_CGROUPS=1. Once the suite is over, after its own afterAll (which may have
 * thrown before its cleanup), every root named while collecting it is removed; one that
 * cannot be fails the suite, naming what is left.
 */
export function describeCgroups(name: string, fn: () => void): void {
  if (!cgroupsWritable && process.env.LMCTFY_REQUIRE_CGROUPS === '1') {
    describe(name, () => {
      throw new Error(`LMCTFY_REQUIRE_CGROUPS=1 but ${reason}`);
    });
    return;
  }
  describe.skipIf(!cgroupsWritable)(`${name}${cgroupsWritable ? '' : ` (skipped: ${reason})`}`, () => {
    const named: string[] = [];
    const outer = naming;
    naming = named;
    try {
      fn();
    } finally {
      naming = outer;
    }
    aroundAll(async (runSuite) => {
      await removeStaleRoots();
      try {
        await runSuite();
      } finally {
        const left: string[] = [];
        for (const root of named) if (live.has(root)) left.push(...(await removeRoot(root)));
        if (left.length) throw new Error(`test roots not removed: ${left.join(', ')}`);
      }
    });
  });
}

let counter = 0;
/** Roots named by this process and not yet removed. */
const live = new Set<string>();
/** Where uniqueRoot records names while a describeCgroups suite is being collected. */
let naming: string[] | undefined;

/** A fresh relative root name, unique across parallel test files and runs. */
export function uniqueRoot(tag = 't'): string {
  const root = `lmctfy-test-${tag}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  live.add(root);
  naming?.push(root);
  return root;
}

/** A test root's or probe's name, with the pid of the process that made it. */
const TEST_DIR = /^lmctfy-(?:test-.+-(\d+)-[0-9a-z]+-\d+|probe-(\d+)-\d+)$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The entries named as test roots or probes whose process is not alive. */
export function staleAmong(entries: readonly string[], isAlive: (pid: number) => boolean = alive): string[] {
  return entries.filter((entry) => {
    const m = TEST_DIR.exec(entry);
    return m !== null && !isAlive(Number(m[1] ?? m[2]));
  });
}

/**
 * Test roots directly below this process's own cgroups whose process is gone: left by a
 * test process killed before its teardown ran. A live pid (even reused) keeps its roots.
 */
export function staleRoots(): string[] {
  const stale = new Set<string>();
  for (const dir of rootDirs('')) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of staleAmong(entries)) stale.add(entry);
  }
  return [...stale];
}

/** Removes stale roots; one that stays (a task that will not die) is reported, not fatal. */
async function removeStaleRoots(): Promise<void> {
  for (const root of staleRoots()) {
    const left = await removeRoot(root);
    if (left.length) console.warn(`a killed test run left ${left.join(', ')}, which cannot be removed`);
  }
}

/** Kernel directories a relative root maps to, in every v1 hierarchy and the cgroup2 mount. */
export function rootDirs(relRoot: string): string[] {
  const layout = readLayout(realIo);
  const own = ownCgroupsFrom(layout, fs.readFileSync('/proc/self/cgroup', 'utf8'));
  const dirs = new Set<string>();
  for (const d of own.v1.values()) dirs.add(path.join(d, relRoot));
  if (own.unified) dirs.add(path.join(own.unified, relRoot));
  return [...dirs];
}

function subtreeDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

function readPids(dir: string): number[] {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function tryWrite(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch {
    /* best effort during teardown */
  }
}

/**
 * Kills everything below a test root and removes it in every hierarchy, children before
 * parents; a dir stays busy while a killed task is not yet reaped (an orphan waits for
 * PID 1, up to about a second), so removal is retried for up to ~25 s. Safe to call twice.
 * Returns the dirs left. The root's journal goes with it: one per test root would otherwise
 * pile up in /run/lmctfy/journal (docs/JOURNAL.md).
 */
export async function removeRoot(relRoot: string): Promise<string[]> {
  const left: string[] = [];
  const dirs = rootDirs(relRoot).filter((d) => fs.existsSync(d));
  for (let attempt = 0; attempt < 50; attempt++) {
    let busy = false;
    for (const top of dirs) {
      for (const d of subtreeDeepestFirst(top)) {
        tryWrite(path.join(d, 'cgroup.kill'), '1');
        for (const pid of readPids(d)) {
          // Never ourselves: a test that moved its own process here must not end the run.
          if (pid === process.pid) continue;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        if (fs.existsSync(path.join(d, 'freezer.state'))) tryWrite(path.join(d, 'freezer.state'), 'THAWED');
        if (fs.existsSync(path.join(d, 'cgroup.freeze'))) tryWrite(path.join(d, 'cgroup.freeze'), '0');
      }
      for (const d of subtreeDeepestFirst(top)) {
        try {
          fs.rmdirSync(d);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') busy = true;
        }
      }
    }
    if (!busy) {
      live.delete(relRoot);
      for (const dir of rootDirs(relRoot)) removeJournal(dir);
      return left;
    }
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
  for (const top of dirs) if (fs.existsSync(top)) left.push(top);
  return left;
}

/** Journal files of a root (its current file and the rotated one), whichever hierarchy keys it. */
export function journalFiles(relRoot: string): string[] {
  return rootDirs(relRoot).flatMap(filesOfJournal);
}

export interface TestRoot {
  /** Relative root to pass as `--root` / MachineOptions.root. */
  root: string;
  version: CgroupVersion;
  cleanup(): Promise<void>;
}

/** Creates nothing: the engine's `init` makes the root. cleanup() removes whatever exists. */
export function testRoot(tag = 't', version: CgroupVersion = 1): TestRoot {
  const root = uniqueRoot(tag);
  return {
    root,
    version,
    async cleanup() {
      const left = await removeRoot(root);
      if (left.length) throw new Error(`test root not removed: ${left.join(', ')}`);
    },
  };
}
