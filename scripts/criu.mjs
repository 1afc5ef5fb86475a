// Finds or builds the criu that `lmctfy checkpoint` and `lmctfy restore` drive (docs/CHECKPOINT.md).
//
//   node scripts/criu.mjs           use a working criu >= 4.1 if there is one, otherwise build
//                                   criu 4.1.1 from Debian's source archive (root only); print its path
//   node scripts/criu.mjs --find    only look; print the path, or say what is missing (exit 2)
//
// Why a build: Debian bookworm ships criu 3.17, which fails on every command on kernels
// >= 6.13 (their split vvar mapping; fixed in criu 4.1), and trixie's binary package needs a
// newer glibc. So the source comes from Debian's own archive (trixie's orig tarball, fetched
// by apt through a sources list of its own, checked against the signed index), its build
// dependencies are bookworm packages installed with apt-get, and the result is cached outside
// any clone, keyed by version, so it is built once per machine (about a minute).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CRIU_VERSION = '4.1.1';
const DEBIAN_VERSION = `${CRIU_VERSION}-1`;
const SUITE = 'trixie';
const MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
export const CACHE = process.env.LMCTFY_CRIU_CACHE ?? `/var/cache/lmctfy/criu-${CRIU_VERSION}`;
const BUILD_DEPS = [
  'build-essential', 'pkg-config', 'libprotobuf-dev', 'libprotobuf-c-dev', 'protobuf-c-compiler',
  'protobuf-compiler', 'python3-protobuf', 'libcap-dev', 'libnl-3-dev', 'libnet1-dev', 'libbsd-dev',
  'libgnutls28-dev', 'libnftables-dev', 'uuid-dev',
];
const MINIMUM = [4, 1];

class Missing extends Error {}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 10 * 60_000,
    ...opts,
  });
  return { ok: !r.error && r.status === 0, out: r.stdout ?? '', err: r.error?.message ?? (r.stderr ?? '') };
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

function must(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${lastLine(r.err) || lastLine(r.out)}`);
  return r.out;
}

/** "Version: 4.1.1" (criu --version) as [4, 1, 1], or undefined. */
export function parseCriuVersion(text) {
  const m = /Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Why `file` is not a usable criu, or undefined when it is (>= 4.1 and `criu check` passes). */
export function unusable(file) {
  const v = run(file, ['--version']);
  if (!v.ok) return `${file} --version failed: ${lastLine(v.err)}`;
  const version = parseCriuVersion(v.out);
  if (!version) return `${file} --version printed no version`;
  if (version[0] < MINIMUM[0] || (version[0] === MINIMUM[0] && version[1] < MINIMUM[1])) {
    return `${file} is criu ${version.join('.')}; lmctfy needs ${MINIMUM.join('.')} or newer (older ones fail on kernels >= 6.13)`;
  }
  const check = run(file, ['check']);
  if (!check.ok) return `${file} check failed: ${lastLine(check.err) || lastLine(check.out)}`;
  return undefined;
}

/** The first usable criu: $LMCTFY_CRIU, the PATH's, the cached build; else the reasons why none is. */
function find() {
  const reasons = [];
  // `criu` alone is looked up on the PATH by spawn.
  const candidates = [process.env.LMCTFY_CRIU, 'criu', path.join(CACHE, 'criu')].filter(Boolean);
  for (const file of new Set(candidates)) {
    if (run(file, ['--version']).err.includes('ENOENT')) continue;
    const why = unusable(file);
    if (!why) return { file };
    reasons.push(why);
  }
  if (reasons.length === 0) reasons.push(`no criu on the PATH nor at ${path.join(CACHE, 'criu')}`);
  return { reasons };
}

/** apt-get with its own sources list, lists and cache under `dir`: the system's apt setup is never touched. */
function isolatedApt(dir) {
  for (const d of ['lists/partial', 'cache/archives/partial']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const list = path.join(dir, 'sources.list');
  fs.writeFileSync(list, `deb-src [signed-by=${KEYRING}] ${MIRROR} ${SUITE} main\n`);
  const opts = [
    `Dir::Etc::SourceList=${list}`, 'Dir::Etc::SourceParts=/dev/null',
    `Dir::State::Lists=${path.join(dir, 'lists')}`, `Dir::Cache=${path.join(dir, 'cache')}`,
  ].flatMap((o) => ['-o', o]);
  return (...args) => must('apt-get', [...opts, ...args]);
}

/** The orig tarball's URI, file name and SHA256 from trixie's signed Sources index. */
export function origTarball(printUris) {
  for (const line of printUris.split('\n')) {
    const m = /^'([^']+)'\s+(\S+\.orig\.tar\.\w+)\s+\d+\s+(SHA256:[0-9a-f]{64})/.exec(line);
    if (m) return { uri: m[1], name: m[2], hash: m[3] };
  }
  return undefined;
}

function fetchSource(work) {
  const apt = isolatedApt(path.join(work, 'apt'));
  apt('update', '-q');
  const tarball = origTarball(apt('source', '--print-uris', `criu=${DEBIAN_VERSION}`));
  if (!tarball) throw new Error(`Debian ${SUITE}'s index lists no orig tarball for criu ${DEBIAN_VERSION}`);
  // apt's own downloader checks the hash the signed index gives. (Only the orig tarball: the
  // .dsc has been missing from the mirror while the tarball was there.)
  const file = path.join(work, tarball.name);
  must('/usr/lib/apt/apt-helper', ['download-file', tarball.uri, file, tarball.hash]);
  return file;
}

function installBuildDeps() {
  const missing = BUILD_DEPS.filter((p) => !run('dpkg-query', ['-W', '-f=${Status}', p]).out.includes('install ok installed'));
  if (missing.length === 0) return;
  const install = () => run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', '--no-install-recommends', ...missing]);
  // A clean machine may have no package lists yet: update once, then retry.
  let r = install();
  if (!r.ok) {
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q']);
    r = install();
  }
  if (!r.ok) throw new Error(`apt-get install ${missing.join(' ')} failed: ${lastLine(r.err)}`);
}

function build() {
  if (process.getuid?.() !== 0) throw new Missing(`building criu ${CRIU_VERSION} needs root (apt-get install of its build dependencies)`);
  fs.mkdirSync(CACHE, { recursive: true, mode: 0o755 });
  const work = fs.mkdtempSync(path.join(CACHE, 'build-'));
  try {
    const tarball = fetchSource(work);
    installBuildDeps();
    must('tar', ['xf', tarball, '-C', work]);
    const src = fs.readdirSync(work).map((d) => path.join(work, d)).find((d) => fs.existsSync(path.join(d, 'criu', 'Makefile')));
    if (!src) throw new Error(`${path.basename(tarball)} holds no criu source tree`);
    must('make', [`-j${os.availableParallelism()}`, 'criu'], { cwd: src });
    const tmp = path.join(CACHE, `criu.tmp-${process.pid}`);
    fs.copyFileSync(path.join(src, 'criu', 'criu'), tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, path.join(CACHE, 'criu'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const why = unusable(path.join(CACHE, 'criu'));
  if (why) throw new Error(`criu ${CRIU_VERSION} was built, but ${why}`);
  return path.join(CACHE, 'criu');
}

/** Holds a lock directory while `fn` runs, so parallel test files build criu once. */
function locked(fn) {
  fs.mkdirSync(path.dirname(CACHE), { recursive: true });
  const lock = `${CACHE}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(readPid(lock).trim() || 0);
      if (holder > 0 && !alive(holder)) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readPid(lock) {
  try {
    return fs.readFileSync(path.join(lock, 'pid'), 'utf8');
  } catch {
    return '';
  }
}

export function main(argv) {
  const findOnly = argv.includes('--find');
  const found = find();
  if (found.file) return { file: found.file };
  if (findOnly) return { missing: `${found.reasons.join('; ')}. \`node scripts/criu.mjs\` (as root) builds criu ${CRIU_VERSION} from Debian's source archive.` };
  try {
    return { file: locked(() => find().file ?? build()) };
  } catch (e) {
    return { [e instanceof Missing ? 'missing' : 'error']: `${found.reasons.join('; ')}; ${e.message}` };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = main(process.argv.slice(2));
  if (r.file) {
    console.log(r.file);
  } else {
    console.error(`lmctfy criu: ${r.missing ?? r.error}`);
    process.exit(r.missing ? 2 : 1);
  }
}
