import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, preloadHook } from '../helpers/cli.js';

// The commands that run for hours bound V8's young generation at run time
// (src/cli/young-generation.ts) now that bin/lmctfy.js's #! line carries no V8 flag.
const hook = preloadHook(
  `const v8 = require('node:v8');
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => {
  process.on('exit', () => require('node:fs').writeSync(2, 'v8 flags: ' + flags + '\\n'));
  return set(flags);
};
`,
  afterAll,
);

/** The command on a root that does not exist: it fails at opening the root, after commander's preAction hooks. */
function flagsSet(args: string[]): string[] {
  const env = { ...process.env, LMCTFY_ROOT: `lmctfy-young-gen-${process.pid}-absent` };
  const r = spawnSync(process.execPath, ['-r', hook, BIN, ...args], { encoding: 'utf8', env });
  expect(r.stderr).toContain('FAILED_PRECONDITION');
  return [...r.stderr.matchAll(/^v8 flags: (.*)$/gm)].map((m) => m[1]!);
}

describe('the young generation of long-running commands', () => {
  it.each([['top', '--json'], ['serve'], ['daemon'], ['record']])('%s keeps it at its starting size', (...args) => {
    expect(flagsSet(args)).toEqual(['--semi-space-growth-factor=1']);
  });

  it.each([['list', 'containers', '/'], ['create', 'a', 'cpu:{limit:500}']])('%s sets no V8 flag (nor loads node:v8)', (...args) => {
    expect(flagsSet(args)).toEqual([]);
  });

  it('the flag set at run time holds V8 to 1 MB semi-spaces while survivors pile up', () => {
    const newSpace = (bound: boolean) =>
      Number(
        spawnSync(
          process.execPath,
          [
            '-e',
            `const v8 = require('node:v8');
if (${bound}) v8.setFlagsFromString('--semi-space-growth-factor=1');
let keep = [];
for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 20000) keep = []; }
console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`,
          ],
          { encoding: 'utf8' },
        ).stdout,
      );
    const MB = 1 << 20;
    // Two semi-spaces: the bound is below the 2 MB ones the old #! flag allowed; V8's default grows past them.
    expect(newSpace(true)).toBeLessThanOrEqual(2 * MB);
    expect(newSpace(false)).toBeGreaterThan(4 * MB);
  });
});
