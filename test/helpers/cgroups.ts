/**
 * Real-cgroup test scaffolding. Every test root is a unique directory *below this test
 * process's own cgroup* in every hierarchy (and in the cgroup2 mount), and is torn down
 * with a raw walk that does not trust the engine under test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'vitest';
import { realIo } from '../../src/engine/kernel/io.js';
import { readLayout, ownCgroupsFrom, type CgroupVersion } from '../../src/engine/kernel/layout.js';

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

/** describe() for real-cgroup tests: skipped with a reason, or failing under LMCTFY_REQUIRE_CGROUPS=1. */
export function describeCgroups(name: string, fn: () => void): void {
  if (!cgroupsWritable && process.env.LMCTFY_REQUIRE_CGROUPS === '1') {
    describe(name, () => {
      throw new Error(`LMCTFY_REQUIRE_CGROUPS=1 but ${reason}`);
    });
    return;
  }
  describe.skipIf(!cgroupsWritable)(`${name}${cgroupsWritable ? '' : ` (skipped: ${reason})`}`, fn);
}

let counter = 0;
/** A fresh relative root name, unique across parallel test files and runs. */
export function uniqueRoot(tag = 't'): string {
  return `lmctfy-test-${tag}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
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

/** Kills everything below a test root and removes it in every hierarchy. Safe to call twice. */
export async function removeRoot(relRoot: string): Promise<string[]> {
  const left: string[] = [];
  const dirs = rootDirs(relRoot).filter((d) => fs.existsSync(d));
  for (let attempt = 0; attempt < 50; attempt++) {
    let busy = false;
    for (const top of dirs) {
      for (const d of subtreeDeepestFirst(top)) {
        tryWrite(path.join(d, 'cgroup.kill'), '1');
        for (const pid of readPids(d)) {
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
    if (!busy) return left;
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
  for (const top of dirs) if (fs.existsSync(top)) left.push(top);
  return left;
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
