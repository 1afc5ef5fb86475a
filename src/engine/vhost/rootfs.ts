import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';

/** Where Debian's busybox-static puts its one statically linked binary. */
export const BUSYBOX = '/bin/busybox';

/**
 * Whether an ELF image needs a dynamic loader (has a PT_INTERP program header): a binary
 * copied alone into a rootfs must not. Undefined when `image` is not a 64- or 32-bit ELF.
 */
export function elfIsDynamic(image: Buffer): boolean | undefined {
  if (image.length < 52 || image.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = image[4] === 2;
  const le = image[5] === 1;
  const u16 = (o: number) => (le ? image.readUInt16LE(o) : image.readUInt16BE(o));
  const u32 = (o: number) => (le ? image.readUInt32LE(o) : image.readUInt32BE(o));
  const phoff = is64 ? Number(le ? image.readBigUInt64LE(32) : image.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > image.length) return undefined;
    if (u32(at) === 3) return true;
  }
  return false;
}

/** A statically linked busybox, installed from Debian's busybox-static when missing and we are root. */
function findStaticBusybox(): string {
  const isStatic = () => {
    try {
      return elfIsDynamic(fs.readFileSync(BUSYBOX)) === false;
    } catch {
      return false;
    }
  };
  if (isStatic()) return BUSYBOX;
  const fix = `install Debian's busybox-static (apt-get install busybox-static) as root`;
  if (process.getuid?.() !== 0) throw new LmctfyError(Code.FAILED_PRECONDITION, `rootfs build needs a statically linked ${BUSYBOX}: ${fix}`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'busybox-static'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error || r.status !== 0 || !isStatic()) {
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`;
    throw new LmctfyError(Code.FAILED_PRECONDITION, `rootfs build needs a statically linked ${BUSYBOX} and installing busybox-static failed (${why}); ${fix}`);
  }
  return BUSYBOX;
}

/** The applets busybox was built with (`busybox --list`). */
function applets(busybox: string): string[] {
  const r = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new LmctfyError(Code.FAILED_PRECONDITION, `${busybox} --list failed: ${r.error?.message ?? `exit ${r.status}`}`);
  return r.stdout.split('\n').filter((a) => /^[A-Za-z0-9_.[-]+$/.test(a) && a !== 'busybox');
}

const FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  'etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost\n',
  'etc/resolv.conf': '',
};

/**
 * Makes a minimal root file system in `dir` (absolute; missing or empty): busybox-static as
 * /bin/busybox with a symlink per applet, /sbin and /usr/{bin,sbin} pointing at /bin, the
 * mount points a virtual host needs and an /etc with root. About 2 MB. A failure removes
 * what it made. Returns the number of applets linked.
 */
export function buildRootfs(dir: string): number {
  if (!path.isAbsolute(dir)) throw new LmctfyError(Code.INVALID_ARGUMENT, `rootfs build: ${dir} is a relative path; give an absolute path`);
  const existing = fs.statSync(dir, { throwIfNoEntry: false });
  if (existing && (!existing.isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new LmctfyError(Code.ALREADY_EXISTS, `rootfs build: ${dir} exists and is not an empty directory; give a new path`);
  }
  const busybox = findStaticBusybox();
  const names = applets(busybox);
  try {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true, mode: 0o755 });
    fs.copyFileSync(busybox, path.join(dir, 'bin/busybox'));
    fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
    for (const a of names) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
    fs.mkdirSync(path.join(dir, 'usr'), { mode: 0o755 });
    fs.symlinkSync('bin', path.join(dir, 'sbin'));
    fs.symlinkSync('../bin', path.join(dir, 'usr/bin'));
    fs.symlinkSync('../bin', path.join(dir, 'usr/sbin'));
    for (const d of ['etc', 'proc', 'sys', 'dev', 'root', 'run', 'var', 'home']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'tmp'));
    fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
    for (const [file, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, file), text, { mode: 0o644 });
  } catch (e) {
    if (existing) for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    else fs.rmSync(dir, { recursive: true, force: true });
    throw new LmctfyError(Code.PERMISSION_DENIED, `rootfs build: cannot write ${dir}: ${(e as Error).message}`);
  }
  return names.length;
}
