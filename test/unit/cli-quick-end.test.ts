import { describe, expect, it } from 'vitest';
import { mayEndQuickly } from '../../src/cli/start.js';

// A command may skip Node's own end (src/cli/start.ts) only where Node was asked for nothing
// it writes at its end.
describe('mayEndQuickly', () => {
  it.each([
    [[], {}, true],
    [['--preserve-symlinks-main'], {}, true],
    [['--preserve-symlinks-main', '--v8-pool-size=1'], {}, true],
    [['--v8-pool-size=2'], {}, false],
    [['--cpu-prof'], {}, false],
    [['--preserve-symlinks-main', '--prof'], {}, false],
    [['-r', '/tmp/hook.cjs'], {}, false],
    [['--enable-source-maps'], {}, false],
    [[], { NODE_OPTIONS: '--heap-prof' }, false],
    [[], { NODE_OPTIONS: '' }, true],
    [[], { NODE_V8_COVERAGE: '/tmp/coverage' }, false],
  ] as const)('node options %j, environment %j: %s', (execArgv, env, expected) => {
    expect(mayEndQuickly(execArgv, env)).toBe(expected);
  });
});
