import { spawnSync, spawn, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/lmctfy.js');
/** The command npm installs (scripts/write-launcher.mjs): the native launcher where it was built. */
export const INSTALLED = path.join(path.dirname(BIN), 'lmctfy');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built lmctfy (dist/, made by `npm run build`) with a delegated root; `installed`: through bin/lmctfy, not `node bin/lmctfy.js`. */
export function lmctfy(root: string | undefined, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; installed?: boolean } = {}): CliResult {
  const env = { ...process.env, ...opts.env };
  delete env.LMCTFY_ROOT;
  if (root !== undefined) env.LMCTFY_ROOT = root;
  const r: SpawnSyncReturns<string> = spawnSync(opts.installed ? INSTALLED : process.execPath, opts.installed ? args : [BIN, ...args], {
    encoding: 'utf8',
    env,
    input: opts.input,
    timeout: opts.timeoutMs ?? 20_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running process we own, returning its pid. */
export function startBusy(script = 'while :; do :; done'): number {
  const c = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  c.unref();
  return c.pid!;
}

/** lmctfy as lmctfy() runs it, without blocking this process's event loop (for tests that serve something the command asks). */
export function lmctfyAsync(root: string | undefined, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const env = { ...process.env, ...opts.env };
  delete env.LMCTFY_ROOT;
  if (root !== undefined) env.LMCTFY_ROOT = root;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/**
 * A CommonJS file to preload (`node -r FILE`) into the lmctfy a test runs, holding `source`;
 * removed after the test file's last test.
 */
export function preloadHook(source: string, removeAfterAll: (fn: () => void) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-hook-'));
  removeAfterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'hook.cjs');
  fs.writeFileSync(file, source);
  return file;
}
