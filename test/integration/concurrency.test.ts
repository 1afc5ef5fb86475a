/**
 * Concurrent lmctfy clients on real cgroups (docs/RELIABILITY.md 15): four OS processes — three
 * through the library bundle (dist/index.js), one through the built CLI — each run cycles of
 * create / update / pause / resume / run -n / destroy -f on the same few names, some nested
 * so a create races the destroy of its parent. The clients are bench/concurrency.mjs in
 * worker mode (the bench runs 4 × 250 of the same). Afterwards: no call failed with an
 * unexpected or non-canonical code, the kernel tree matches what lmctfy lists, and after a
 * final destroy -f nothing is left: no cgroup, no process.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { Machine } from '../../src/engine/kernel/machine.js';
import { placementFiles } from '../../src/engine/placement.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { PROC_CGROUP, untouchableIo, v1Layout } from '../helpers/properties.js';

const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/concurrency.mjs');
const LIB_CYCLES = 25;
/** A CLI call costs a Node start (≈ 0.2 s): fewer cycles keep the file well under a minute. */
const CLI_CYCLES = 10;
/** Hierarchies every container of the workers has a dir in: tracking ones plus cpu and memory. */
const ISOLATED = ['freezer', 'cpuacct', 'pids', 'cpu', 'memory'];

interface Report {
  worker: number;
  mode: string;
  ops: Record<string, Record<string, number>>;
  pids: number[];
  bad: Array<{ op: string; name?: string; code: string; message?: string }>;
}

function runWorker(id: number, root: string, mode: 'lib' | 'cli', cycles: number, marker: string): Promise<Report> {
  const args = ['--worker', String(id), '--root', root, '--cycles', String(cycles), '--mode', mode, '--seed', String(id + 7 * process.pid), '--marker', marker];
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker ${id} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Report);
    }),
  );
}

/** Subdirectories below dir, as paths relative to it ("/s0", "/s0/k"). */
function subdirs(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(dir + rel, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      out.push(`${rel}/${e.name}`);
      walk(`${rel}/${e.name}`);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}

/** Pids running (not zombies) with the marker among their arguments: the workers' payloads. */
function aliveWithMarker(marker: string): number[] {
  const alive: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (args.includes(marker) && state !== 'Z') alive.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return alive;
}

describeCgroups('concurrent clients on shared names (docs/RELIABILITY.md 15)', () => {
  const t = testRoot('conc');
  const marker = `${1000 + (process.pid % 1000)}.${process.pid}`;
  const hierarchy = (c: string) => rootDirs(t.root).find((d) => d.includes(`/${c}/`))!;
  beforeAll(async () => {
    await ContainerApi.init({}, { root: t.root });
  });
  afterAll(async () => {
    for (const pid of aliveWithMarker(marker)) process.kill(pid, 'SIGKILL');
    await t.cleanup();
  });

  it('4 processes × create/update/pause/resume/run -n/destroy -f: no unexpected failure, no leak', async () => {
    const reports = await Promise.all([
      runWorker(0, t.root, 'cli', CLI_CYCLES, marker),
      ...[1, 2, 3].map((id) => runWorker(id, t.root, 'lib', LIB_CYCLES, marker)),
    ]);
    for (const r of reports) {
      expect(r.bad, `worker ${r.worker} (${r.mode})`).toEqual([]);
      const calls = Object.values(r.ops).flatMap((byCode) => Object.values(byCode));
      expect(calls.reduce((a, b) => a + b, 0)).toBe(6 * (r.mode === 'cli' ? CLI_CYCLES : LIB_CYCLES));
    }
    // The races must have happened: some calls lost (NOT_FOUND, ALREADY_EXISTS), some won.
    const ok = reports.flatMap((r) => Object.values(r.ops).map((byCode) => byCode.OK ?? 0)).reduce((a, b) => a + b, 0);
    const lost = reports.flatMap((r) => Object.values(r.ops).map((byCode) => byCode.NOT_FOUND ?? 0)).reduce((a, b) => a + b, 0);
    expect(ok).toBeGreaterThan(50);
    expect(lost).toBeGreaterThan(0);

    // What lmctfy lists is exactly what the kernel has, in every hierarchy.
    const listed = lmctfy(t.root, ['list', 'containers', '-r', '-v', '/']);
    expect(listed.code, listed.stderr).toBe(0);
    const names = listed.stdout.split('\n').filter(Boolean).sort();
    for (const c of ISOLATED) expect(subdirs(hierarchy(c)), c).toEqual(names);
    for (const c of ['cpuset', 'blkio', 'devices']) expect(subdirs(hierarchy(c)), c).toEqual([]);

    for (const n of names.filter((x) => x.split('/').length === 2)) {
      const r = lmctfy(t.root, ['destroy', '-f', n]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const d of rootDirs(t.root)) expect(subdirs(d), d).toEqual([]);
    const pids = reports.flatMap((r) => r.pids);
    expect(pids.length).toBeGreaterThan(0);
    expect(aliveWithMarker(marker)).toEqual([]);
  }, 120_000);
});

describe('run racing a destroy of the same container', () => {
  it('places the task in the tracking hierarchy first and never in an ancestor there', () => {
    // The container's dirs are gone (a destroy got there first): nothing exists.
    const io: KernelIo = new Proxy(untouchableIo, { get: (io, op) => (op === 'exists' ? () => false : Reflect.get(io, op)) });
    const m = new Machine({ io, layout: v1Layout(false), procCgroupText: PROC_CGROUP, root: 'r', version: 1 });
    const files = placementFiles(m, '/gone/k', 'procs');
    expect(files[0]).toBe('/sys/fs/cgroup/freezer/r/gone/k/cgroup.procs');
    expect(files.filter((f) => f.includes('/freezer/'))).toHaveLength(1);
    // Shared hierarchies still fall back to the nearest ancestor that has a dir (here: the root).
    expect(files).toContain('/sys/fs/cgroup/cpu/r/cgroup.procs');
  });
});
