/**
 * The audit trail on real cgroups (docs/JOURNAL.md): each engine operation that changes a
 * container appends one action record to the root's journal, with who asked, the spec as
 * given and the result code; refusals (admission included) carry their reason; a journal
 * that cannot be written warns once and never fails the action.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';
import { journalPath, readJournal, type JournalRecord } from '../../src/engine/journal.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';

describeCgroups('audit: actions in the journal', () => {
  const t = testRoot('audit');
  let api: ContainerApi;
  let scope: string;
  const actions = (): JournalRecord[] => readJournal(scope).records.filter((r) => r.kind === 'action');
  const removeJournal = () => {
    for (const f of [journalPath(scope), `${journalPath(scope)}.1`]) fs.rmSync(f, { force: true, recursive: true });
  };
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    scope = api.machine.trackingDir('/');
    removeJournal();
  });
  afterAll(async () => {
    try {
      if (scope) removeJournal();
    } finally {
      await t.cleanup();
    }
  });

  it('records each change with who, what, the spec as given and the result', async () => {
    const before = Date.now();
    await api.create('a', { memory: { limit: 64 << 20 } });
    await api.get('a').update({ memory: { limit: 32 << 20 } }, 'diff');
    await api.get('a').pause();
    await api.get('a').resume();
    const child = await api.get('a').run(['sleep', '30'], { detached: true });
    child.unref();
    expect(api.get('a').signal('all', 'KILL')).toEqual([child.pid]);
    await api.destroy('a', { force: true });
    const got = actions();
    expect(got.map((r) => [r.what, r.container, r.code])).toEqual([
      ['create', '/a', 0],
      ['update', '/a', 0],
      ['pause', '/a', 0],
      ['resume', '/a', 0],
      ['run', '/a', 0],
      ['signal', '/a', 0],
      ['destroy', '/a', 0],
    ]);
    for (const r of got) {
      expect(r).toMatchObject({ kind: 'action', uid: process.getuid!(), pid: process.pid });
      expect(r.time).toBeGreaterThanOrEqual(before);
    }
    expect(got[0]!.spec).toContain(`limit: ${64 << 20}`);
    expect(got[1]!.spec).toContain(`limit: ${32 << 20}`);
    expect(got[4]!.detail).toMatchObject({ command: 'sleep 30', detached: true });
    expect(got[5]!.detail).toMatchObject({ target: 'all', signal: 'KILL' });
    expect(got[6]!.detail).toEqual({ force: true });
  });

  it('records failures with their code and reason, from the CLI too; dry runs change nothing and are not recorded', async () => {
    removeJournal();
    await expect(api.destroy('nope')).rejects.toMatchObject({ code: Code.NOT_FOUND });
    expect(lmctfy(t.root, ['create', '--dry-run', '/b', 'cpu:{limit:400}']).code).toBe(0);
    await api.setPolicy({ capacity: { cpu: 1000, memory: 1 << 30 } });
    try {
      const r = lmctfy(t.root, ['create', '/b', 'cpu:{limit:2000}']);
      expect(r.code).toBe(Code.RESOURCE_EXHAUSTED);
      const got = actions();
      expect(got.map((x) => [x.what, x.container, x.code])).toEqual([
        ['destroy', '/nope', Code.NOT_FOUND],
        ['policy set', '/', 0],
        ['create', '/b', Code.RESOURCE_EXHAUSTED],
      ]);
      expect(got[0]!.reason).toBe('container /nope does not exist');
      // The refusal's own explanation, as the CLI printed it.
      expect(r.stderr).toContain(got[2]!.reason!);
      expect(got[2]!.reason).toContain('cpu: asked 2 CPU');
      expect(got[2]!.pid).not.toBe(process.pid);
      expect(got[2]!.spec).toContain('limit: 2000');
    } finally {
      await api.clearPolicy();
    }
  });

  it('a journal that cannot be written warns once on stderr and the actions still happen; a failed action adds no warning to its error', async () => {
    removeJournal();
    // A directory where the file should be: every open of it fails.
    fs.mkdirSync(journalPath(scope));
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const warnings = () => warn.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('not being journalled'));
    try {
      await expect(api.destroy('nope')).rejects.toThrow('does not exist');
      expect(warnings()).toHaveLength(0);
      await api.create('c');
      await api.destroy('c');
      const lines = warnings();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(journalPath(scope));
    } finally {
      warn.mockRestore();
      removeJournal();
    }
    expect(api.exists('c')).toBe(false);
  });
});
