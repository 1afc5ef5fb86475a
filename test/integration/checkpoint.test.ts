/**
 * Checkpoint and restore with criu on real cgroups and namespaces (issue 18, docs/CHECKPOINT.md):
 * a counter in a plain container and in a virtual host with a network carries on from where
 * it was after checkpoint (which destroys the container) and restore under another root;
 * the memory limit and cpu shares come back; restoring over an existing container is
 * refused; a damaged checkpoint fails with one line and leaves nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { tmpfsSuperblocks } from '../helpers/vhost-mounts.js';
import { lmctfy } from '../helpers/cli.js';
import { criuForTests } from '../helpers/criu.js';
import { runCriu } from '../../src/engine/checkpoint/criu.js';
import { primeRequest } from '../../src/engine/checkpoint/prime.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { nativeHelper } from '../../src/engine/native-helpers.js';
import { parseHelperStatus, startError } from '../../src/engine/vhost/failure.js';
import { planVirtualHost } from '../../src/engine/vhost/plan.js';

const criu = criuForTests();
if ('error' in criu) throw new Error(`checkpoint tests need criu: ${criu.error}`);
const skip = 'skip' in criu ? criu.skip : undefined;
const env = 'path' in criu ? { LMCTFY_CRIU: criu.path } : {};

/** The counter's value, once it has one (it writes a number every 50 ms). */
function counter(file: string): number {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  return text === '' ? 0 : Number(text);
}

/** Waits until `read` passes `above` (polls; the counter moves every 50 ms). */
async function passes(read: () => number, above: number): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const v = read();
    if (v > above) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`counter stayed at or below ${above}`);
}

/** Every cgroup dir below a relative root, in every hierarchy. */
function dirsBelow(root: string): string[] {
  const out: string[] = [];
  for (const top of rootDirs(root)) {
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        out.push(path.join(d, e.name));
        walk(path.join(d, e.name));
      }
    };
    if (fs.existsSync(top)) walk(top);
  }
  return out.sort();
}

/** Whether /run is a tmpfs (criu keeps its probe of the kernel there by itself). */
const runIsTmpfs = fs.statfsSync('/run').type === 0x01021994;

const COUNT = (file: string) => `i=0; while true; do i=$((i+1)); echo $i > ${file}; sleep 0.05; done`;

const suite = skip ? describe.skip : describeCgroups;
suite(`checkpoint and restore with criu${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const a = testRoot('ckpt-a');
  const b = testRoot('ckpt-b');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-ckpt-'));
  const inA = (...args: string[]) => lmctfy(a.root, args, { env, timeoutMs: 60_000 });
  // Node's module log (NODE_DEBUG=module) of a restore: criu and the primed helper run without
  // child_process (src/engine/checkpoint/prime.ts), whose loading cost ~22 ms of a command.
  // Not of a checkpoint (the first command to meet a criu asks it its version, and the
  // destroy of a virtual host's network runs \`ip\`) nor of a network's restore (its limits
  // are set with \`tc\`): those run through child_process.
  const unlogged = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('MODULE ')).join('\n');
  const builtins = (stderr: string) => [...stderr.matchAll(/load built-in module (\S+)/g)].map((m) => m[1]);
  const inB = (...args: string[]) => lmctfy(b.root, args, { env, timeoutMs: 60_000 });

  beforeAll(() => {
    expect(inA('init', '').code).toBe(0);
    expect(inB('init', '').code).toBe(0);
  });
  afterAll(async () => {
    for (const name of ['plain', 'vh', 'again', 'noroot']) {
      inA('destroy', '-f', name);
      inB('destroy', '-f', name);
    }
    // The host's tmpfs the virtual host test binds in, should that test have failed before unmounting it.
    spawnSync('umount', ['-l', path.join(tmp, 'shared')], { stdio: 'ignore' });
    fs.rmSync(tmp, { recursive: true, force: true });
    await a.cleanup();
    await b.cleanup();
  });

  describe('a plain container', () => {
    const file = path.join(tmp, 'plain-counter');
    const dir = path.join(tmp, 'plain-ck');

    it('carries on counting after checkpoint, and restore under another root, with the same limits', async () => {
      expect(inA('create', 'plain', 'memory:{limit:67108864} cpu:{limit:512}').code).toBe(0);
      expect(inA('run', '-n', 'plain', '/bin/sh', '-c', COUNT(file)).code).toBe(0);
      const before = await passes(() => counter(file), 3);
      const ck = inA('checkpoint', 'plain', dir);
      expect(ck.stderr).toBe('');
      expect(ck.code).toBe(0);
      // The processes ended with the dump and the container is gone.
      expect(inA('list', 'pids', 'plain').code).toBe(5);
      // The dump may have caught the counter between `echo`'s truncation of the file and its write (empty).
      const atDump = Math.max(before, counter(file));
      expect(atDump).toBeGreaterThan(3);

      const r = lmctfy(b.root, ['restore', 'plain', dir], { env: { ...env, NODE_DEBUG: 'module' }, timeoutMs: 60_000 });
      expect(unlogged(r.stderr)).toBe('');
      expect(r.code).toBe(0);
      expect(builtins(r.stderr)).toContain('node:fs');
      expect(builtins(r.stderr)).not.toContain('node:child_process');
      // From its own memory: past where it stopped (a fresh start would write 1, 2, ...).
      const after = await passes(() => counter(file), atDump);
      expect(await passes(() => counter(file), after)).toBeGreaterThan(after);
      expect(inB('spec', 'plain').stdout).toMatch(/cpu \{\n {2}limit: 512\n\}\nmemory \{\n {2}limit: 67108864\n/);
      expect(inB('list', 'pids', 'plain', '-v').stdout.trim().split('\n').length).toBeGreaterThanOrEqual(1);
    });

    it('restoring over the existing container is refused, and changes nothing', () => {
      const r = inB('restore', 'plain', dir);
      expect(r).toMatchObject({ code: 6, stderr: 'lmctfy: ALREADY_EXISTS: cannot restore /plain: the container exists; destroy it first, or restore under another name or root\n' });
      expect(inB('list', 'pids', 'plain').code).toBe(0);
    });

    it('migrate moves it back to the first root, still counting', async () => {
      const before = counter(file);
      const m = inB('migrate', 'plain', '--to', a.root);
      expect(m.stderr).toBe('');
      expect(m.code).toBe(0);
      expect(inB('list', 'pids', 'plain').code).toBe(5);
      expect(await passes(() => counter(file), before)).toBeGreaterThan(before);
      expect(inA('list', 'pids', 'plain').code).toBe(0);
    });

    it('a damaged checkpoint fails with one line and leaves no container and no cgroup behind', () => {
      expect(inA('destroy', '-f', 'plain').code).toBe(0);
      const before = dirsBelow(b.root);
      fs.writeFileSync(path.join(dir, 'images', 'pstree.img'), 'not an image');
      const r = inB('restore', 'again', dir);
      expect(r.code).toBe(9);
      expect(r.stderr).toMatch(/^lmctfy: FAILED_PRECONDITION: restore \/again: criu restore failed: .*pstree\.img.*\(full log: .*restore\.log\)\n$/);
      expect(inB('list', 'pids', 'again').code).toBe(5);
      expect(dirsBelow(b.root)).toEqual(before);

      fs.writeFileSync(path.join(dir, 'lmctfy-checkpoint.json'), '{"format":"lmctfy-checkpoint/2"');
      expect(inB('restore', 'again', dir)).toMatchObject({ code: 3, stderr: expect.stringMatching(/^lmctfy: INVALID_ARGUMENT: .* is not an lmctfy checkpoint: its lmctfy-checkpoint\.json is not JSON/) });
      expect(dirsBelow(b.root)).toEqual(before);
    });
  });

  describe("the net namespace criu's wrap makes for a restored virtual host", () => {
    const helper = nativeHelper('lmctfy-vhost', 'vhost helper');
    /** `place --netns ARGS -- sh -c SCRIPT` with a status pipe on its fd 5: its exit, stdout and status text. */
    const place = (args: string[], script: string) => {
      const r = spawnSync(helper, ['place', '--netns', ...args, '--', 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'] });
      return { code: r.status, stdout: r.stdout, status: r.output[5] };
    };

    it("is new with its loopback up, handed over as fd 3 while the command stays in the host's, which gets no status pipe", () => {
      const r = place([], 'readlink /proc/self/fd/3 /proc/self/ns/net; [ -e /proc/self/fd/5 ] && echo status-open; nsenter --net=/proc/self/fd/3 ip -o link show lo');
      expect(r.code).toBe(0);
      const [given, own, lo] = r.stdout.split('\n');
      expect(own).toBe(`net:[${fs.statSync('/proc/self/ns/net').ino}]`);
      expect(given).toMatch(/^net:\[\d+\]$/);
      expect(given).not.toBe(own);
      expect(lo).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
      expect(r.status).toBe('');
    });

    it('a name clash is reported on the status pipe, becomes one line naming the interface, and runs nothing', () => {
      const r = place(['--veth', 'lo', 'eth0'], 'echo ran');
      expect(r).toEqual({ code: 125, stdout: '', status: 'net-veth 17\n' });
      const plan = planVirtualHost({ virtual_host: { network: { connection: { veth_pair: { outside: 'lo', inside: 'eth0' } } } } })!;
      expect(startError(parseHelperStatus(r.status!).failure!, '/x', plan).message).toMatch(/\blo\b/);
    });

    it('a failure at its gate (shaping the veth pair) ends the wrap before criu runs, with that error', async () => {
      const log = path.join(tmp, 'gate.log');
      const why = new LmctfyError(Code.FAILED_PRECONDITION, 'tc refused');
      // This process finds criu as the commands do.
      const before = process.env.LMCTFY_CRIU;
      process.env.LMCTFY_CRIU = env.LMCTFY_CRIU ?? before;
      try {
        await expect(runCriu('restore', [], log, 'restore /x', { wrap: [helper, 'place', '--netns', '--gate', '--'], report: { atGate: () => { throw why; } } })).rejects.toBe(why);
      } finally {
        if (before === undefined) delete process.env.LMCTFY_CRIU;
        else process.env.LMCTFY_CRIU = before;
      }
      expect(fs.existsSync(log)).toBe(false);
    });
  });

  describe("the primed helper: criu's probe of the kernel before the command's request (native/criu-prime.h)", () => {
    const helper = nativeHelper('lmctfy-vhost', 'vhost helper');
    // A stand-in criu whose probe leaves what criu's would: a cache file in /run.
    const fakeCriu = path.join(tmp, 'fake-criu');
    fs.writeFileSync(fakeCriu, '#!/bin/sh\n[ "$1" = check ] && echo "probed $$" > /run/criu.kdat\n', { mode: 0o755 });
    const prime = (request: Buffer) =>
      spawnSync(helper, ['prime'], { input: request, encoding: 'utf8', env: { ...process.env, LMCTFY_CRIU: fakeCriu }, stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe', 'pipe'] });

    it("runs the request where /run holds the probe's cache and the host's /run entries, with its environment and the fds it keeps", () => {
      const hostRun = fs.readdirSync('/run').filter((e) => !e.startsWith('criu.kdat')).sort();
      const script = 'cat /run/criu.kdat 2>&1 | cut -c1-6; ls -A /run | grep -v "^criu.kdat" | tr "\\n" " "; echo; echo "$LMCTFY_PRIMED"; [ -e /proc/self/fd/5 ] && echo fd5; [ -e /proc/self/fd/6 ] && echo fd6; readlink /proc/self/fd/0';
      const r = prime(primeRequest([5], { LMCTFY_PRIMED: 'yes' }, ['sh', '-c', script]));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const [kdat, entries, given, fd5, stdin] = r.stdout.split('\n');
      // Where /run is a tmpfs already, criu keeps its own cache there and the helper only runs the request.
      expect(kdat).toEqual(runIsTmpfs ? expect.any(String) : 'probed');
      expect(entries!.trim().split(' ').sort()).toEqual(hostRun);
      expect([given, fd5, stdin]).toEqual(['yes', 'fd5', '/dev/null']);
      // The host's /run is as it was: the probe's cache went with the helper's namespace.
      if (!runIsTmpfs) expect(fs.existsSync('/run/criu.kdat')).toBe(false);
    });

    it("leaves nothing in its namespace once the request's command has ended (its holder ends too)", async () => {
      const r = prime(primeRequest([], {}, ['readlink', '/proc/self/ns/mnt']));
      expect(r.status).toBe(0);
      const ns = r.stdout.trim();
      expect(ns).toMatch(/^mnt:\[\d+\]$/);
      const inNs = () =>
        fs.readdirSync('/proc').filter((p) => {
          try {
            return /^\d+$/.test(p) && fs.readlinkSync(`/proc/${p}/ns/mnt`) === ns;
          } catch {
            return false;
          }
        });
      for (let i = 0; i < 100 && inNs().length > 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(inNs()).toEqual([]);
    });

    it("holds a clone of HOLD_ROOT's root mount while the command runs (not after), keeping the entry out of its environment", async () => {
      // The target: a process in a mount namespace of its own whose root mount is a tmpfs (static busybox inside).
      const held = path.join(tmp, 'held');
      fs.mkdirSync(held);
      // rootfs build finds (or, in CI, installs) a static busybox.
      expect(inA('rootfs', 'build', path.join(tmp, 'held-rootfs')).code).toBe(0);
      const busybox = path.join(tmp, 'held-rootfs', 'bin', 'busybox');
      const script = `mount -t tmpfs lmctfy-held ${held} && cp ${busybox} ${held}/busybox && cd ${held} && mkdir old && pivot_root . old && exec /busybox sh -c 'umount -l /old && exec /busybox sleep 30'`;
      const target = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
      const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
      try {
        const rootDev = () => fs.statSync(`/proc/${target.pid}/root`).dev;
        for (let i = 0; i < 100 && rootDev() === fs.statSync('/').dev; i++) await sleep(20);
        const dev = rootDev();
        expect(dev).not.toBe(fs.statSync('/').dev);
        // Processes other than the target with an fd on that root: the helper's holder.
        const holders = () =>
          fs.readdirSync('/proc').filter((p) => {
            if (!/^\d+$/.test(p) || p === String(target.pid)) return false;
            try {
              return fs.readdirSync(`/proc/${p}/fd`).some((fd) => fs.statSync(`/proc/${p}/fd/${fd}`).dev === dev);
            } catch {
              return false;
            }
          });
        const run = spawn(helper, ['prime'], { env: { ...process.env, LMCTFY_CRIU: fakeCriu }, stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe', 'pipe'] });
        let out = '';
        run.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        const ended = new Promise<number | null>((res) => run.on('close', (code) => res(code)));
        run.stdin!.end(primeRequest([], {}, ['sh', '-c', 'env | grep -c HOLD_ROOT; sleep 1'], { holdRoot: target.pid! }));
        let during: string[] = [];
        for (let i = 0; i < 40 && during.length === 0; i++) {
          await sleep(20);
          during = holders();
        }
        expect(during).toHaveLength(1);
        expect(await ended).toBe(0);
        expect(out).toBe('0\n');
        for (let i = 0; i < 100 && holders().length > 0; i++) await sleep(20);
        expect(holders()).toEqual([]);
      } finally {
        target.kill('SIGKILL');
      }
    });

    it('with PROBE=LATER runs the command at once, the probe its child to wait for (LMCTFY_PROBE_PID)', () => {
      const slow = path.join(tmp, 'slow-criu');
      fs.writeFileSync(slow, '#!/bin/sh\n[ "$1" = check ] && sleep 0.5 && echo "probed $$" > /run/criu.kdat\n', { mode: 0o755 });
      const script = 'p=$LMCTFY_PROBE_PID; [ -n "$p" ] && [ "$(cut -d" " -f4 /proc/$p/stat)" = $$ ] && echo child; sleep 1; cat /run/criu.kdat | cut -c1-6';
      const run = (own: { probeLater?: boolean }) =>
        spawnSync(helper, ['prime'], { input: primeRequest([], {}, ['sh', '-c', script], own), encoding: 'utf8', env: { ...process.env, LMCTFY_CRIU: slow }, stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe', 'pipe'] });
      // Where /run is a tmpfs the helper runs no probe: nothing to wait for either way.
      expect(run({ probeLater: true }).stdout).toBe(runIsTmpfs ? expect.any(String) : 'child\nprobed\n');
      expect(run({}).stdout).toBe(runIsTmpfs ? expect.any(String) : 'probed\n');
    });

    it('ends without running anything when the command sends no request', () => {
      const r = prime(Buffer.alloc(0));
      expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    });

    it('refuses a request that is not one, naming it', () => {
      const r = prime(Buffer.from('56\0sh\0'));
      expect(r.status).toBe(125);
      expect(r.stderr).toBe('lmctfy-vhost prime: request command: Invalid argument\n');
    });
  });

  describe('a virtual host without a root of its own', () => {
    it('is refused with one line, keeps running, and leaves no directory', () => {
      const dir = path.join(tmp, 'noroot-ck');
      expect(inA('create', 'noroot', "virtual_host:{init:{init_argv:['/bin/sh','-c','while true; do sleep 1; done']}}").code).toBe(0);
      const r = inA('checkpoint', 'noroot', dir);
      expect(r).toMatchObject({ code: 12, stderr: 'lmctfy: UNIMPLEMENTED: cannot checkpoint /noroot: checkpoint of a virtual host without a root of its own (filesystem.rootfs) is not implemented yet: it shares the host\'s mounts, which criu cannot take along\n' });
      expect(fs.existsSync(dir)).toBe(false);
      expect(inA('list', 'pids', 'noroot').stdout).not.toBe('');
      expect(inA('destroy', '-f', 'noroot').code).toBe(0);
    });
  });

  describe('a virtual host with a network', () => {
    const rootfs = path.join(tmp, 'rootfs');
    const dir = path.join(tmp, 'vh-ck');
    // Unique per run: others may run this test at the same moment.
    const tag = (process.pid % 100000).toString(36);
    const outside = `ck${tag}o`;
    const bridge = `ck${tag}b`;

    it('carries on counting in its own root after checkpoint and restore under another root; its network works', async () => {
      expect(inA('rootfs', 'build', rootfs).code).toBe(0);
      // A tmpfs of the host's, bound in: it stays the host's (bound again at restore, not copied).
      const shared = path.join(tmp, 'shared');
      fs.mkdirSync(shared);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'lmctfy-test', shared]).status).toBe(0);
      const spec =
        `virtual_host:{virtual_hostname:'ck1' init:{init_argv:['/bin/sh','-c','${COUNT('/counter')}']} ` +
        `network:{connection:{veth_pair:{outside:'${outside}' inside:'eth0'} bridge:{name:'${bridge}'}} virtual_ip:{ip:'10.231.77.2' netmask:'255.255.255.0' gateway:'10.231.77.1'}}} ` +
        `filesystem:{rootfs:'${rootfs}' mounts:{mount:{source:'${shared}' target:'/shared'}}} memory:{limit:67108864} network:{ingress_limit:50000000}`;
      const c = inA('create', 'vh', spec);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      const read = (inRoot: typeof inA) => () => Number(inRoot('run', 'vh', 'cat', '/counter').stdout.trim() || 0);
      const before = await passes(read(inA), 3);
      // Restore makes the network again from the spec (docs/CHECKPOINT.md): nothing inside can change it (no CAP_NET_ADMIN).
      expect(inA('run', 'vh', 'ip', 'addr', 'add', '10.231.78.2/24', 'dev', 'eth0').stderr).toContain('Operation not permitted');
      const mac = inA('run', 'vh', 'cat', '/sys/class/net/eth0/address').stdout;
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}\n$/);

      const mountsBefore = inA('run', 'vh', 'cat', '/proc/self/mountinfo').stdout;
      const tmpfs = tmpfsSuperblocks(mountsBefore);
      // What is written in its tmpfs mounts comes back too (lmctfy archives them itself, docs/CHECKPOINT.md).
      expect(inA('run', 'vh', '/bin/sh', '-c', 'echo kept > /dev/shm/kept && echo made > /dev/made').stderr).toBe('');

      // criu's full log, to see whether it loaded the kernel probe the primed helper made (below).
      // Through bin/lmctfy as npm installs it: where the native launcher was built, it starts that helper before Node.
      const ck = lmctfy(a.root, ['checkpoint', 'vh', dir], { env: { ...env, LMCTFY_CRIU_VERBOSITY: '4' }, timeoutMs: 60_000, installed: true });
      expect(ck.stderr).toBe('');
      expect(ck.code).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'dump.log'), 'utf8')).toContain(runIsTmpfs ? 'criu.kdat' : 'Loaded kdat cache from /run/criu.kdat');
      // Three tmpfs superblocks of its own (/dev, /dev/shm and the one all masked directories share) and the
      // host's bound in, none in criu's images: lmctfy's own tars of its two with content, the masks' (empty) none.
      expect(tmpfs.size).toBe(4);
      expect(fs.readdirSync(path.join(dir, 'images')).filter((f) => f.startsWith('tmpfs-'))).toEqual([]);
      expect(fs.readdirSync(dir).filter((f) => /^tmpfs-\d+\.tar$/.test(f)).sort()).toEqual(['tmpfs-0.tar', 'tmpfs-1.tar']);
      expect(fs.existsSync(`/sys/class/net/${outside}`)).toBe(false);
      const r = lmctfy(b.root, ['restore', 'vh', dir], { env: { ...env, LMCTFY_CRIU_VERBOSITY: '4' }, timeoutMs: 60_000, installed: true });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'restore.log'), 'utf8')).toContain(runIsTmpfs ? 'criu.kdat' : 'Loaded kdat cache from /run/criu.kdat');

      expect(inB('run', 'vh', 'hostname').stdout).toBe('ck1\n');
      // criu ran in the primed helper's namespace: none of its mounts (the /run tmpfs and its binds) came along.
      const mounts = inB('run', 'vh', 'cat', '/proc/self/mountinfo').stdout;
      expect(mounts).not.toContain('lmctfy-run');
      expect(tmpfsSuperblocks(mounts).size).toBe(tmpfs.size);
      // The same mounts with the same options (mount ids and devices aside), and the tmpfs content.
      const shape = (text: string) => text.split('\n').map((l) => l.split(' ').slice(3).join(' ')).filter((l) => !l.includes(' overlay ')).sort();
      expect(shape(mounts)).toEqual(shape(mountsBefore));
      expect(inB('run', 'vh', 'cat', '/dev/shm/kept', '/dev/made').stdout).toBe('kept\nmade\n');
      fs.writeFileSync(path.join(shared, 'late'), 'seen\n');
      expect(inB('run', 'vh', 'cat', '/shared/late').stdout).toBe('seen\n');
      // The counter (PID 1) goes on from its memory: its first value is past one read before the
      // checkpoint (a fresh start writes 1, 2, ...; the upper dir's copy may be caught mid-write, empty).
      const now = await passes(read(inB), 0);
      expect(now).toBeGreaterThanOrEqual(before);
      expect(spawnSync('tar', ['-tf', path.join(dir, 'upper.tar')], { encoding: 'utf8' }).stdout.split('\n')).toContain('./counter');
      expect(await passes(read(inB), now)).toBeGreaterThan(now);
      // The outside end is back on its bridge, and the inside has its MAC, the spec's address and route, and loopback.
      expect(fs.readlinkSync(`/sys/class/net/${outside}/master`)).toMatch(new RegExp(`/${bridge}$`));
      expect(inB('run', 'vh', 'cat', '/sys/class/net/eth0/address').stdout).toBe(mac);
      expect(inB('run', 'vh', 'ip', '-4', 'addr', 'show', 'eth0').stdout).toContain('10.231.77.2/24');
      expect(inB('run', 'vh', 'ip', 'route', 'show', 'default').stdout).toContain('default via 10.231.77.1 dev eth0');
      expect(inB('run', 'vh', 'ip', 'link', 'show', 'lo').stdout).toContain('UP');
      expect(inB('spec', 'vh').stdout).toContain('limit: 67108864');
      // Its bandwidth limit is shaped again on the new pair.
      expect(inB('spec', 'vh').stdout).toContain('ingress_limit: 50000000');
      expect(spawnSync('tc', ['qdisc', 'show', 'dev', outside], { encoding: 'utf8' }).stdout).toContain('htb');

      // Migrated back through bin/lmctfy (the native launcher primes migrate's dump), still counting.
      const m = lmctfy(b.root, ['migrate', 'vh', '--to', a.root], { env, timeoutMs: 60_000, installed: true });
      expect(m.stderr).toBe('');
      expect(m.code).toBe(0);
      const moved = await passes(read(inA), 0);
      expect(await passes(read(inA), moved)).toBeGreaterThan(moved);
      expect(inA('destroy', '-f', 'vh').code).toBe(0);
      spawnSync('umount', [shared]);
      expect(fs.existsSync(`/sys/class/net/${outside}`)).toBe(false);
      expect(fs.existsSync(`/sys/class/net/${bridge}`)).toBe(false);

      // A truncated upper.tar (unpacked by the wrap criu runs under) fails with tar's line and leaves nothing.
      const damaged = `${dir}-damaged`;
      fs.cpSync(dir, damaged, { recursive: true });
      fs.truncateSync(path.join(damaged, 'upper.tar'), 700);
      const bad = inB('restore', 'vh', damaged);
      expect(bad.code).toBe(3);
      expect(bad.stderr.split('\n')).toEqual([expect.stringMatching(/^lmctfy: INVALID_ARGUMENT: .*-damaged: its upper\.tar cannot be unpacked: tar: /), '']);
      expect(inB('list', 'containers', '/').stdout).not.toContain('/vh');
      // So does a damaged tmpfs archive (unpacked by the same wrap into the tmpfs it mounts), and a missing one is named.
      fs.copyFileSync(path.join(dir, 'upper.tar'), path.join(damaged, 'upper.tar'));
      fs.writeFileSync(path.join(damaged, 'tmpfs-0.tar'), 'not a tar archive\n'.repeat(100));
      const badTmpfs = inB('restore', 'vh', damaged);
      expect(badTmpfs.stderr.split('\n')).toEqual([expect.stringMatching(/^lmctfy: INVALID_ARGUMENT: .*-damaged: its tmpfs-0\.tar cannot be unpacked: tar: /), '']);
      fs.rmSync(path.join(damaged, 'tmpfs-0.tar'));
      expect(inB('restore', 'vh', damaged).stderr).toMatch(/^lmctfy: INVALID_ARGUMENT: .*-damaged is not an lmctfy checkpoint: the virtual host's tmpfs-0\.tar is missing\n$/);
      expect(inB('list', 'containers', '/').stdout).not.toContain('/vh');
      expect(fs.existsSync(`/sys/class/net/${outside}`)).toBe(false);
      expect(fs.existsSync(`/sys/class/net/${bridge}`)).toBe(false);
      // Some thirty commands: on a loaded machine more than the default 30 s.
    }, 120_000);
  });
});
