import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { appendJournal, followJournal, JOURNAL_MAX_BYTES, journalPath, parseJournalLine, readJournal, type JournalRecord } from '../../src/engine/journal.js';

let n = 0;
const scopes: string[] = [];
function freshScope(): string {
  const s = `journal-test-${process.pid}-${n++}`;
  scopes.push(s);
  return s;
}
afterEach(() => {
  for (const s of scopes.splice(0)) for (const f of [journalPath(s), `${journalPath(s)}.1`]) fs.rmSync(f, { force: true });
});

const rec = (what: string, extra: Partial<JournalRecord> = {}): JournalRecord => ({ time: 1_700_000_000_000, kind: 'action', what, container: '/a', ...extra });

describe('parseJournalLine', () => {
  const table: [string, boolean][] = [
    ['{"time":1,"kind":"action","what":"create","container":"/a"}', true],
    ['{"time":1,"kind":"decision","what":"evict","container":"/a","tier":"BEST_EFFORT","detail":{"bytes":5}}', true],
    ['{"time":1,"kind":"event","what":"oom","container":""}', true],
    ['{"time":1,"kind":"gossip","what":"create","container":"/a"}', false],
    ['{"time":"1","kind":"action","what":"create","container":"/a"}', false],
    ['{"time":1,"kind":"action","what":"","container":"/a"}', false],
    ['{"time":1,"kind":"action","what":"create"}', false],
    ['{"time":1,"kind":"action","what":"create","container":"/a","uid":1.5}', false],
    ['{"time":1,"kind":"action","what":"create","container":"/a","detail":[1]}', false],
    ['{"time":1,"kind":"action","what":"create","container":"/a","reason":7}', false],
    ['{"time":1,"kind":"action","wh', false],
    ['[1,2]', false],
    ['null', false],
  ];
  it.each(table)('%s -> record: %s', (line, ok) => {
    expect(parseJournalLine(line) !== undefined).toBe(ok);
  });
});

describe('the journal of a root', () => {
  it('reads back what was appended, in order; an empty journal reads as nothing', () => {
    const scope = freshScope();
    expect(readJournal(scope)).toEqual({ records: [], skipped: 0, next: 0, reset: false });
    appendJournal(scope, rec('create', { spec: 'memory:{limit:1}', uid: 0, pid: 1, code: 0 }));
    appendJournal(scope, rec('destroy', { code: Code.NOT_FOUND, reason: '/a does not exist' }));
    const all = readJournal(scope);
    expect(all.records.map((r) => r.what)).toEqual(['create', 'destroy']);
    expect(all.records[0]!.spec).toBe('memory:{limit:1}');
    expect(readJournal(scope, all.next).records).toEqual([]);
  });

  it('skips a line cut by a crash and a line that is not ours, and counts them; an unfinished last line waits', () => {
    const scope = freshScope();
    appendJournal(scope, rec('create'));
    fs.appendFileSync(journalPath(scope), '{"time":1,"ki\nnot json\n');
    appendJournal(scope, rec('update'));
    fs.appendFileSync(journalPath(scope), '{"time":1,"kind":"action"');
    const r = readJournal(scope);
    expect(r.records.map((x) => x.what)).toEqual(['create', 'update']);
    expect(r.skipped).toBe(2);
    expect(r.next).toBeLessThan(fs.statSync(journalPath(scope)).size);
  });

  it('a bad offset is INVALID_ARGUMENT', () => {
    for (const bad of [-1, 0.5]) {
      expect(() => readJournal('x', bad)).toThrow(LmctfyError);
    }
  });

  it('lines from concurrent processes never interleave', async () => {
    const scope = freshScope();
    // The writers run the module as built for Node, each in its own process.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-journal-'));
    const mod = path.join(tmp, 'journal.mjs');
    buildSync({ entryPoints: [new URL('../../src/engine/journal.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'esm', outfile: mod, logLevel: 'silent' });
    const writers = 4;
    const each = 300;
    const code = `const { appendJournal } = await import(${JSON.stringify(mod)});
      for (let i = 0; i < ${each}; i++) appendJournal(${JSON.stringify(scope)}, { time: Date.now(), kind: 'event', what: 'w' + process.argv[1], container: '/' + 'x'.repeat(300), detail: { i } });`;
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        new Promise<void>((resolve, reject) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', code, String(w)], { stdio: ['ignore', 'ignore', 'inherit'] });
          p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`writer ${w} exited ${c}`))));
        }),
      ),
    );
    fs.rmSync(tmp, { recursive: true, force: true });
    const r = readJournal(scope);
    expect(r.skipped).toBe(0);
    expect(r.records).toHaveLength(writers * each);
    for (let w = 0; w < writers; w++) {
      expect(r.records.filter((x) => x.what === `w${w}`).map((x) => x.detail!.i)).toEqual(Array.from({ length: each }, (_, i) => i));
    }
  });

  it('a follower started at a read\'s next offset gets what was appended in between, once, and then what follows', async () => {
    const scope = freshScope();
    appendJournal(scope, rec('read'));
    const { next } = readJournal(scope);
    appendJournal(scope, rec('between'));
    const seen: string[] = [];
    const stop = followJournal(scope, (rs) => seen.push(...rs.map((r) => r.what)), next);
    try {
      for (let tries = 0; seen.length < 1 && tries < 250; tries++) await new Promise((r) => setTimeout(r, 20));
      appendJournal(scope, rec('after'));
      for (let tries = 0; seen.length < 2 && tries < 250; tries++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['between', 'after']);
    } finally {
      stop();
    }
  });

  it('rotates at its size cap, keeping the part before, and a follower misses nothing across the rotation', async () => {
    const scope = freshScope();
    appendJournal(scope, rec('before'));
    const seen: string[] = [];
    const stop = followJournal(scope, (rs) => seen.push(...rs.map((r) => r.what)));
    try {
      const pad = 'p'.repeat(1000);
      const lines = Math.ceil(JOURNAL_MAX_BYTES / 1000) + 10;
      for (let i = 0; i < lines; i++) appendJournal(scope, rec(`n${i}`, { reason: pad }));
      expect(fs.existsSync(`${journalPath(scope)}.1`)).toBe(true);
      expect(fs.statSync(journalPath(scope)).size).toBeLessThan(JOURNAL_MAX_BYTES);
      const all = readJournal(scope).records;
      const appended = Array.from({ length: lines }, (_, i) => `n${i}`);
      expect(all.map((r) => r.what)).toEqual(['before', ...appended]);
      for (let tries = 0; seen.length < lines && tries < 250; tries++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(appended);
    } finally {
      stop();
    }
  });
});
