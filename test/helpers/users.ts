/**
 * Throwaway Unix users for delegation tests: created with useradd under a unique name,
 * commands run as them with setpriv (util-linux), removed with userdel.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, type CliResult } from './cli.js';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** TMPDIR of the user's commands: lmctfy keeps a non-root user's locks below it. */
  tmp: string;
  remove(): void;
}

function which(cmd: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => fs.existsSync(path.join(d, cmd)));
}

/** Why users cannot be made here, or undefined when they can. */
export function usersUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const missing = ['useradd', 'userdel', 'setpriv'].filter((c) => !which(c));
  return missing.length ? `${missing.join(', ')} not installed` : undefined;
}

let counter = 0;

/** A new user (and group) named lmctfy-t-<pid>-<n>, with no home and no login shell. */
export function createUser(): TestUser {
  const name = `lmctfy-t-${process.pid}-${counter++}`;
  const add = spawnSync('useradd', ['--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`useradd ${name}: ${add.stderr}`);
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  // Like /tmp: anyone may create in it, only owners may remove.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.chmodSync(tmp, 0o1777);
  return {
    name,
    uid: id('-u'),
    gid: id('-g'),
    tmp,
    remove() {
      fs.rmSync(tmp, { recursive: true, force: true });
      const del = spawnSync('userdel', [name], { encoding: 'utf8' });
      if (del.status !== 0) throw new Error(`userdel ${name}: ${del.stderr}`);
    },
  };
}

/** Runs the built lmctfy as `user` with a delegated root (relative: below this process's cgroups). */
export function lmctfyAs(user: TestUser, root: string, args: string[]): CliResult {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: user.tmp, HOME: user.tmp, LMCTFY_ROOT: root };
  const r = spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
