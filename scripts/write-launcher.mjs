// Writes bin/lmctfy, the command npm installs (package.json "bin"): bin/lmctfy.js with its
// `#!/usr/bin/env node` line replaced by the path of the node that env would find on this
// machine's PATH now. `#!/usr/bin/env node` makes every command start /usr/bin/env first (a
// second program, its dynamic loader and locale files, and a PATH search): ~5 % of a short
// command's start (BENCHMARKS.md section 5). Runs at every install (npm's `install` script:
// a clone's `npm ci`, `npm install -g`, `npx`) and at `npm run build`; `--portable` writes
// the env line itself, for a package made to be installed elsewhere (`npm pack`'s prepack).
// Where no usable node is found (none on PATH, or a path a #! line cannot hold), the env line
// is written too: bin/lmctfy then works exactly as bin/lmctfy.js does.
import { accessSync, chmodSync, constants, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PORTABLE = '#!/usr/bin/env node';
/** Linux before 5.1 reads 128 bytes of a #! line; a longer interpreter path would be cut. */
const MAX_LINE = 127;

/** The #! line for the interpreter at `node` (undefined: none found): the portable line when a #! line cannot name it. */
export function shebangFor(node) {
  if (node === undefined || !path.isAbsolute(node) || /[\s\0]/.test(node)) return PORTABLE;
  const line = `#!${node}`;
  return line.length <= MAX_LINE ? line : PORTABLE;
}

/** The first executable `node` in `pathVar`'s absolute directories, as env would find it (a symlink is kept as such, so it may be repointed). */
export function nodeOnPath(pathVar = process.env.PATH ?? '') {
  for (const dir of pathVar.split(':')) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, 'node');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable: env goes on to the next directory too
    }
  }
  return undefined;
}

/** bin/lmctfy.js's text with its first line replaced by `shebang`. */
export function launcherText(source, shebang) {
  if (!source.startsWith('#!')) throw new Error('bin/lmctfy.js does not start with a #! line');
  return `${shebang}${source.slice(source.indexOf('\n'))}`;
}

/** Writes bin/lmctfy (by rename, so a command starting meanwhile reads the old file or the new one); returns its #! line. */
export function writeLauncher({ portable = false } = {}) {
  const shebang = portable ? PORTABLE : shebangFor(nodeOnPath());
  const target = path.join(top, 'bin', 'lmctfy');
  const tmp = `${target}.tmp-${process.pid}`;
  writeFileSync(tmp, launcherText(readFileSync(path.join(top, 'bin', 'lmctfy.js'), 'utf8'), shebang));
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return shebang;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) writeLauncher({ portable: process.argv.includes('--portable') });
