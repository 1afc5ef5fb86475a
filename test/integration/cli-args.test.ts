import { describe, expect, it } from 'vitest';
import { lmctfy } from '../helpers/cli.js';

// These run the built CLI (dist/: npm run build) but never reach the kernel: every case
// fails or exits before.
describe('CLI arguments', () => {
  it('-V prints the version', () => {
    const r = lmctfy(undefined, ['-V']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lmctfy version \d+\.\d+\.\d+\n$/);
  });

  it.each([['help'], ['-h'], ['--help'], ['help', 'create'], ['create', 'help'], ['create', '--help']])('%j prints usage and exits 0', (...args) => {
    const r = lmctfy(undefined, args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: lmctfy/);
  });

  it.each([
    [['frobnicate'], /unknown command/],
    [['create'], /missing required argument/],
    [['create', '--bogus', 'x'], /unknown option/],
    [['list', 'widgets', '/'], /unknown kind "widgets"/],
    [['stats', 'partial', '/'], /summary" or "full/],
    [['update', 'merge', 'x', 'cpu:{limit:1}'], /"diff" or "replace"/],
    [['create', '/_bad', ''], /invalid container name/],
    [['create', 'x', 'memory:{limit:'], /INVALID_ARGUMENT/],
    [['detect', 'abc'], /invalid pid "abc"/],
    [['--cgroup-version', '3', 'list', 'containers'], /must be 1 or 2/],
    [['--root', '../escape', 'list', 'containers'], /invalid --root/],
  ])('%j → exit 3 with one line naming the fault', (args, message) => {
    const r = lmctfy(undefined, args);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json errors are JSON on stderr', () => {
    const r = lmctfy(undefined, ['create', '--json', '/_bad']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'INVALID_ARGUMENT', exit: 3 } });
  });
});
