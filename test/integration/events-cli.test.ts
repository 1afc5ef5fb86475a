import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { appendJournal, type JournalRecord } from '../../src/engine/journal.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { until } from './notify-procs.js';

interface Running {
  child: ChildProcess;
  out: () => string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describeCgroups('lmctfy events and notify daemon decision (CLI, real cgroups)', () => {
  const t = testRoot('events');
  let api: ContainerApi;
  let scope: string;
  const started: ChildProcess[] = [];

  function start(args: string[]): Running {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LMCTFY_ROOT: t.root }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
    return { child, out: () => stdout, done };
  }

  const decision = (container: string, what: string, n: number): JournalRecord => ({
    time: Date.now(),
    kind: 'decision',
    what,
    container,
    tier: 'BEST_EFFORT',
    reason: `memory pressure ${n}%`,
    detail: { n },
  });

  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    scope = api.machine.trackingDir('/');
    expect(lmctfy(t.root, ['create', 'box', 'cpu:{limit:100}']).code).toBe(0);
    expect(lmctfy(t.root, ['create', 'box/inner', 'cpu:{limit:50}']).code).toBe(0);
    expect(lmctfy(t.root, ['create', 'other', 'cpu:{limit:100}']).code).toBe(0);
    appendJournal(scope, decision('/box/inner', 'evict', 1));
  });
  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t.cleanup();
  });

  it('prints the actions and decisions of the root, one line each; NAME keeps its subtree', () => {
    const all = lmctfy(t.root, ['events']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => / action +\/box create OK uid=\d+ pid=\d+$/.test(l))).toHaveLength(1);
    expect(lines.some((l) => / action +\/other create OK/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\S+Z decision \/box\/inner evict BEST_EFFORT n=1: memory pressure 1%$/);
    const box = lmctfy(t.root, ['events', 'box']).stdout.trimEnd().split('\n');
    expect(box.map((l) => l.split(' ').filter(Boolean).slice(2, 4).join(' '))).toEqual(['/box create', '/box/inner create', '/box/inner evict']);
  });

  it('--json is NDJSON of the records, spec included; --since leaves out what came before', () => {
    const json = lmctfy(t.root, ['events', 'other', '--json']);
    const records = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as JournalRecord);
    expect(records.map((r) => [r.kind, r.what, r.container, r.spec])).toEqual([['action', 'create', '/other', 'cpu {\n  limit: 100\n}\n']]);
    appendJournal(scope, { ...decision('/other', 'reclaim', 2), time: Date.now() + 60_000 });
    const since = lmctfy(t.root, ['events', 'other', '--since', new Date(Date.now() + 30_000).toISOString()]);
    expect(since.stdout).toMatch(/^\S+ decision \/other reclaim BEST_EFFORT n=2: memory pressure 2%\n$/);
    expect(lmctfy(t.root, ['events', '--since', 'yesterday']).code).toBe(3);
  });

  it('-f prints what is there, then each record as it is appended, until interrupted (exit 0)', async () => {
    const r = start(['events', 'box', '-f']);
    await until(() => r.out().includes(' evict '), 'events -f to print what is there');
    appendJournal(scope, decision('/other', 'evict', 3));
    appendJournal(scope, decision('/box', 'evict', 4));
    await until(() => r.out().includes('memory pressure 4%'), 'events -f to print the new decision');
    expect(lmctfy(t.root, ['destroy', 'box/inner']).code).toBe(0);
    await until(() => / action +\/box\/inner destroy OK/.test(r.out()), 'events -f to print the destroy');
    r.child.kill('SIGINT');
    const done = await r.done;
    expect(done.code).toBe(0);
    expect(done.stdout).not.toContain('memory pressure 3%');
  });

  it('notify daemon decision NAME waits for the first decision in its subtree and prints it as a row', async () => {
    expect(lmctfy(t.root, ['create', 'box/inner', 'cpu:{limit:50}']).code).toBe(0);
    const r = start(['notify', 'daemon', 'decision', 'box']);
    appendJournal(scope, decision('/other', 'evict', 5));
    // Appended until seen: the follower starts at the journal's end when it is ready, so earlier ones are not its.
    for (let n = 100; r.child.exitCode === null && n < 200; n++) {
      appendJournal(scope, decision('/box/inner', 'reclaim', n));
      await new Promise((res) => setTimeout(res, 100));
    }
    const done = await r.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^notification_status="OK" time="\S+Z" container="\/box\/inner" what="reclaim" tier="BEST_EFFORT" reason="memory pressure \d+%"\n$/);
  });

  it('notify daemon decision --follow --json prints one object a decision; bad arguments fail before waiting', async () => {
    const r = start(['notify', 'daemon', 'decision', 'box', '--follow', '--json']);
    for (let n = 200; r.out().split('\n').length < 3 && n < 300; n++) {
      appendJournal(scope, decision('/box', 'evict', n));
      await new Promise((res) => setTimeout(res, 100));
    }
    r.child.kill('SIGTERM');
    const done = await r.done;
    expect(done.code).toBe(0);
    const rows = done.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((x) => x.notification_status === 'OK' && x.container === '/box' && x.what === 'evict')).toBe(true);
    expect(lmctfy(t.root, ['notify', 'daemon', 'oom', 'box']).code).toBe(3);
    expect(lmctfy(t.root, ['notify', 'daemon', 'decision', 'nothere']).code).toBe(5);
    expect(lmctfy(t.root, ['notify', 'memory', 'oom', 'box', '--follow']).code).toBe(3);
  });
});
