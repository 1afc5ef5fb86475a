/**
 * criu for the checkpoint tests, through the project's own scripts/criu.mjs: a working criu
 * >= 4.1 found on the machine, or (as root where CI runs: CI=true or LMCTFY_REQUIRE_CGROUPS=1)
 * built once from Debian's source archive and cached. Elsewhere the tests skip saying why;
 * under CI a criu that cannot be had is a failure, with the script's reason.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/criu.mjs');

export type CriuForTests = { path: string } | { skip: string } | { error: string };

export function criuForTests(): CriuForTests {
  const ci = process.env.CI === 'true' || process.env.LMCTFY_REQUIRE_CGROUPS === '1';
  const build = ci && process.getuid?.() === 0;
  // The first build takes about a minute (more on a loaded machine); later runs find the cache.
  const r = spawnSync(process.execPath, [SCRIPT, ...(build ? [] : ['--find'])], { encoding: 'utf8', timeout: 9 * 60_000 });
  if (r.status === 0) return { path: r.stdout.trim() };
  const why = (r.stderr ?? '').trim() || r.error?.message || `scripts/criu.mjs exit ${r.status}`;
  return ci ? { error: why } : { skip: why };
}
