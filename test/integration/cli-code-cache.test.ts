import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, preloadHook } from '../helpers/cli.js';

// bin/lmctfy.js compiles a CLI bundle (here dist/lmctfy.cjs, which -V starts from) with the code cache scripts/build.mjs made for it
// (BENCHMARKS.md section 5). A preloaded hook reports what V8 did with the cache.
const hook = preloadHook(
  `const vm = require('node:vm');
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    const name = require('node:path').basename(options.filename);
    process.on('exit', () => require('node:fs').writeSync(2, name + ' cache:' + (options && options.cachedData ? (this.cachedDataRejected ? 'rejected' : 'used') : 'none') + '\\n'));
  }
};
`,
  afterAll,
);

/** The node flags on bin/lmctfy.js's #! line, with which lmctfy runs as a command. */
const shebangFlags = fs.readFileSync(BIN, 'utf8').split('\n')[0]!.split(/\s+/).filter((w) => w.startsWith('--'));

function run(flags: string[], args: string[]) {
  return spawnSync(process.execPath, [...flags, '-r', hook, BIN, ...args], { encoding: 'utf8', env: { ...process.env, LMCTFY_ROOT: `lmctfy-code-cache-test-${process.pid}-absent` } });
}

describe('the CLI code cache', () => {
  it('is used when lmctfy runs with its #! flags, and the command works', () => {
    const r = run(shebangFlags, ['-V']);
    expect(r.stdout).toMatch(/^lmctfy version /);
    expect(r.stderr).toBe('lmctfy.cjs cache:used\n');
  });

  it('a cache V8 rejects (other flags) only means compiling: same output', () => {
    const r = run([], ['-V']);
    expect(r.stdout).toMatch(/^lmctfy version /);
    expect(r.stderr).toBe(shebangFlags.length ? 'lmctfy.cjs cache:rejected\n' : 'lmctfy.cjs cache:used\n');
  });

  // The root does not exist: each command fails at the engine's open, after its bundle loaded.
  it.each([
    ['list', 'list'],
    ['create', 'create'],
    ['destroy', 'lifecycle'],
    ['spec', 'inspect'],
    ['run', 'processes'],
    ['migrate', 'checkpoint'],
  ])('%s starts from its own bundle (%s), with its cache', (command, bundle) => {
    const args = {
      list: ['list', 'containers', '/'],
      create: ['create', 'a', 'cpu:{limit:500}'],
      destroy: ['destroy', 'a'],
      spec: ['spec', 'a'],
      run: ['run', 'a', 'true'],
      migrate: ['migrate', 'a', '--to', 'b'],
    }[command]!;
    const r = run(shebangFlags, args);
    expect(r.status).toBe(9);
    expect(r.stderr).toMatch(new RegExp(`^lmctfy: FAILED_PRECONDITION: .*\\nlmctfy-${bundle}\\.cjs cache:used\\n$`));
  });

  it('a bundle hands a line it cannot hold on to the whole CLI, which answers it as before', () => {
    const r = run(shebangFlags, ['lsit', 'list']);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe("lmctfy: INVALID_ARGUMENT: unknown command 'lsit'\n(Did you mean list?)\nlmctfy-list.cjs cache:used\nlmctfy.cjs cache:used\n");
  });
});
