import { it } from 'vitest';
import type { ContainerApi } from '../../src/engine/container-api.js';
import type { PolicyDaemon } from '../../src/daemon/daemon.js';
import { describeCgroups, removeRoot } from './cgroups.js';
import { debianInstalled } from './debian-package.js';

/** What the daemon's integration tests share: stress-ng from Debian, a describe that skips without it, and waiting on a condition. */

const stress = debianInstalled('stress-ng', 'stress-ng');
if ('error' in stress) throw new Error(stress.error);

/** stress-ng's path; '' where the suite is skipped. */
export const stressNg = 'path' in stress ? stress.path : '';

/** describeCgroups, skipped with the reason when stress-ng is missing or `skip` names another. */
export function describeDaemon(name: string, fn: () => void, skip?: string): void {
  const why = 'skip' in stress ? stress.skip : skip;
  if (why === undefined) describeCgroups(name, fn);
  else describeCgroups(`${name} (skipped: ${why})`, () => it.skip(why, fn));
}

/** Resolves once `cond` holds; fails naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** afterAll of a daemon suite: the daemon stopped, the policy cleared, the test root removed (failing if anything was left). */
export async function tearDownDaemonRoot(root: string, api: ContainerApi | undefined, daemon: PolicyDaemon | undefined): Promise<void> {
  daemon?.stop();
  try {
    await api?.clearPolicy();
  } finally {
    const left = await removeRoot(root);
    if (left.length) throw new Error(`left ${left.join(', ')}`);
  }
}
