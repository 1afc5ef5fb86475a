import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { launcherText } from '../../scripts/write-launcher.mjs';
import { GROUPS } from '../../src/cli/command-groups.js';

// native/launcher.c, the installed bin/lmctfy where it was built: for checkpoint and migrate it
// starts criu's primed helper before Node and hands Node its pipes (LMCTFY_PRIMED). Run in a
// copy of the installed layout (bin/, build/, dist/) whose helper is a stand-in that records
// the fds it was given and waits for its request's EOF, as `lmctfy-vhost prime` does.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const launch = path.join(repo, 'build', 'lmctfy-launch');

const STAND_IN = `#!/bin/sh
[ "$1" = prime ] || exit 2
exec 9> "$LAUNCHER_TEST_OUT/helper-fds.tmp"
for f in /proc/$$/fd/[0-8]; do echo "\${f##*/} $(readlink "$f") $(sed -n 's/^flags:[[:space:]]*//p' /proc/$$/fdinfo/\${f##*/})" >&9; done
exec 9>&-
mv "$LAUNCHER_TEST_OUT/helper-fds.tmp" "$LAUNCHER_TEST_OUT/helper-fds"
cat > /dev/null
touch "$LAUNCHER_TEST_OUT/helper-ended"
`;

/** criu as the checkpoint of a plain container meets it: its version, then a dump that fails; each run's fds recorded. */
const FAKE_CRIU = (out: string) => `#!/bin/sh
for f in /proc/$$/fd/*; do echo "\${f##*/} $(readlink "$f")"; done > "${out}/criu-$1"
[ "$1" = --version ] && echo "Version: 4.1.1" && exit 0
echo "fake criu refuses" >&2
exit 1
`;

interface Fd {
  fd: number;
  target: string;
  /** fdinfo's flags (octal): the access mode in the low bits. */
  flags: number;
}

const parseFds = (text: string): Fd[] =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([fd, target, flags]) => ({ fd: Number(fd), target: target!, flags: flags ? parseInt(flags, 8) : 0 }));

/** Until `file` exists: the stand-in writes its files once it reached that point (10 s at most, then the test fails on what it finds). */
async function appears(file: string): Promise<boolean> {
  for (let i = 0; i < 400 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
  return fs.existsSync(file);
}

// native/launcher-sys.h knows these architectures: there the build must have made the launcher.
const built = ['x64', 'arm64'].includes(process.arch);
(built ? describeCgroups : describe.skip)(`the native launcher (bin/lmctfy built from native/launcher.c)${built ? '' : ' (not built on this architecture)'}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-native-launcher-'));
  const out = path.join(tmp, 'out');
  const bin = path.join(tmp, 'bin');
  const entry = path.join(bin, 'lmctfy-node.cjs');
  const t = testRoot('launch');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(path.join(bin, 'lmctfy'), args, { encoding: 'utf8', env: { ...process.env, LMCTFY_ROOT: t.root, LAUNCHER_TEST_OUT: out, ...env }, timeout: 30_000 });
  const realEntry = () => fs.writeFileSync(entry, launcherText(fs.readFileSync(path.join(repo, 'bin', 'lmctfy.js'), 'utf8'), `#!${process.execPath}`), { mode: 0o755 });
  const fresh = () => {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
  };

  beforeAll(() => {
    expect(fs.existsSync(launch)).toBe(true);
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(tmp, 'build'));
    fs.copyFileSync(launch, path.join(bin, 'lmctfy'));
    fs.copyFileSync(path.join(repo, 'bin', 'lmctfy-primed.cjs'), path.join(bin, 'lmctfy-primed.cjs'));
    fs.chmodSync(path.join(bin, 'lmctfy'), 0o755);
    fs.symlinkSync(path.join(repo, 'dist'), path.join(tmp, 'dist'));
    for (const f of fs.readdirSync(path.join(repo, 'build')).filter((f) => f !== 'lmctfy-vhost')) {
      fs.symlinkSync(path.join(repo, 'build', f), path.join(tmp, 'build', f));
    }
    fs.writeFileSync(path.join(tmp, 'build', 'lmctfy-vhost'), STAND_IN, { mode: 0o755 });
    realEntry();
    expect(run(['init', '']).status).toBe(0);
  });
  afterAll(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await t.cleanup();
  });

  it.each(['checkpoint', 'migrate'])("starts the helper for %s on its own pipes, which it names for Node's process alone; the helper ends when Node dies before adopting them", async (command) => {
    const script = 'echo "$$ $LMCTFY_PRIMED"; for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done; exit 3';
    fs.writeFileSync(entry, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    fresh();
    const r = run([command, 'x', 'y']);
    expect(r.status).toBe(3);
    const [first, ...lines] = r.stdout.trim().split('\n');
    const [self, primed] = first!.split(' ');
    const [owner, pid, ...named] = primed!.split(':').map(Number);
    expect(owner).toBe(Number(self));
    expect(pid).toBeGreaterThan(0);
    const nodeFds = new Map(parseFds(lines.join('\n')).map((f) => [f.fd, f.target]));
    expect(await appears(path.join(out, 'helper-fds'))).toBe(true);
    const helper = parseFds(fs.readFileSync(path.join(out, 'helper-fds'), 'utf8'));
    const at = (fd: number) => helper.find((f) => f.fd === fd);
    // Its fds 0 the request (read), 1 /dev/null, 2 stderr (write), 5 status (write), 6 the gate (read):
    // the same pipes as Node's named fds, and none of Node's ends (the request's EOF must reach it).
    expect(at(1)!.target).toBe('/dev/null');
    expect([0, 2, 5, 6].map((fd) => at(fd)!.target)).toEqual(named.map((fd) => nodeFds.get(fd)));
    expect([0, 2, 5, 6].map((fd) => at(fd)!.flags & 3)).toEqual([0, 1, 1, 0]);
    const pipes = helper.filter((f) => f.target.startsWith('pipe:') && named.some((n) => nodeFds.get(n) === f.target));
    expect(pipes.map((f) => f.fd)).toEqual([0, 2, 5, 6]);
    // The entry died without adopting them: its exit closed the request pipe, and the helper ended.
    expect(await appears(path.join(out, 'helper-ended'))).toBe(true);
  });

  it('execs Node at once for every other command (restore too: bin/lmctfy.js starts its helper): no helper, nothing named', async () => {
    fs.writeFileSync(entry, '#!/bin/sh\necho "[$LMCTFY_PRIMED] $*"\n', { mode: 0o755 });
    for (const args of [['list', 'containers', '/', '--', 'checkpoint'], ['restore', 'x', 'y']]) {
      fresh();
      const r = run(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`[] ${args.join(' ')}\n`);
      expect(fs.existsSync(path.join(out, 'helper-fds'))).toBe(false);
    }
  });

  // An entry printing the options Node was given, behind the #! line the build writes (with and without its option).
  const optionsEntry = (option: string) => fs.writeFileSync(entry, `#!${process.execPath}${option}\nconsole.log(JSON.stringify([process.execArgv, process.argv.slice(2)]));\n`, { mode: 0o755 });

  it.each([
    ['create', 'x', ''],
    ['list', 'containers', '/'],
    ['run', 'x', '--', 'top'],
  ])('gives Node for the short command %s a pool of one V8 worker thread, after the #! line\'s own option', (...args) => {
    for (const [option, given] of [['', []], [' --preserve-symlinks-main', ['--preserve-symlinks-main']]] as const) {
      optionsEntry(option);
      const r = run(args);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([[...given, '--v8-pool-size=1'], args]);
    }
  });

  it.each([['top'], ['serve', '--port', '0'], ['daemon'], ['record', '/tmp/x'], ['create', 'top', '']])('leaves Node its default pool for a long-running command: %s', (...args) => {
    optionsEntry(' --preserve-symlinks-main');
    const r = run(args);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([['--preserve-symlinks-main'], args]);
  });

  it('names the same long-running commands as src/cli/command-groups.ts', () => {
    const listed = /LONG_RUNNING\[\] = \{([^}]*)\}/.exec(fs.readFileSync(path.join(repo, 'native', 'launcher.c'), 'utf8'))![1]!;
    const names = [...listed.matchAll(/"([a-z]+)"/g)].map((m) => m[1]);
    expect(names.sort()).toEqual(GROUPS.filter((g) => g.longRunning).flatMap((g) => g.names).sort());
  });

  it.each([['list', 'containers', '/'], ['checkpoint', 'x', 'y']])('starts Node for %s without NODE_EXTRA_CA_CERTS, held under LMCTFY_NODE_EXTRA_CA_CERTS (one inherited from an outer lmctfy dropped)', (...args) => {
    fs.writeFileSync(entry, '#!/bin/sh\nenv | grep CA_CERTS= | sort\n', { mode: 0o755 });
    fresh();
    const r = run(args, { NODE_EXTRA_CA_CERTS: '/etc/x.pem', LMCTFY_NODE_EXTRA_CA_CERTS: '/stale.pem', HTTPLIB2_CA_CERTS: '', CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: '' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^(LMCTFY_)?NODE_EXTRA_CA_CERTS=/.test(l))).toEqual(['LMCTFY_NODE_EXTRA_CA_CERTS=/etc/x.pem']);
  });

  it("Node does not read NODE_EXTRA_CA_CERTS, and the commands lmctfy runs get it back under its own name", () => {
    realEntry();
    const missing = path.join(tmp, 'no-such-bundle.pem');
    // Node warns at start when it cannot read the bundle: the sign that it tried.
    expect(spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: missing } }).stderr).toMatch(/Ignoring extra certs/);
    expect(run(['create', 'ca', '']).status).toBe(0);
    const r = run(['run', 'ca', 'env'], { NODE_EXTRA_CA_CERTS: missing });
    expect(r.stderr).not.toMatch(/extra certs/);
    expect(r.status).toBe(0);
    const env = r.stdout.split('\n');
    expect(env).toContain(`NODE_EXTRA_CA_CERTS=${missing}`);
    expect(env.filter((l) => l.startsWith('LMCTFY_NODE_EXTRA_CA_CERTS=') || l.startsWith('LMCTFY_PRIMED='))).toEqual([]);
    expect(run(['destroy', '-f', 'ca']).status).toBe(0);
  });

  it("Node adopts the pipes close-on-exec: none reaches the command's children, and a failed command leaves no helper", async () => {
    realEntry();
    fs.writeFileSync(path.join(tmp, 'criu'), FAKE_CRIU(out), { mode: 0o755 });
    fresh();
    expect(run(['create', 'plain', 'cpu:{limit:100}']).status).toBe(0);
    expect(run(['run', '-n', 'plain', 'sleep', '30']).status).toBe(0);
    const r = run(['checkpoint', 'plain', path.join(tmp, 'img')], { LMCTFY_CRIU: path.join(tmp, 'criu') });
    expect(r.stderr).toMatch(/^lmctfy: [A-Z_]+: .*fake criu refuses/);
    expect(r.status).not.toBe(0);
    expect(await appears(path.join(out, 'helper-ended'))).toBe(true);
    const helperPipes = parseFds(fs.readFileSync(path.join(out, 'helper-fds'), 'utf8'))
      .filter((f) => [0, 2, 5, 6].includes(f.fd))
      .map((f) => f.target);
    expect(helperPipes.every((p) => p.startsWith('pipe:'))).toBe(true);
    // Node's children: `criu --version` through child_process, the dump through the spawn add-on.
    for (const child of ['criu---version', 'criu-dump']) {
      const targets = parseFds(fs.readFileSync(path.join(out, child), 'utf8')).map((f) => f.target);
      expect(targets.filter((x) => helperPipes.includes(x))).toEqual([]);
    }
    expect(run(['destroy', '-f', 'plain']).status).toBe(0);
  });
});
