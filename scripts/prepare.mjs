// npm's `prepare`: builds dist/ after `npm ci` / `npm install` on a clone, and for `npm link`
// and `npm pack`, but only when dist/ is missing or older than what it is built from.
//
// `npx lmctfy` in a clone also runs it (npm installs the directory as a linked package in its
// cache first): running the CLI must not rebuild dist/ under a command already running from
// it, so there an existing dist/ is used as it is, with a note when it looks stale.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INPUTS = ['src', 'proto', 'scripts/build.mjs', 'package.json', 'package-lock.json'];

/** Newest modification time of a file, or of any file below a directory. */
function newest(file) {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(file).map((name) => newest(path.join(file, name))));
}

// The build writes the entry last, so its time is the build's.
const built = statSync(path.join(top, 'dist', 'lmctfy.cjs'), { throwIfNoEntry: false })?.mtimeMs;
const stale = built === undefined || INPUTS.some((input) => newest(path.join(top, input)) > built);

if (!stale) process.exit(0);
if (built !== undefined && process.env.npm_command === 'exec') {
  console.error('lmctfy: dist/ is older than the sources; `npm run build` rebuilds it');
  process.exit(0);
}
const r = spawnSync(process.execPath, [path.join(top, 'scripts', 'build.mjs')], { cwd: top, stdio: 'inherit' });
process.exit(r.status ?? 1);
