import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, preloadHook } from '../helpers/cli.js';

// bin/lmctfy.js compiles dist/lmctfy.cjs with the code cache scripts/build.mjs made for it
// (BENCHMARKS.md section 5). A preloaded hook reports what V8 did with the cache.
const hook = preloadHook(
  `const vm = require('node:vm');
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    process.on('exit', () => require('node:fs').writeSync(2, 'cache:' + (options && options.cachedData ? (this.cachedDataRejected ? 'rejected' : 'used') : 'none') + '\\n'));
  }
};
`,
  afterAll,
);

/** The node flags on bin/lmctfy.js's #! line, with which lmctfy runs as a command. */
const shebangFlags = fs.readFileSync(BIN, 'utf8').split('\n')[0]!.split(/\s+/).filter((w) => w.startsWith('--'));

function run(flags: string[], args: string[]) {
  return spawnSync(process.execPath, [...flags, '-r', hook, BIN, ...args], { encoding: 'utf8' });
}

describe('the CLI code cache', () => {
  it('is used when lmctfy runs with its #! flags, and the command works', () => {
    const r = run(shebangFlags, ['-V']);
    expect(r.stdout).toMatch(/^lmctfy version /);
    expect(r.stderr).toBe('cache:used\n');
  });

  it('a cache V8 rejects (other flags) only means compiling: same output', () => {
    const r = run([], ['-V']);
    expect(r.stdout).toMatch(/^lmctfy version /);
    expect(r.stderr).toBe(shebangFlags.length ? 'cache:rejected\n' : 'cache:used\n');
  });
});
