import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalDir, journalPath } from '../../src/engine/journal.js';
import { besideLocks, lockDir, lockKey } from '../../src/engine/lock.js';
import { policyDir } from '../../src/engine/policy-store.js';
import { stateDir, vhostsDir } from '../../src/engine/vhost/state.js';

/** FNV-1a 64 as docs/LOCKING.md defines it, in BigInt: the reference the 32-bit-halves version must equal. */
function reference(scope: string, name: string): string {
  let h = 0xcbf29ce484222325n;
  const text = `${scope}\0${name}`;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('lockKey', () => {
  it.each([
    ['', ''],
    ['/sys/fs/cgroup/freezer', '/'],
    ['/sys/fs/cgroup/freezer/process_api/0b8c4b408e3ad1c50528162dc48ee0af/t-1', '/a/b/c'],
    ['r', 'x'.repeat(5000)],
    ['/sys/fs/cgroup/unified', '\u00ff\u0100\uffff'],
    ['/x', ':policy'],
  ])('(%j, %j) is FNV-1a 64 of root NUL name, as every lmctfy version names its lock', (scope, name) => {
    expect(lockKey(scope, name)).toBe(reference(scope, name));
  });
});

describe('paths beside the locks, joined as strings', () => {
  it.each(['/sys/fs/cgroup/freezer/lm', '/sys/fs/cgroup/unified/a b', ''])('for root %j: what path.join gives', (scope) => {
    const top = path.dirname(lockDir());
    expect(besideLocks('journal')).toBe(path.join(top, 'journal'));
    expect(journalDir()).toBe(path.join(top, 'journal'));
    expect(journalPath(scope)).toBe(path.join(top, 'journal', `${lockKey(scope, ':journal')}.ndjson`));
    expect(vhostsDir()).toBe(path.join(top, 'vhosts'));
    expect(stateDir(scope, '/a/b')).toBe(path.join(top, 'vhosts', lockKey(scope, '/a/b')));
    expect(policyDir()).toBe(path.join(top, 'policy'));
  });
});
