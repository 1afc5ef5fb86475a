// Writes bin/lmctfy, the command npm installs (package.json "bin"). Where the native launcher
// was built (build/lmctfy-launch, native/launcher.c: it starts criu's primed helper for
// `checkpoint` and `migrate` before Node starts), bin/lmctfy is a copy of it, and the Node
// entry it execs is bin/lmctfy-node.cjs; otherwise bin/lmctfy is that entry itself. The entry is
// bin/lmctfy.js with its `#!/usr/bin/env node` line replaced by the path of the node that env
// would find on this machine's PATH now. `#!/usr/bin/env node` makes every command start
// /usr/bin/env first (a second program, its dynamic loader and locale files, and a PATH
// search): ~5 % of a short command's start (BENCHMARKS.md section 5). Runs at every install
// (npm's `install` script: a clone's `npm ci`, `npm install -g`, `npx`) and at `npm run
// build`; `--portable` writes bin/lmctfy as the entry with the env line itself and no native
// launcher, for a package made to be installed elsewhere (`npm pack`'s prepack).
// Where no usable node is found (none on PATH, or a path a #! line cannot hold), the env line
// is written too: the entry then works exactly as bin/lmctfy.js does.
import { accessSync, chmodSync, constants, copyFileSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PORTABLE = '#!/usr/bin/env node';
/** What native/launcher.c execs, beside it in bin/. */
export const NODE_ENTRY = 'lmctfy-node.cjs';
/** Linux before 5.1 reads 128 bytes of a #! line; a longer interpreter path would be cut. */
const MAX_LINE = 127;

/**
 * What the native launcher's entry gives node, a Node option (not a V8 flag, so V8's code
 * caches still match): the launcher names the entry by its real path (/proc/self/exe), so
 * Node's resolving of the main file through symbolic links, one lstat per component and ~1 M
 * instructions of its JavaScript compiled at every start, would find what it was given
 * (BENCHMARKS.md section 5). Not on bin/lmctfy itself, which npm reaches through a link.
 */
export const ENTRY_OPTION = '--preserve-symlinks-main';

/**
 * The #! line for the interpreter at `node` (undefined: none found), with `option` (one word:
 * the kernel passes what follows the interpreter as one argument) where the line can hold it:
 * the portable line when a #! line cannot name node.
 */
export function shebangFor(node, option) {
  if (node === undefined || !path.isAbsolute(node) || /[\s\0]/.test(node)) return PORTABLE;
  const line = `#!${node}`;
  if (line.length > MAX_LINE) return PORTABLE;
  const withOption = option === undefined ? line : `${line} ${option}`;
  return withOption.length <= MAX_LINE ? withOption : line;
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

/** Writes `target` by rename, so a command starting meanwhile reads the old file or the new one. */
function replace(target, write) {
  const tmp = `${target}.tmp-${process.pid}`;
  write(tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
}

/** The native launcher scripts/build-native.mjs built, when it is there and executable. */
function builtLauncher() {
  const file = path.join(top, 'build', 'lmctfy-launch');
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

/** Writes bin/lmctfy (and bin/lmctfy-node.cjs beside the native launcher); returns the Node entry's #! line. */
export function writeLauncher({ portable = false } = {}) {
  const node = portable ? undefined : nodeOnPath();
  const native = portable ? undefined : builtLauncher();
  const shebang = portable ? PORTABLE : shebangFor(node, native ? ENTRY_OPTION : undefined);
  const text = launcherText(readFileSync(path.join(top, 'bin', 'lmctfy.js'), 'utf8'), shebang);
  const target = path.join(top, 'bin', 'lmctfy');
  const entry = path.join(top, 'bin', NODE_ENTRY);
  if (native) {
    replace(entry, (tmp) => writeFileSync(tmp, text));
    replace(target, (tmp) => copyFileSync(native, tmp));
  } else {
    replace(target, (tmp) => writeFileSync(tmp, text));
    rmSync(entry, { force: true }); // a package made now must not carry this machine's node path
  }
  return shebang;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) writeLauncher({ portable: process.argv.includes('--portable') });
