/**
 * The docs point at files and tests that exist: every repository path they name, and every
 * test RELIABILITY.md quotes as the proof of an item (a title, or part of one beside "…").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const top = path.resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', 'SECURITY.md', ...fs.readdirSync(path.join(top, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
const read = (file: string) => fs.readFileSync(path.join(top, file), 'utf8');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(top, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? filesUnder(rel) : [rel];
  });
}

/** Paths in backquotes that start at a top-level folder of the repository. */
function pathsIn(text: string): string[] {
  return [...text.matchAll(/`((?:src|test|scripts|bench|proto|native|docs)\/[\w./-]+)`/g)].map((m) => m[1]!);
}

describe('docs', () => {
  it.each(DOCS)('%s names only paths that exist', (doc) => {
    const missing = pathsIn(read(doc)).filter((p) => !fs.existsSync(path.join(top, p.replace(/\/$/, ''))));
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s links only to files that exist', (doc) => {
    const links = [...read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.filter((l) => !fs.existsSync(path.join(top, path.dirname(doc), l)))).toEqual([]);
  });

  // The design notes the code was first written against live outside the repository; what
  // they said that still holds is in docs/, which code comments cite instead.
  it('no code or doc cites notes from outside the repository', () => {
    const files = [...DOCS, ...['src', 'scripts', 'bench', 'test'].flatMap(filesUnder)].filter(
      (f) => /\.(ts|tsx|mjs|md)$/.test(f) && f !== 'test/unit/docs.test.ts',
    );
    // Bare names; `docs/RELIABILITY.md` and a link within docs/ (`[RELIABILITY.md](…)`) are ours.
    const outside = /(?<![\w/[])(?<!\]\()(CONTRACT\.md|STACK\.md|RELIABILITY\.md|RELIABILITY(?: \d|$))/;
    const cites = files.flatMap((f) => read(f).split('\n').filter((l) => outside.test(l)).map((l) => `${f}: ${l.trim()}`));
    expect(cites).toEqual([]);
  });

  it('RELIABILITY.md names test files that exist and quotes titles of tests that exist', () => {
    const text = read('docs/RELIABILITY.md');
    const tests = filesUnder('test').filter((f) => /\.test\.tsx?$/.test(f));
    const names = new Set(tests.map((f) => path.basename(f)));
    const cited = [...text.matchAll(/`(?:[\w/-]+\/)?([\w.-]+\.test\.tsx?)`/g)].map((m) => m[1]!);
    expect(cited.length).toBeGreaterThan(25);
    expect(cited.filter((f) => !names.has(f))).toEqual([]);
    const sources = tests.map((f) => read(f)).join('\n');
    // Titles in double quotes outside code spans; "…" stands for the rest of a title.
    const prose = text.replace(/`[^`]*`/g, '');
    const titles = [...prose.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/\s+/g, ' ').replace(/^…\s*|\s*…$/g, ''));
    expect(titles.length).toBeGreaterThan(25);
    expect(titles.filter((t) => t.length < 12)).toEqual([]);
    expect(titles.filter((t) => !sources.includes(t))).toEqual([]);
  });
});
