import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/engine/native-helpers.js';
import { INSTALLED } from '../helpers/cli.js';

// A command ends with the add-on's _exit once its 'exit' listeners ran (src/cli/start.ts).
const addon = nativeHelper('lmctfy-spawn.node', 'spawn add-on');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-quick-end-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The environment of a command run as a user runs it: no node options asked of Node. */
function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_V8_COVERAGE;
  return env;
}

function node(script: string) {
  return spawnSync(process.execPath, ['-e', script, addon], { encoding: 'utf8', env: plainEnv() });
}

describe("the add-on's exit", () => {
  it('ends the process with the code given, after the exit listeners registered before it, and nothing after', () => {
    const r = node(`
      const m = { exports: {} };
      process.dlopen(m, process.argv[1]);
      process.on('exit', (code) => process.stdout.write('listener saw ' + code + '\\n'));
      process.on('exit', (code) => m.exports.exit(code));
      process.on('exit', () => process.stdout.write('not reached\\n'));
      process.exitCode = 4;
    `);
    expect(r.stdout).toBe('listener saw 4\n');
    expect(r.status).toBe(4);
  });

  it.each([['256'], ['-1'], ["'0'"], ['']])('refuses exit(%s) with a TypeError, and the process goes on', (arg) => {
    const r = node(`
      const m = { exports: {} };
      process.dlopen(m, process.argv[1]);
      try { m.exports.exit(${arg}); } catch (e) { process.stdout.write(e.constructor.name + ': ' + e.message + '\\n'); }
    `);
    expect(r.stdout).toBe('TypeError: exit(code): code 0 to 255\n');
    expect(r.status).toBe(0);
  });
});

describe('a command ended quickly', () => {
  it("keeps its exit code and runs its 'exit' listeners first (the code cache the build asks for is written)", () => {
    const out = path.join(scratch, 'create.cache');
    const r = spawnSync(INSTALLED, ['create', 'a', 'cpu:{limit:500}'], {
      encoding: 'utf8',
      env: plainEnv({ LMCTFY_ROOT: `lmctfy-quick-end-${process.pid}-absent`, LMCTFY_CODE_CACHE_OUT: out }),
    });
    expect(r.stderr).toMatch(/^lmctfy: FAILED_PRECONDITION: lmctfy root .* does not exist/);
    expect(r.status).toBe(9);
    expect(fs.statSync(out).size).toBeGreaterThan(10_000);
  });
});
