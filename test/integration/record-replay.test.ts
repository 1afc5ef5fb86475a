/**
 * Record and replay on real cgroups (docs/RECORDING.md): `lmctfy record` runs while a
 * scenario plays (create, CPU load, an OOM kill in a small memory limit, pause, destroy),
 * then the store is replayed and each step is found at its time with the numbers recorded,
 * through the library and through `stats --at` and `top --replay`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';
import { journalPath } from '../../src/engine/journal.js';
import { pointerPath, readPointer } from '../../src/record/pointer.js';
import { replayViews, viewAt } from '../../src/record/replay.js';
import { StoreReader } from '../../src/record/store.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

async function until(what: string, ok: () => boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (ok()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not happen`);
}

describeCgroups('record and replay', () => {
  const t = testRoot('record');
  let api: ContainerApi;
  let scope: string;
  let dir: string;
  let recorder: ChildProcess | undefined;
  let recorderErr = '';
  const times: Record<string, number> = {};
  let usageAtLoadTo = 0;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    scope = api.machine.trackingDir('/');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-record-it-'));
    recorder = spawn(process.execPath, [BIN, 'record', '--dir', dir, '--interval', '0.2'], { env: { ...process.env, LMCTFY_ROOT: t.root }, stdio: ['ignore', 'ignore', 'pipe'] });
    recorder.stderr!.on('data', (d) => (recorderErr += d));
    await until('the recorder starting', () => fs.existsSync(path.join(dir, 'store.json')) && fs.readdirSync(dir).some((f) => f.endsWith('.seg')));

    await sleep(500);
    times.create = Date.now();
    await api.create('s', { memory: { limit: 32 * MiB }, cpu: { limit: 1000 } });
    await sleep(600);
    const burner = await api.get('s').run(['/bin/sh', '-c', 'while :; do :; done'], { detached: true });
    burner.unref();
    times.loadFrom = Date.now();
    await sleep(1500);
    times.loadTo = Date.now();
    // Read after loadTo, with the loop still running: a sample stamped by then may have read
    // its files a few milliseconds after its stamp, never after this.
    await sleep(100);
    usageAtLoadTo = api.get('s').stats('summary').cpu!.usage!.total!;
    api.get('s').signal(burner.pid!, 'KILL');
    // tail keeps the line it reads in memory: /dev/zero has no newline, so it grows until killed.
    const hog = await api.get('s').run(['tail', '/dev/zero'], { detached: true });
    hog.unref();
    await until('the OOM kill', () => (api.get('s').stats('summary').memory?.oom_kill_count ?? 0) > 0);
    times.oom = Date.now();
    await sleep(600);
    await api.get('s').pause();
    times.pause = Date.now();
    await sleep(600);
    await api.destroy('s', { force: true });
    times.destroy = Date.now();
    await sleep(600);
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder!.once('exit', r));
  }, 60_000);
  afterAll(async () => {
    recorder?.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (scope) for (const f of [journalPath(scope), `${journalPath(scope)}.1`, pointerPath(scope)]) fs.rmSync(f, { force: true });
    await t.cleanup();
  });

  it('the recorder ran cleanly and left a pointer to its store beside the journal', () => {
    expect(recorder!.exitCode).toBe(0);
    expect(recorderErr).toContain(`into ${dir}`);
    expect(readPointer(scope)).toMatchObject({ dir, interval_ms: 200, pid: recorder!.pid });
    const store = StoreReader.open(dir);
    expect(store.verify()).toBeGreaterThan(20);
    expect(store.damage).toEqual([]);
  });

  it('the actions are in the store in order, at their times', () => {
    const actions = StoreReader.open(dir)
      .journal()
      .filter((r) => r.kind === 'action' && r.container === '/s');
    expect(actions.map((r) => r.what)).toEqual(['create', 'run', 'signal', 'run', 'pause', 'destroy']);
    const at = (what: string) => actions.find((r) => r.what === what)!.time;
    expect(at('create')).toBeGreaterThanOrEqual(times.create!);
    expect(at('pause')).toBeLessThanOrEqual(times.pause!);
    expect(at('destroy')).toBeLessThanOrEqual(times.destroy!);
    expect(actions[0]!.spec).toContain(`limit: ${32 * MiB}`);
  });

  it('each step is found at its time with the numbers recorded', () => {
    const store = StoreReader.open(dir);
    const before = viewAt(store, times.create! - 100);
    expect(before.containers.map((c) => c.name)).not.toContain('/s');

    const load = replayViews(store, times.loadFrom!, times.loadTo!).map((v) => v.containers.find((c) => c.name === '/s')!);
    expect(load.length).toBeGreaterThan(2);
    // The busy loop's CPU time grows from sample to sample, up to what was read live as it ended.
    const usage = load.map((c) => c.raw.stats.cpu!.usage!.total!);
    expect(usage.at(-1)!).toBeGreaterThan(usage[0]!);
    expect(usage.at(-1)!).toBeLessThanOrEqual(usageAtLoadTo);
    expect(load.slice(1).every((c) => (c.rates.cpuPercent ?? 0) > 0)).toBe(true);

    const beforeOom = viewAt(store, times.loadTo!).containers.find((c) => c.name === '/s')!;
    const afterOom = viewAt(store, times.oom! + 400).containers.find((c) => c.name === '/s')!;
    expect(beforeOom.raw.stats.memory?.oom_kill_count ?? 0).toBe(0);
    expect(afterOom.raw.stats.memory!.oom_kill_count).toBeGreaterThanOrEqual(1);
    expect(afterOom.raw.limits.memoryLimit).toBe(32 * MiB);

    const paused = viewAt(store, times.pause! + 400).containers.find((c) => c.name === '/s')!;
    expect(paused.state).toBe('FROZEN');
    const gone = viewAt(store, times.destroy! + 400);
    expect(gone.containers.map((c) => c.name)).not.toContain('/s');
  });

  it('stats --at and top --replay print the past as the present is printed', () => {
    const at = new Date(times.oom! + 400).toISOString();
    const r = lmctfy(t.root, ['stats', 'summary', '--at', at, '/s', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).memory.oom_kill_count).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toContain('as recorded at');
    // The store is found through the recorder's pointer.
    const lines = lmctfy(t.root, ['top', '--replay', '--from', new Date(times.loadFrom!).toISOString(), '--to', new Date(times.loadTo!).toISOString(), '/s']).stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    const samples = lines.map((l) => JSON.parse(l));
    expect(samples.every((s) => s.containers.length === 1 && s.containers[0].name === '/s')).toBe(true);
    expect(samples.at(-1).containers[0].stats.cpu.usage.total).toBeLessThanOrEqual(usageAtLoadTo);
    expect(samples.slice(1).every((s) => s.containers[0].rates.cpu_percent > 0)).toBe(true);
    expect(samples[0].containers[0].rates.cpu_percent_denominator).toBe('one CPU');
    const early = lmctfy(t.root, ['stats', 'summary', '--at', '2d ago', '/s']);
    expect(early.code).toBe(Code.OUT_OF_RANGE);
    expect(early.stderr).toContain('it holds');
    expect(lmctfy(t.root, ['stats', 'summary', '--at', new Date(times.create! - 100).toISOString(), '/s']).code).toBe(Code.NOT_FOUND);
  });

  it('a recorder killed with SIGKILL leaves a store that opens, and a new one goes on in a new segment', async () => {
    const segsBefore = fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
    const r2 = spawn(process.execPath, [BIN, 'record', '--dir', dir, '--interval', '0.2'], { env: { ...process.env, LMCTFY_ROOT: t.root }, stdio: 'ignore' });
    const count = () => StoreReader.open(dir).sampleTimes().length;
    const n0 = count();
    await until('new samples', () => count() > n0 + 3);
    r2.kill('SIGKILL');
    await new Promise((r) => r2.once('exit', r));
    const store = StoreReader.open(dir);
    expect(store.damage).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBe(segsBefore + 1);
    // Nothing of the journal was copied twice by the second recorder.
    const keys = store.journal().map((x) => JSON.stringify(x));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
