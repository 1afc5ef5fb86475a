/**
 * A command a test needs from a Debian package (promtool from `prometheus`). Found on the
 * PATH, it is used as is. Missing, it is fetched only where the project's CI runs (root,
 * with CI=true or LMCTFY_REQUIRE_CGROUPS=1): `apt-get download` and `dpkg-deb -x` into a
 * directory of its own under the system temp dir, so nothing is installed system-wide and
 * no service the package ships is started. Elsewhere the test skips, saying why.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Found (path), not looked for here (skip: why), or failed where it must be there (error). */
export type PackagedCommand = { path: string; env?: Record<string, string> } | { skip: string } | { error: string };

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = path.join(dir || '.', command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function run(cmd: string, args: string[], cwd?: string): string | undefined {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 10 * 60_000,
  });
  if (r.status === 0) return undefined;
  return `${cmd} ${args.join(' ')}: ${r.error?.message ?? ((r.stderr ?? '').trim().split('\n').at(-1) || `exit ${r.status}`)}`;
}

/** `command` as unpacked from the package into dir, if it is. */
function unpacked(dir: string, command: string): string | undefined {
  return ['usr/bin', 'usr/sbin', 'bin'].map((d) => path.join(dir, 'root', d, command)).find((f) => fs.existsSync(f));
}

/** Downloads package `pkg` and unpacks it into dir/root; an error line, or undefined. */
function fetchInto(dir: string, pkg: string): string | undefined {
  fs.mkdirSync(dir, { recursive: true });
  // A clean machine may have no package lists yet: update once, then retry.
  const fetch = () => run('apt-get', ['download', pkg], dir);
  const failed = fetch() && (run('apt-get', ['update']) ?? fetch());
  if (failed) return `cannot fetch ${pkg}: ${failed}`;
  const deb = fs.readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) return `apt-get download ${pkg} left no .deb in ${dir}`;
  const notUnpacked = run('dpkg-deb', ['-x', deb, 'root'], dir);
  fs.rmSync(path.join(dir, deb));
  if (notUnpacked) return notUnpacked;
  fs.writeFileSync(path.join(dir, `.${pkg}.unpacked`), '');
  return undefined;
}

/** The library directories of packages unpacked into dir, for LD_LIBRARY_PATH. */
function libraryPath(dir: string): string {
  const libs = ['usr/lib', 'lib'].map((d) => path.join(dir, 'root', d));
  return libs.flatMap((l) => (fs.existsSync(l) ? fs.readdirSync(l).filter((a) => a.endsWith('-linux-gnu')).map((a) => path.join(l, a)) : [])).join(':');
}

/**
 * The path of `command` from Debian package `pkg`, fetching the package where CI runs;
 * otherwise why not. `libs` are packages of shared libraries the command needs that a bare
 * machine may lack (skopeo's libgpgme11): unpacked beside it, and `env` points the dynamic
 * loader at them.
 */
export function debianCommand(pkg: string, command: string, libs: string[] = []): PackagedCommand {
  const dir = path.join(os.tmpdir(), 'lmctfy-test-tools', pkg);
  const onHost = onPath(command);
  if (onHost) return { path: onHost };
  const missing = [pkg, ...libs].filter((p) => (p === pkg ? !unpacked(dir, command) : !fs.existsSync(path.join(dir, `.${p}.unpacked`))));
  const ci = process.env.CI === 'true' || process.env.LMCTFY_REQUIRE_CGROUPS === '1';
  if (missing.length > 0 && (!ci || process.getuid?.() !== 0)) {
    return { skip: `${command} not found (Debian package ${pkg}); fetched automatically only as root under CI=true or LMCTFY_REQUIRE_CGROUPS=1` };
  }
  for (const p of missing) {
    const failed = fetchInto(dir, p);
    if (failed) return { error: failed };
  }
  const file = unpacked(dir, command);
  if (!file) return { error: `package ${pkg} has no ${command}` };
  return libs.length ? { path: file, env: { LD_LIBRARY_PATH: libraryPath(dir) } } : { path: file };
}

/**
 * The path of `command` from Debian package `pkg`, installed system-wide with its
 * dependencies where CI runs (root, CI=true or LMCTFY_REQUIRE_CGROUPS=1); otherwise why not.
 * For tools that ship no service and run inside containers, where an unpacked copy would
 * need its libraries' path carried through `lmctfy run` (stress-ng).
 */
export function debianInstalled(pkg: string, command: string): PackagedCommand {
  const onHost = onPath(command);
  if (onHost) return { path: onHost };
  const ci = process.env.CI === 'true' || process.env.LMCTFY_REQUIRE_CGROUPS === '1';
  if (!ci || process.getuid?.() !== 0) {
    return { skip: `${command} not found (apt-get install ${pkg}); installed automatically only as root under CI=true or LMCTFY_REQUIRE_CGROUPS=1` };
  }
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', pkg]);
  const failed = install() && (run('apt-get', ['update']) ?? install());
  if (failed) return { error: `cannot install ${pkg}: ${failed}` };
  const installed = onPath(command);
  return installed ? { path: installed } : { error: `apt-get install ${pkg} left no ${command} on the PATH` };
}
