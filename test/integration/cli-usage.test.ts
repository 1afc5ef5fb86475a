import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';

// The built CLI (dist/) asked for help, and refusing what it cannot do, before any kernel work.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('usage', () => {
  it.each([[[]], [['help']]])('%j prints the usage on stdout and exits 0', (args) => {
    const r = lmctfy(undefined, args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lmctfy /);
    expect(r.stdout).toMatch(/help spec/);
  });

  it('help of an unknown topic fails with 3 and names it', () => {
    const r = lmctfy(undefined, ['help', 'nosuch']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lmctfy: INVALID_ARGUMENT: help: no command or topic "nosuch"; there is help for init, create/);
  });

  it('help spec lists the ContainerSpec fields with their units, from the schema', () => {
    const r = lmctfy(undefined, ['help', 'spec']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lmctfy spec /);
    expect(r.stdout).toMatch(/\n {2}cpu\.limit \(uint64\)\n {6}Relative CPU weight\. Units: CPU milliseconds per second/);
    expect(r.stdout).toMatch(/\n {2}memory\.limit \(int64\)\n {6}Memory limit\. Units: bytes; -1 unlimited/);
    expect(r.stdout).toMatch(/\n {2}cpu\.scheduling_latency \(BEST_EFFORT\|NORMAL\|PRIORITY\|PREMIER\)\n/);
    expect(r.stdout).toMatch(/\n {2}blockio\.max_device_limit_set\.max_limits\.limits\.device\.major \(int64\)\n/);
  });

  it.each(['create', 'update'])('%s --help points to the spec fields and lists no output style flag', (command) => {
    const r = lmctfy(undefined, [command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cpu\.limit in CPU milliseconds per second[^]*lmctfy help spec/);
    expect(r.stdout).not.toMatch(/^ {2}-[pvl] /m);
    expect(r.stdout).toMatch(/^ {2}--root /m);
  });

  it('commands that print rows list the output style flags', () => {
    expect(lmctfy(undefined, ['list', '--help']).stdout).toMatch(/^ {2}-v +output values only/m);
  });

  it('style flags stay accepted where they change nothing (scripts pass them anywhere)', () => {
    const r = lmctfy(undefined, ['create', '-v', '/_bad']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/invalid container name/);
  });

  it('-V prints the version package.json gives', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    expect(lmctfy(undefined, ['-V']).stdout).toBe(`lmctfy version ${version}\n`);
  });

  it.each([['0.1'], ['0'], ['61'], ['1e12'], ['x'], ['']])('top --interval %j is refused with the console\'s range', (value) => {
    const r = lmctfy(undefined, ['top', '--count', '1', '--interval', value]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`lmctfy: INVALID_ARGUMENT: --interval must be 0.25 to 60 seconds (the console's range), got "${value}"\n`);
  });

  it('a reader that stops early (| head -1) ends the output quietly, not in an EPIPE stack trace', () => {
    // help spec writes twice (the usage, then the fields after loading them): head has gone by
    // the second write.
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" help spec | head -1`], { encoding: 'utf8' });
    expect(r.stdout).toBe('Usage: lmctfy spec [options] [name]\n');
    expect(r.stderr).toBe('');
  });

  it('the README quick tour says how lmctfy gets on the PATH', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    const tour = readme.slice(readme.indexOf('## Quick tour'), readme.indexOf('```sh', readme.indexOf('## Quick tour')));
    expect(tour).toMatch(/`npm link`/);
    expect(tour).toMatch(/`npx lmctfy`/);
    expect(tour).toMatch(/`\.\/bin\/lmctfy`/);
    // What npm installs: bin/lmctfy.js with its #! line made absolute (scripts/write-launcher.mjs).
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).bin).toEqual({ lmctfy: 'bin/lmctfy' });
  });
});

describeCgroups('detect (CLI, real cgroups)', () => {
  const t = testRoot('detect');
  beforeAll(() => {
    expect(lmctfy(t.root, ['init', '']).code).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('a process outside lmctfy\'s root is NOT_FOUND, not "/"', () => {
    // The test process is in the cgroup the delegated root is made below.
    const r = lmctfy(t.root, ['detect', String(process.pid)]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`^lmctfy: NOT_FOUND: process ${process.pid} is outside lmctfy's root \\(/sys/fs/cgroup/\\S+\\)\\n$`));
  });

  it('a process in the root container is "/"', () => {
    const r = lmctfy(t.root, ['run', '-n', '/', 'sleep 30']);
    expect(r.code).toBe(0);
    const pid = /pid="(\d+)"/.exec(r.stdout)![1]!;
    try {
      expect(lmctfy(t.root, ['detect', pid]).stdout).toBe('name="/"\n');
    } finally {
      process.kill(Number(pid), 'SIGKILL');
    }
  });
});
