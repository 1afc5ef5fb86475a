/**
 * Invariants shared by the quick property tests (test/unit/*-property) and the long fuzz
 * runs (test/fuzz): what a kernel-file parser or a name resolver may do with any input.
 */
import { expect } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { V1_CONTROLLERS, layoutFromMounts, ownCgroupsFrom, type CgroupLayout, type Hierarchy, type V1Controller } from '../../src/engine/kernel/layout.js';
import { Machine } from '../../src/engine/kernel/machine.js';
import { parseMountinfo, parseProcCgroup, unescapeMountField } from '../../src/engine/kernel/mountinfo.js';
import { parseCpuList as parseOnlineCpus, parseLoadavg, parseMeminfo, parseSchedstat } from '../../src/engine/kernel/procfs.js';
import { parseBlkioLines, parseDefaultWeight, parseIoStat } from '../../src/engine/resources/blkio.js';
import { parseCpuMax } from '../../src/engine/resources/conversions.js';
import { parseCpuHistograms } from '../../src/engine/resources/cpuacct.js';
import { parseCpuList } from '../../src/engine/resources/cpulist.js';
import { parseDevicesList } from '../../src/engine/resources/devices.js';
import {
  parseCounter,
  parseCounterList,
  parseFlatKeyed,
  parseInteger,
  parseLimit,
  parseNestedKeyed,
  parsePressure,
} from '../../src/engine/resources/parse.js';

/**
 * CPU time a single parser call may use on inputs of a few KiB before it counts as a hang.
 * CPU time, not wall time: on a shared machine a call can wait long for a CPU.
 */
const HANG_CPU_MS = 1000;

/**
 * Runs a parser: it returns a value or throws an LmctfyError (with one of `codes` when
 * given), never anything else, and within HANG_CPU_MS.
 */
export function returnsOrFailsCleanly<T>(fn: () => T, codes?: Code[]): T | LmctfyError {
  const before = process.cpuUsage();
  let out: T | LmctfyError;
  try {
    out = fn();
  } catch (e) {
    if (!(e instanceof LmctfyError)) throw e;
    if (codes && !codes.includes(e.code)) throw new Error(`unexpected ${Code[e.code]}: ${e.message}`);
    out = e;
  }
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  if (ms > HANG_CPU_MS) throw new Error(`used ${ms.toFixed(0)} ms of CPU`);
  return out;
}

/** Control files a cgroup directory holds on v1 and v2: no container may be named like one. */
export const CONTROL_FILES = [
  'tasks',
  'cgroup.procs',
  'cgroup.threads',
  'cgroup.clone_children',
  'cgroup.subtree_control',
  'cgroup.controllers',
  'cgroup.kill',
  'cgroup.freeze',
  'cgroup.events',
  'notify_on_release',
  'release_agent',
  'cpu.shares',
  'cpu.cfs_quota_us',
  'cpu.max',
  'cpu.weight',
  'cpuacct.usage',
  'cpuset.cpus',
  'cpuset.mems',
  'memory.limit_in_bytes',
  'memory.max',
  'memory.stat',
  'freezer.state',
  'pids.max',
  'blkio.weight',
  'io.max',
  'devices.allow',
  'devices.deny',
];

const COMPONENT = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
/** Every control file is `<controller>.<file>` or one of the v1 core files (cgroups(7)). */
const CONTROL_FILE = /^(tasks|notify_on_release|release_agent|(cgroup|cpu|cpuacct|cpuset|memory|freezer|pids|blkio|devices|io|hugetlb|rdma|misc|net_cls|net_prio|perf_event)\..*)$/;

export function isControlFileName(component: string): boolean {
  return CONTROL_FILE.test(component);
}

/** A resolved name is absolute and clean: no empty, `.` or `..` component, no control-file name. */
export function expectCleanName(name: string): void {
  expect(name.startsWith('/')).toBe(true);
  if (name === '/') return;
  for (const c of name.slice(1).split('/')) {
    expect(c, `component of ${name}`).toMatch(COMPONENT);
    expect(c === '.' || c === '..').toBe(false);
    expect(isControlFileName(c), `${c} in ${name} names a control file`).toBe(false);
  }
}

/** A KernelIo that fails the test if touched: Machine must not read the kernel when given everything. */
export const untouchableIo: KernelIo = new Proxy({} as KernelIo, {
  get(_t, op) {
    return () => {
      throw new Error(`kernel touched: ${String(op)}`);
    };
  },
});

/** A v1 layout like this machine's, optionally with cpu and cpuacct co-mounted (docs/RELIABILITY.md 21). */
export function v1Layout(comounted: boolean): CgroupLayout {
  const v1 = new Map<V1Controller, Hierarchy>();
  for (const c of V1_CONTROLLERS) {
    const joint = comounted && (c === 'cpu' || c === 'cpuacct');
    v1.set(c, {
      mountPoint: joint ? '/sys/fs/cgroup/cpu,cpuacct' : `/sys/fs/cgroup/${c}`,
      mountRoot: '/',
      controllers: joint ? ['cpu', 'cpuacct'] : [c],
    });
  }
  return { mode: 'hybrid', v1, unified: { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/', controllers: [] } };
}

/** The caller sits in a nested memory cgroup and at the top elsewhere, as on this machine. */
export const PROC_CGROUP = [
  '9:name=systemd:/',
  '8:pids:/',
  '7:blkio:/',
  '6:freezer:/',
  '5:devices:/',
  '4:memory:/process_api/c84cc817',
  '3:cpuset:/',
  '2:cpu,cpuacct:/',
  '0::/',
].join('\n');

/** A Machine over a fixed layout and /proc/self/cgroup text: nothing is read from the kernel. */
export function offlineMachine(root: string, comounted = false): Machine {
  return new Machine({ io: untouchableIo, layout: v1Layout(comounted), procCgroupText: PROC_CGROUP, root, version: 1 });
}

interface KernelParser {
  name: string;
  parse: (text: string) => unknown;
  /** Codes it may fail with; [] = it must never throw. */
  codes: Code[];
}

/** Every parser of kernel-provided text (docs/RELIABILITY.md 21), with what it may fail with. */
const KERNEL_PARSERS: KernelParser[] = [
  { name: 'parseMountinfo', parse: parseMountinfo, codes: [Code.DATA_LOSS] },
  { name: 'layoutFromMounts', parse: (t) => layoutFromMounts(parseMountinfo(t)), codes: [Code.DATA_LOSS, Code.FAILED_PRECONDITION] },
  { name: 'unescapeMountField', parse: unescapeMountField, codes: [] },
  { name: 'parseProcCgroup', parse: parseProcCgroup, codes: [Code.DATA_LOSS] },
  { name: 'ownCgroupsFrom', parse: (t) => ownCgroupsFrom(v1Layout(true), t), codes: [Code.DATA_LOSS] },
  { name: 'parseInteger', parse: parseInteger, codes: [] },
  { name: 'parseCounter', parse: parseCounter, codes: [] },
  { name: 'parseLimit', parse: parseLimit, codes: [] },
  { name: 'parseCounterList', parse: parseCounterList, codes: [] },
  { name: 'parseFlatKeyed', parse: (t) => parseFlatKeyed(t), codes: [] },
  { name: 'parseFlatKeyed(wanted)', parse: (t) => parseFlatKeyed(t, new Set(['rss', 'cache', 'nr_periods'])), codes: [] },
  { name: 'parseNestedKeyed', parse: parseNestedKeyed, codes: [] },
  { name: 'parsePressure', parse: parsePressure, codes: [] },
  { name: 'parseCpuMax', parse: parseCpuMax, codes: [] },
  { name: 'parseCpuHistograms', parse: parseCpuHistograms, codes: [] },
  { name: 'parseDefaultWeight', parse: parseDefaultWeight, codes: [] },
  { name: 'parseBlkioLines', parse: (t) => parseBlkioLines(t, new Map(), 'read_bytes', 'write_bytes'), codes: [] },
  { name: 'parseIoStat', parse: (t) => parseIoStat(t, new Map()), codes: [] },
  { name: 'parseDevicesList', parse: parseDevicesList, codes: [] },
  { name: 'parseSchedstat', parse: parseSchedstat, codes: [Code.DATA_LOSS] },
  { name: 'parseLoadavg', parse: parseLoadavg, codes: [Code.DATA_LOSS] },
  { name: 'parseMeminfo', parse: parseMeminfo, codes: [Code.DATA_LOSS] },
  { name: 'procfs parseCpuList', parse: parseOnlineCpus, codes: [Code.DATA_LOSS] },
  { name: 'cpulist parseCpuList', parse: parseCpuList, codes: [Code.INVALID_ARGUMENT] },
];

/** Feeds one text to every kernel parser; each returns or fails cleanly. */
export function allParsersSurvive(text: string): void {
  for (const p of KERNEL_PARSERS) {
    try {
      returnsOrFailsCleanly(() => p.parse(text), p.codes);
    } catch (e) {
      throw new Error(`${p.name}(${JSON.stringify(text.slice(0, 200))}): ${(e as Error).message}`, { cause: e });
    }
  }
}
