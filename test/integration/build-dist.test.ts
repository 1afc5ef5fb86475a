import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalPath } from '../../src/engine/journal.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { Machine } from '../../src/engine/kernel/machine.js';
import { ENTRY_OPTION } from '../../scripts/write-launcher.mjs';

// scripts/build.mjs and scripts/prepare.mjs, run on a copy of the project so that the
// repository's own dist/ (which other tests run) is left alone.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let work: string;
/** The first build's pid, which names the scratch root its code cache probe made. */
let builder: number;
const dist = () => path.join(work, 'dist');

function node(script: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(work, 'scripts', script)], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stderr: r.stderr, pid: r.pid };
}

/** Every file of dist/ with its content. */
function snapshot(): Map<string, string> {
  return new Map(fs.readdirSync(dist()).map((f) => [f, fs.readFileSync(path.join(dist(), f), 'latin1')]));
}

/** Sets a file's modification time `seconds` from now. */
function age(file: string, seconds: number): void {
  const t = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(file, t, t);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-build-'));
  for (const entry of ['src', 'proto', 'scripts', 'bin', 'package.json', 'package-lock.json']) {
    fs.cpSync(path.join(repo, entry), path.join(work, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(work, 'node_modules'));
  const r = node('build.mjs');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  builder = r.pid;
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the build', () => {
  it('makes a dist/ the CLI runs from', () => {
    const r = spawnSync(process.execPath, [path.join(work, 'bin', 'lmctfy.js'), '-V'], { encoding: 'utf8' });
    expect(r.stdout).toBe(`lmctfy version ${JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version}\n`);
  });

  it("leaves nothing of the scratch roots the code caches of list, create, destroy and run were made on: no dir in any hierarchy, no journal", () => {
    const m = new Machine({ io: realIo, root: `lmctfy-code-cache-${builder}` });
    const dirs = [...m.controllers().map((c) => m.dirOf('/', c)), m.pressureDir('/')].filter((d): d is string => d !== undefined);
    expect(dirs.length).toBeGreaterThan(0);
    expect(dirs.filter((d) => fs.existsSync(d))).toEqual([]);
    expect(fs.existsSync(journalPath(m.trackingDir('/')))).toBe(false);
    for (const made of ['list', 'create', 'lifecycle', 'processes']) expect(fs.existsSync(path.join(dist(), `lmctfy-${made}.cjs.cache`))).toBe(true);
  });

  it("create's bundle holds neither ContainerApi nor the Container class, which list's does (src/engine/creation.ts)", () => {
    // A class is kept whole, every method's imports with it: a create would read them all unrun.
    const classes = (bundle: string) => fs.readFileSync(path.join(dist(), bundle), 'latin1').match(/\bContainer(?:Api)?=class\b/g) ?? [];
    expect(classes('lmctfy-list.cjs').sort()).toEqual(['Container=class', 'ContainerApi=class']);
    expect(classes('lmctfy-create.cjs')).toEqual([]);
  });

  it('rebuilding unchanged sources keeps every file as it was and drops what the build no longer makes', () => {
    const before = snapshot();
    fs.writeFileSync(path.join(dist(), 'chunk-STALE.js'), 'export {};\n');
    expect(node('build.mjs').code).toBe(0);
    expect(snapshot()).toEqual(before);
  });

  it('a build that fails leaves the previous dist/ in place', () => {
    const before = snapshot();
    const main = path.join(work, 'src', 'cli', 'main.ts');
    const source = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, `${source}\nexport const broken = ;\n`);
    try {
      expect(node('build.mjs').code).not.toBe(0);
    } finally {
      fs.writeFileSync(main, source);
    }
    expect(snapshot()).toEqual(before);
  });
});

describe('prepare (npm ci, npm link, and the install npx lmctfy makes)', () => {
  const marker = () => path.join(dist(), 'marker');
  const entry = () => path.join(dist(), 'lmctfy.cjs');

  it('leaves a current dist/ alone', () => {
    fs.writeFileSync(marker(), '');
    age(entry(), 60);
    expect(node('prepare.mjs', { npm_command: 'ci' }).code).toBe(0);
    expect(fs.existsSync(marker())).toBe(true);
  });

  it('under npx (npm exec) never rebuilds an existing dist/, even one older than the sources', () => {
    fs.writeFileSync(marker(), '');
    age(entry(), -60);
    const r = node('prepare.mjs', { npm_command: 'exec' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/older than the sources/);
    expect(fs.existsSync(marker())).toBe(true);
  });

  // Two whole builds, each running a command per CLI bundle for its code cache: 16 s each
  // at load 14.
  it('rebuilds a stale dist/ for npm ci, and builds a missing one', { timeout: 120_000 }, () => {
    fs.writeFileSync(marker(), '');
    age(entry(), -60);
    expect(node('prepare.mjs', { npm_command: 'ci' }).code).toBe(0);
    expect(fs.existsSync(marker())).toBe(false);
    fs.rmSync(dist(), { recursive: true });
    expect(node('prepare.mjs', { npm_command: 'exec' }).code).toBe(0);
    expect(fs.existsSync(entry())).toBe(true);
  });
});

describe('the installed command, bin/lmctfy (npm install, npm run build; npm pack writes it portable)', () => {
  const launcher = () => path.join(work, 'bin', 'lmctfy');
  const body = (file: string) => {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(text.indexOf('\n'));
  };

  it('is bin/lmctfy.js started by the node on PATH itself, not through env, and runs', () => {
    const r = spawnSync(process.execPath, [path.join(work, 'scripts', 'write-launcher.mjs')], { env: { ...process.env, PATH: `/nonexistent:${path.dirname(process.execPath)}` } });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(launcher(), 'utf8').split('\n')[0]).toBe(`#!${path.join(path.dirname(process.execPath), 'node')}`);
    expect(body(launcher())).toBe(body(path.join(work, 'bin', 'lmctfy.js')));
    expect(fs.statSync(launcher()).mode & 0o111).toBe(0o111);
    expect(spawnSync(launcher(), ['-V'], { encoding: 'utf8' }).stdout).toMatch(/^lmctfy version /);
  });

  it('--portable (npm pack) keeps the env line, for a machine whose node is elsewhere', () => {
    expect(spawnSync(process.execPath, [path.join(work, 'scripts', 'write-launcher.mjs'), '--portable']).status).toBe(0);
    expect(fs.readFileSync(launcher(), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(spawnSync(launcher(), ['-V'], { encoding: 'utf8' }).stdout).toMatch(/^lmctfy version /);
  });

  it.skipIf(!['x64', 'arm64'].includes(process.arch))('is the native launcher where build-native built it, exec\'ing bin/lmctfy-node.cjs; --portable leaves neither in bin/', () => {
    const entry = path.join(work, 'bin', 'lmctfy-node.cjs');
    const built = path.join(work, 'build', 'lmctfy-launch');
    fs.mkdirSync(path.dirname(built), { recursive: true });
    fs.copyFileSync(path.join(repo, 'build', 'lmctfy-launch'), built);
    fs.chmodSync(built, 0o755);
    try {
      const env = { ...process.env, PATH: `/nonexistent:${path.dirname(process.execPath)}` };
      expect(spawnSync(process.execPath, [path.join(work, 'scripts', 'write-launcher.mjs')], { env }).status).toBe(0);
      expect(fs.readFileSync(launcher())).toEqual(fs.readFileSync(built));
      expect(fs.statSync(launcher()).mode & 0o111).toBe(0o111);
      expect(fs.readFileSync(entry, 'utf8').split('\n')[0]).toBe(`#!${path.join(path.dirname(process.execPath), 'node')} ${ENTRY_OPTION}`);
      expect(body(entry)).toBe(body(path.join(work, 'bin', 'lmctfy.js')));
      expect(spawnSync(launcher(), ['-V'], { encoding: 'utf8' }).stdout).toMatch(/^lmctfy version /);
      // Through a symlink, as npm links it into a bin directory: the launcher finds its entry beside its real file.
      const link = path.join(work, 'lmctfy-link');
      fs.symlinkSync(launcher(), link);
      expect(spawnSync(link, ['-V'], { encoding: 'utf8' }).stdout).toMatch(/^lmctfy version /);
      fs.rmSync(link);

      expect(spawnSync(process.execPath, [path.join(work, 'scripts', 'write-launcher.mjs'), '--portable']).status).toBe(0);
      expect(fs.readFileSync(launcher(), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
      expect(fs.existsSync(entry)).toBe(false);
      expect(spawnSync(launcher(), ['-V'], { encoding: 'utf8' }).stdout).toMatch(/^lmctfy version /);
    } finally {
      fs.rmSync(built);
    }
  });
});
