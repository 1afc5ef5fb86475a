// Instructions executed by lmctfy's hot paths and by their plain-Node floors, counted with
// valgrind --tool=callgrind, where wall time on a shared VM is too noisy to compare small
// changes (issue 7). Each path runs in its own node under callgrind twice, with K and with 0
// measured iterations after the same warm-up; (count(K) − count(0)) / K is the steady-state
// cost of one iteration, with node's start-up and the JIT warm-up cancelled out. Callgrind
// sees user space only: the kernel's side of each syscall is not in these counts.
//
// Then the CLI's start (issue 14): one whole `bin/lmctfy.js` command each (`-V`, `list`,
// `create`, `run` of `true` in a plain container), run with the node flags of its #! line,
// as a user runs it (V8 takes the code cache only under them), beside `node -e ''`. These
// count the start's JavaScript and V8's work, not its page faults or system calls, which a
// start on this VM pays for too (BENCHMARKS.md section 5). BENCH_BEFORE=path/to/bin/lmctfy.js
// counts another build's commands beside them (an earlier commit built in a copy of the tree).
// Run: npm run build && node bench/instructions.mjs   (about 7 minutes; valgrind installed if
// missing; BENCH_PART=cli or BENCH_PART=paths for one part)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerApi } from '../dist/index.js';
import { removeRootDirs } from './cleanup.mjs';
import { LIFECYCLE_SPEC, treeNames } from './floors.mjs';
import { SAMPLE_CONTAINERS } from './hot-path.mjs';
import { ensureCommand, record, table } from './lib.mjs';

const K = { lifecycle: Number(process.env.BENCH_CYCLES ?? 200), sample: Number(process.env.BENCH_PASSES ?? 10) };
const root = `lmctfy-bench-instr-${process.pid}`;

ensureCommand('valgrind', 'valgrind');

function instructions(which, count) {
  return processInstructions([process.execPath, path.resolve('bench/hot-path.mjs'), which, String(count)], { ...process.env, LMCTFY_ROOT: root });
}
const perIteration = (which) => {
  const k = K[which.split('-')[0]];
  return (instructions(which, k) - instructions(which, 0)) / k;
};

const part = process.env.BENCH_PART;
if (part === undefined || part === 'paths') await hotPaths();
if (part === undefined || part === 'cli') cliStart();

async function hotPaths() {
  const api = await ContainerApi.init({}, { root });
  const names = treeNames(SAMPLE_CONTAINERS);
  try {
    for (const name of names) await api.create(name, LIFECYCLE_SPEC);
    const engine = perIteration('lifecycle-engine');
    const raw = perIteration('lifecycle-raw');
    const sampler = perIteration('sample-engine') / SAMPLE_CONTAINERS;
    const plain = perIteration('sample-plain') / SAMPLE_CONTAINERS;
    const k = (x) => `${(x / 1000).toFixed(1)} k`;
    table([
      { path: 'create + destroy: engine', instructions: k(engine), floor: 'raw mkdir/write/rmdir', floor_instructions: k(raw), ratio: (engine / raw).toFixed(2) },
      { path: `sampler pass, per container (${SAMPLE_CONTAINERS})`, instructions: k(sampler), floor: 'plain readFileSync loop', floor_instructions: k(plain), ratio: (sampler / plain).toFixed(2) },
    ]);
    console.log(`\nuser-space instructions per iteration, (count(K) − count(0)) / K with K = ${K.lifecycle} cycles / ${K.sample} passes`);
    record('instructions', 'engine create+destroy', engine, 'instr', { baseline: { what: 'raw mkdir/write/rmdir', value: raw } });
    record('instructions', 'sampler pass per container', sampler, 'instr', { baseline: { what: 'plain read loop', value: plain } });
  } finally {
    for (const name of [...names].reverse()) await api.destroy(name).catch(() => undefined);
    removeRootDirs(root);
  }
}

/**
 * User-space instructions of one process, `argv` run under callgrind, less those of V8's hash
 * seed: at every isolate's start V8 searches random numbers for primes (HashSeed::
 * InitializeRoots), 4–20 M instructions that differ from run to run by chance alone, the
 * main part of callgrind's spread between runs of one command (BENCHMARKS.md section 5).
 */
function processInstructions(argv, env) {
  const out = path.join(os.tmpdir(), `lmctfy-callgrind-${process.pid}.out`);
  try {
    // V8 writes machine code into its heap: all-non-file makes valgrind notice it.
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--smc-check=all-non-file', ...argv], { env, encoding: 'utf8', timeout: 600_000 });
    const m = /Collected : (\d+)/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`callgrind of ${argv.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-2000)}`);
    const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout;
    const seed = /^\s*([\d,]+) .*HashSeed::InitializeRoots/m.exec(annotated);
    return Number(m[1]) - (seed ? Number(seed[1].replaceAll(',', '')) : 0);
  } finally {
    rmSync(out, { force: true });
  }
}

function cliStart() {
  const cliRoot = `lmctfy-bench-cli-instr-${process.pid}`;
  const env = { ...process.env, LMCTFY_ROOT: cliRoot };
  const bins = [['', path.resolve('bin/lmctfy.js')]];
  if (process.env.BENCH_BEFORE) bins.push(['before: ', path.resolve(process.env.BENCH_BEFORE)]);
  const flagsOf = (bin) => readFileSync(bin, 'utf8').split('\n')[0].split(/\s+/).filter((w) => w.startsWith('--'));
  const lm = (bin, ...args) => spawnSync(process.execPath, [...flagsOf(bin), bin, ...args], { env, encoding: 'utf8' });
  const main = bins[0][1];
  if (lm(main, 'init', '').status !== 0) throw new Error('init failed');
  const made = [];
  try {
    if (lm(main, 'create', 'plain', 'cpu:{limit:500}').status !== 0) throw new Error('create plain failed');
    made.push('plain');
    const base = processInstructions([process.execPath, '-e', ''], env);
    const rows = [{ command: "node -e ''", instructions: `${(base / 1e6).toFixed(1)} M`, ratio: '1.00' }];
    const row = (label, n) => rows.push({ command: label, instructions: `${(n / 1e6).toFixed(1)} M`, ratio: (n / base).toFixed(3) });
    for (const [tag, bin] of bins) {
      const count = (...args) => processInstructions([process.execPath, ...flagsOf(bin), bin, ...args], env);
      const version = count('-V');
      const list = count('list', 'containers', '/');
      const name = `c${made.length}`;
      const create = count('create', name, 'cpu:{limit:500} memory:{limit:100000000}');
      made.push(name);
      const run = count('run', 'plain', 'true');
      row(`${tag}lmctfy -V`, version);
      row(`${tag}lmctfy list containers /`, list);
      row(`${tag}lmctfy create (cpu+memory)`, create);
      row(`${tag}lmctfy run plain true`, run);
      if (!tag) {
        const baseline = { what: "node -e ''", value: base };
        for (const [what, n] of [['-V', version], ['list containers /', list], ['create', create], ['run', run]]) record('instructions', `CLI start: lmctfy ${what}`, n, 'instr', { baseline });
      }
    }
    table(rows);
    console.log("\nuser-space instructions of one whole process (callgrind, less V8's random hash-seed search), lmctfy by its #! flags");
  } finally {
    for (const name of [...made].reverse()) lm(main, 'destroy', '-f', name);
    removeRootDirs(cliRoot);
  }
}
