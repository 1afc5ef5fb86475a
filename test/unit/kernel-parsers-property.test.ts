/**
 * Properties of the kernel-file parsers over docs/RELIABILITY.md 21 shapes: negative numbers, `max`,
 * missing or doubled trailing newlines, unknown and duplicated keys, values ≥ 2^63,
 * /proc/self/cgroup paths containing `:`, mountinfo with escaped spaces and co-mounted
 * hierarchies. Every parser returns a value or fails with its documented LmctfyError, never
 * anything else, and never hangs. Mutation fuzzing of real files: test/fuzz/kernel-parsers-fuzz.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { layoutFromMounts, readLayout } from '../../src/engine/kernel/layout.js';
import { parseMountinfo, parseProcCgroup } from '../../src/engine/kernel/mountinfo.js';
import { parseCpuList as parseOnlineCpus, parseSchedstat } from '../../src/engine/kernel/procfs.js';
import { cpusToMaskWords, formatCpuList, maskWordsToCpus, parseCpuList } from '../../src/engine/resources/cpulist.js';
import { parseCounter, parseFlatKeyed, parseInteger, parseLimit } from '../../src/engine/resources/parse.js';
import { allParsersSurvive, returnsOrFailsCleanly } from '../helpers/properties.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

const RUNS = { numRuns: 1000 };

/** How the kernel (or a surprise) spells a number. */
const kernelNumber = fc.oneof(
  fc.nat().map(String),
  fc.integer({ min: -1_000_000, max: -1 }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('max', '-1', '0', '9223372036854771712', '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '+3', '1.5', '0x10', '1e3', '', ' '),
);
const ending = fc.constantFrom('\n', '', '\n\n', ' \n', '\r\n');
/** procfs lines end in \n only; a carriage return there would be part of the last field. */
const procEnding = fc.constantFrom('\n', '', '\n\n');
/** Keys real files have plus unknown ones; drawn from a small pool so duplicates are common. */
const key = fc.oneof(fc.constantFrom('rss', 'cache', 'nr_periods', 'throttled_time', 'usage_usec', 'oom_kill', 'total'), fc.stringMatching(/^[a-z_]{1,8}$/));
const flatKeyed = fc.tuple(fc.array(fc.tuple(key, kernelNumber), { maxLength: 12 }), ending).map(([lines, end]) => ({
  lines,
  text: lines.map(([k, v]) => `${k} ${v}`).join('\n') + end,
}));

const INTEGER = /^-?\d+$/;

describe('single values (docs/RELIABILITY.md 21)', () => {
  it('integer, counter and limit files agree with their definitions, whatever the newline', () => {
    fc.assert(
      fc.property(kernelNumber, ending, (n, end) => {
        const text = n + end;
        const t = text.trim();
        const int = INTEGER.test(t) ? Number(t) : undefined;
        expect(parseInteger(text)).toBe(int);
        expect(parseCounter(text)).toBe(int !== undefined && int >= 0 ? int : undefined);
        // Negative and beyond-2^53 values (v1's 2^63-4096 "no limit", 2^64-1) mean unlimited.
        const limit = t === 'max' ? -1 : int === undefined ? undefined : int < 0 || int > Number.MAX_SAFE_INTEGER ? -1 : int;
        expect(parseLimit(text)).toBe(limit);
      }),
      RUNS,
    );
  });
});

describe('flat keyed files (memory.stat, cpu.stat, memory.events)', () => {
  it('keep every key, unknown ones too; the last integer value of a duplicated key wins', () => {
    fc.assert(
      fc.property(flatKeyed, ({ lines, text }) => {
        const want = new Map<string, number>();
        for (const [k, v] of lines) if (INTEGER.test(v.trim())) want.set(k, Number(v.trim()));
        expect(parseFlatKeyed(text)).toEqual(want);
        // Wanted keys are searched for, not split out: same answer for them.
        const wanted = new Set([...lines.slice(0, 2).map(([k]) => k), 'absent_key']);
        expect(parseFlatKeyed(text, wanted)).toEqual(new Map([...want].filter(([k]) => wanted.has(k))));
        allParsersSurvive(text);
      }),
      RUNS,
    );
  });
});

/** Characters mountinfo escapes as octal (proc(5)), and the escape. */
const escapeMount = (s: string) => s.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
const mountPath = fc
  .array(fc.oneof(fc.stringMatching(/^[a-z0-9,._-]{1,8}$/), fc.constantFrom('with space', 'tab\there', 'new\nline', 'back\\slash', 'a:b', 'cpu,cpuacct')), { maxLength: 4 })
  .map((cs) => '/' + cs.join('/'));
const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'freezer', 'pids', 'blkio', 'devices'];
const controllerSet = fc.oneof(fc.subarray(CONTROLLERS, { minLength: 1 }), fc.constant(['name=systemd']));
const otherMount = fc.record({ root: mountPath, mountPoint: mountPath, fsType: fc.constantFrom('cgroup2', 'tmpfs', 'ext4'), controllers: fc.constant([] as string[]) });
/** A v1 controller lives in one hierarchy: split them into groups, some co-mounted (`cpu,cpuacct`). */
const v1Mounts = fc
  .tuple(fc.array(fc.nat({ max: 3 }), { minLength: CONTROLLERS.length, maxLength: CONTROLLERS.length }), fc.array(mountPath, { minLength: 4, maxLength: 4 }))
  .map(([group, points]) =>
    [0, 1, 2, 3]
      .map((g) => ({ root: '/', mountPoint: points[g]!, fsType: 'cgroup', controllers: CONTROLLERS.filter((_, i) => group[i] === g) }))
      .filter((m) => m.controllers.length > 0),
  );
const mounts = fc
  .tuple(v1Mounts, fc.array(otherMount, { minLength: 1, maxLength: 3 }), fc.boolean())
  .chain(([v1, other, withV1]) => fc.shuffledSubarray([...(withV1 ? v1 : []), ...other], { minLength: 1 }))
  .chain((ms) => fc.tuple(...ms.map((m) => fc.subarray(['shared:7', 'master:3', 'propagate_from:2', 'unbindable']).map((optional) => ({ ...m, optional })))));

describe('mountinfo (escaped spaces, co-mounted hierarchies)', () => {
  it('round-trips escaped paths; co-mounted controllers share one hierarchy', () => {
    fc.assert(
      fc.property(mounts, procEnding, (ms, end) => {
        const text =
          ms
            .map((m, i) => {
              const opts = ['rw', ...m.controllers];
              return [20 + i, 1, `0:${i}`, escapeMount(m.root), escapeMount(m.mountPoint), 'rw,relatime', ...m.optional, '-', m.fsType, m.fsType, opts.join(',')].join(' ');
            })
            .join('\n') + end;
        const parsed = parseMountinfo(text);
        expect(parsed.map((p) => [p.root, p.mountPoint, p.fsType])).toEqual(ms.map((m) => [m.root, m.mountPoint, m.fsType]));
        // Entries made only for the kept types are the same entries.
        expect(parseMountinfo(text, new Set(['cgroup']))).toEqual(parsed.filter((p) => p.fsType === 'cgroup'));
        const layout = returnsOrFailsCleanly(() => layoutFromMounts(parsed), [Code.FAILED_PRECONDITION]);
        // readLayout makes entries of the cgroup mounts alone: the layout is the same, or the same error.
        const read = returnsOrFailsCleanly(() => readLayout({ readFile: () => text } as unknown as KernelIo), [Code.FAILED_PRECONDITION]);
        expect(read).toEqual(layout);
        if (layout instanceof LmctfyError) {
          expect(ms.some((m) => m.fsType.startsWith('cgroup'))).toBe(false);
          return;
        }
        for (const m of ms.filter((x) => x.fsType === 'cgroup')) {
          for (const c of m.controllers) {
            expect(layout.v1.get(c as never)).toMatchObject({ mountPoint: m.mountPoint, controllers: m.controllers });
          }
        }
        allParsersSurvive(text);
      }),
      RUNS,
    );
  });
});

describe('/proc/PID/cgroup (paths containing `:`)', () => {
  it('round-trips ids, controllers and paths, colons and all', () => {
    const entry = fc.record({ id: fc.nat({ max: 20 }), controllers: fc.oneof(controllerSet, fc.constant([] as string[])), path: mountPath });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), procEnding, (entries, end) => {
        const text = entries.map((e) => `${e.id}:${e.controllers.join(',')}:${e.path}`).join('\n') + (entries.length ? end : '');
        // A path with a newline cannot occur: the kernel would have split the line.
        fc.pre(!entries.some((e) => e.path.includes('\n')));
        expect(parseProcCgroup(text)).toEqual(entries);
        allParsersSurvive(text);
      }),
      RUNS,
    );
  });
});

describe('procfs and CPU lists', () => {
  const cpuItem = fc.oneof(
    fc.nat({ max: 70 }).map(String),
    fc.tuple(fc.nat({ max: 70 }), fc.nat({ max: 70 })).map(([a, b]) => `${a}-${b}`),
    fc.constantFrom('', '0-', '-3', '3-1', 'x', '4294967295', '0-4294967295', '18446744073709551616', '0-99999999999999999999', ' 1'),
  );
  const cpuList = fc.tuple(fc.array(cpuItem, { minLength: 1, maxLength: 6 }), fc.constantFrom(',', ',,'), ending).map(([xs, sep, end]) => xs.join(sep) + end);

  it('CPU lists parse to in-range CPUs or fail as documented, quickly, whatever the range', () => {
    fc.assert(
      fc.property(cpuList, (text) => {
        const online = returnsOrFailsCleanly(() => parseOnlineCpus(text), [Code.DATA_LOSS]);
        const mask = returnsOrFailsCleanly(() => parseCpuList(text), [Code.INVALID_ARGUMENT]);
        if (Array.isArray(online)) expect(online.every((c) => Number.isSafeInteger(c) && c >= 0 && c <= 65535)).toBe(true);
        if (Array.isArray(mask)) {
          expect(mask).toEqual([...new Set(mask)].sort((a, b) => a - b));
          expect(parseCpuList(formatCpuList(mask))).toEqual(mask);
        }
      }),
      RUNS,
    );
  });

  it('CPU sets survive list and mask spellings', () => {
    // Mask words are JS numbers: only bits below 53 of each word are expressible.
    const cpu = fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 52 })).map(([w, b]) => w * 64 + b);
    fc.assert(
      fc.property(fc.array(cpu, { minLength: 1, maxLength: 20 }), (cpus) => {
        const set = [...new Set(cpus)].sort((a, b) => a - b);
        expect(parseCpuList(formatCpuList(cpus))).toEqual(set);
        expect(maskWordsToCpus(cpusToMaskWords(cpus).map(Number)).sort((a, b) => a - b)).toEqual(set);
      }),
      RUNS,
    );
  });

  it('schedstat: three unsigned integers or DATA_LOSS', () => {
    fc.assert(
      fc.property(fc.array(kernelNumber, { maxLength: 4 }), ending, (fields, end) => {
        const text = fields.join(' ') + end;
        const r = returnsOrFailsCleanly(() => parseSchedstat(text), [Code.DATA_LOSS]);
        if (!(r instanceof LmctfyError)) expect([r.onCpuNs, r.waitNs, r.slices].every((n) => n >= 0)).toBe(true);
        allParsersSurvive(text);
      }),
      RUNS,
    );
  });
});

describe('arbitrary strings', () => {
  it('no parser throws anything but its documented LmctfyError, or hangs', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 }));
    fc.assert(fc.property(text, allParsersSurvive), RUNS);
  });
});
