// Builds lmctfy's native helpers (native/notify-helper.c → build/lmctfy-notify, native/exec-helper.c →
// build/lmctfy-exec, native/vhost-helper.c → build/lmctfy-vhost, native/psi-helper.c → build/lmctfy-psi,
// native/fsattr-helper.c → build/lmctfy-fsattr, native/launcher.c → build/lmctfy-launch, which
// scripts/write-launcher.mjs makes bin/lmctfy) and the Node add-on that starts `lmctfy run`'s exec helper without a
// fork of Node (native/spawn-addon.c → build/lmctfy-spawn.node) with the machine's C compiler: $CC, else cc, gcc or clang. Runs at `npm install`
// and `npm run build`; skips a compile when the binary is newer than its source.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The exec and vhost helpers are exec'd by every `run` and virtual host start: linked
// statically where the C library allows it (libc.a, in Debian's libc6-dev), they start
// without the dynamic loader's opening and relocating libc; otherwise dynamically. The
// launcher, exec'd by every command, is built without the C library (native/launcher.c says
// why) where its system calls are written for the target, and not at all elsewhere: bin/lmctfy
// is then the Node entry itself (scripts/write-launcher.mjs).
const HELPERS = [
  ['notify-helper.c', 'lmctfy-notify', 'dynamic'],
  ['exec-helper.c', 'lmctfy-exec', 'static'],
  ['vhost-helper.c', 'lmctfy-vhost', 'static'],
  ['psi-helper.c', 'lmctfy-psi', 'dynamic'],
  ['fsattr-helper.c', 'lmctfy-fsattr', 'dynamic'],
  ['launcher.c', 'lmctfy-launch', 'nolibc'],
  // A shared object Node loads: its Node-API symbols are resolved from node at load time.
  ['spawn-addon.c', 'lmctfy-spawn.node', 'addon'],
].map(([source, output, link]) => ({ source: path.join(top, 'native', source), output: path.join(top, 'build', output), link }));

/** No C library, start files or stack protector (its canary lives in the C library's thread storage), and no calls to it made up by the compiler. */
const NOLIBC = ['-static', '-nostdlib', '-ffreestanding', '-fno-builtin', '-fno-stack-protector', '-fno-tree-loop-distribute-patterns'];

function die(message) {
  console.error(`lmctfy build-native: ${message}`);
  process.exit(1);
}

function findCompiler() {
  const candidates = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  for (const cc of candidates) {
    const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
    if (!r.error && r.status === 0) return cc;
  }
  return undefined;
}

/** Headers the helpers include: a change rebuilds every helper. */
const SHARED = ['criu-prime.h', 'criu-tmpfs.h', 'launcher-sys.h', 'line-helper.h', 'vhost-caps.h', 'vhost-join.h', 'vhost-net.h'].map((h) => path.join(top, 'native', h));

function upToDate({ source, output }) {
  const out = fs.statSync(output, { throwIfNoEntry: false });
  return out !== undefined && [source, ...SHARED].every((f) => out.mtimeMs >= fs.statSync(f).mtimeMs);
}

if (process.platform !== 'linux') die(`the native helpers need Linux (eventfd, epoll, cgroups); this is ${process.platform}`);
for (const { source, output, link } of HELPERS.filter((h) => !upToDate(h))) {
  const cc = findCompiler();
  if (!cc) {
    die(`no C compiler found (tried ${process.env.CC ? `$CC=${process.env.CC}` : 'cc, gcc, clang'}). Install one (e.g. apt-get install gcc) or set CC, then run npm run build.`);
  }
  fs.mkdirSync(path.dirname(output), { recursive: true });
  // Compile to a temporary name and rename, so a failed build never leaves a half-written binary.
  const tmp = `${output}.tmp-${process.pid}`;
  const args = [...(link === 'addon' ? ['-shared', '-fPIC'] : []), ...(link === 'nolibc' ? NOLIBC : []), '-std=c11', '-O2', '-Wall', '-Wextra', '-o', tmp, source];
  if (link === 'nolibc') {
    // Another architecture (the header's #error) or a compiler without these options: no launcher, quietly.
    if (spawnSync(cc, args, { stdio: 'ignore' }).status === 0) fs.renameSync(tmp, output);
    else for (const f of [tmp, output]) fs.rmSync(f, { force: true });
    continue;
  }
  // A static link failing (no libc.a) falls back quietly to the dynamic one, which reports its own errors.
  const linkedStatic = link === 'static' && spawnSync(cc, ['-static', ...args], { stdio: 'ignore' }).status === 0;
  const r = linkedStatic ? { status: 0 } : spawnSync(cc, args, { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    die(`${cc} ${args.join(' ')} failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`);
  }
  fs.renameSync(tmp, output);
}
