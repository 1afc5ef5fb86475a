/**
 * Mutation fuzzing of every kernel-file parser (docs/RELIABILITY.md 21): real files read from this
 * machine's /proc and cgroupfs (read only) and the procfs fixtures, with bytes flipped, cut,
 * inserted, lines duplicated and surprising tokens spliced in. Each parser returns a value
 * or fails with its documented LmctfyError, never anything else, never hangs.
 * FUZZ_RUNS sets the number of runs (default 1,000; `npm run fuzz` uses 50,000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allParsersSurvive } from '../helpers/properties.js';

const runs = Number(process.env.FUZZ_RUNS ?? 1000);
/** All parsers on one input take well under 1 ms; allow for a slow shared machine. */
const timeout = Math.max(30_000, runs * 2);

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/proc');

function ownDir(controller: string): string | undefined {
  const line = fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  return line === undefined ? undefined : path.join('/sys/fs/cgroup', controller, line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Real kernel text from this machine and the fixtures: the seeds every mutation starts from. */
function seeds(): string[] {
  const mem = ownDir('memory');
  const files = [
    '/proc/self/mountinfo',
    '/proc/self/cgroup',
    '/proc/loadavg',
    '/proc/meminfo',
    '/proc/self/schedstat',
    '/proc/pressure/cpu',
    '/sys/devices/system/cpu/online',
    '/sys/fs/cgroup/cpu/cpu.stat',
    '/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu',
    '/sys/fs/cgroup/cpuacct/cpuacct.stat',
    '/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes',
    '/sys/fs/cgroup/blkio/blkio.weight',
    '/sys/fs/cgroup/devices/devices.list',
    '/sys/fs/cgroup/unified/cpu.stat',
    ...(mem ? [`${mem}/memory.stat`, `${mem}/memory.limit_in_bytes`, `${mem}/memory.oom_control`] : []),
  ];
  const out = files.map(readIfThere).filter((t): t is string => t !== undefined);
  for (const dir of fs.readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(FIXTURES, dir.name))) out.push(fs.readFileSync(path.join(FIXTURES, dir.name, f), 'utf8'));
  }
  out.push('some avg10=0.00 avg60=1.50 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
  out.push('8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n');
  out.push('serve\n< 1000 12\n< inf 3\noncpu\n< 10 1\n');
  out.push('max 100000\n');
  return out;
}

/** Tokens kernels and corrupt files put where a parser least expects them. */
const SURPRISE = ['-1', 'max', '18446744073709551616', '9223372036854775808', '\n', ' ', '\t', '\\040', '\\', ':', '-', ',', '=', '0-4294967295', 'NaN', '1e400', '\0', '\u00e9', '\ud800'];

type Edit = { at: number; kind: 'flip' | 'cut' | 'insert' | 'dupline' | 'chop'; value: number; token: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('flip', 'cut', 'insert', 'dupline', 'chop'),
  value: fc.integer({ min: 0, max: 0xffff }),
  token: fc.constantFrom(...SURPRISE),
});

function mutate(text: string, edits: Edit[]): string {
  let t = text;
  for (const e of edits) {
    const i = t.length === 0 ? 0 : e.at % t.length;
    if (e.kind === 'flip') t = t.slice(0, i) + String.fromCharCode(e.value) + t.slice(i + 1);
    else if (e.kind === 'cut') t = t.slice(0, i) + t.slice(i + 1 + (e.value % 16));
    else if (e.kind === 'insert') t = t.slice(0, i) + e.token + t.slice(i);
    else if (e.kind === 'chop') t = t.slice(0, i);
    else {
      const lines = t.split('\n');
      const j = e.at % lines.length;
      lines.splice(j, 0, lines[j]!);
      t = lines.join('\n');
    }
  }
  return t;
}

describe('kernel-file parsers under mutation (docs/RELIABILITY.md 21)', () => {
  const texts = seeds();

  it('has real kernel files to start from', () => {
    expect(texts.length).toBeGreaterThan(10);
    for (const t of texts) allParsersSurvive(t);
  });

  it('mutated real files', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 8 }), (which, edits) => {
        allParsersSurvive(mutate(texts[which % texts.length]!, edits));
      }),
      { numRuns: runs },
    );
  }, timeout);

  it('arbitrary strings, any code unit', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 2000 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 500 }),
      fc.array(fc.constantFrom(...SURPRISE, 'a', '0', '1', '42'), { maxLength: 200 }).map((xs) => xs.join('')),
    );
    fc.assert(fc.property(anyText, allParsersSurvive), { numRuns: runs });
  }, timeout);
});
