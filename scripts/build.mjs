// Bundles the CLI and the library into dist/ with esbuild: one file per entry plus lazily
// loaded chunks (the console), so non-TUI commands start near bare-node time (STACK.md).
//
// dist/ is never deleted or half-written while a command may be running from it: each file
// is written beside its final name and renamed into place, chunks before the entries that
// import them, and only then are the previous build's chunks that nothing imports any more
// removed. A rebuild of unchanged sources leaves every file's content as it was. One build
// at a time (a lock), so two concurrent builds cannot remove each other's chunks.
import { mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import protobuf from 'protobufjs';
import { inkOutputEsbuild } from '../src/ui/render/ink-output-plugin.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(top, 'dist');
const { version } = JSON.parse(readFileSync(path.join(top, 'package.json'), 'utf8'));
const entryPoints = { lmctfy: 'src/cli/entry.ts', index: 'src/index.ts', 'sampler-worker': 'src/stats/sampler-worker.ts' };

const LOCK = '.build.lock';

/** Holds dist/.build.lock while `fn` runs; a lock whose builder died is taken over. */
async function withBuildLock(fn) {
  mkdirSync(dist, { recursive: true });
  const lock = path.join(dist, LOCK);
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (!holderAlive(lock)) rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function holderAlive(lock) {
  let pid;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return true; // being written, or just released: look again
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Writes `contents` to `file` by rename, so a reader sees the old file or the new one. */
function replaceFile(file, contents) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

await withBuildLock(async () => {
  const result = await build({
    absWorkingDir: top,
    entryPoints,
    outdir: dist,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // The version is written once, in package.json, and is a constant in the bundle.
    define: { 'process.env.NODE_ENV': '"production"', LMCTFY_VERSION: JSON.stringify(version) },
    // Some bundled CommonJS deps call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __lmctfyCreateRequire } from 'node:module'; const require = __lmctfyCreateRequire(import.meta.url);" },
    external: ['react-devtools-core'],
    // Ink's per-frame Output, replaced by one that caches across frames (src/ui/render/frame-output.ts).
    plugins: [inkOutputEsbuild()],
    logLevel: 'warning',
  });

  // The schema, parsed once here: the CLI loads this JSON instead of parsing .proto text.
  const root = new protobuf.Root();
  for (const file of ['lmctfy.proto', 'config.proto']) protobuf.parse(readFileSync(path.join(top, 'proto', file), 'utf8'), root, { keepCase: true });
  root.resolveAll();

  const entries = new Set(Object.keys(entryPoints).flatMap((name) => [`${name}.js`, `${name}.js.map`]));
  const files = [...result.outputFiles.map((f) => ({ file: f.path, contents: f.contents })), { file: path.join(dist, 'schema.json'), contents: JSON.stringify(root.toJSON()) }];
  const isEntry = (file) => entries.has(path.basename(file));
  for (const { file, contents } of [...files.filter((f) => !isEntry(f.file)), ...files.filter((f) => isEntry(f.file))]) replaceFile(file, contents);

  // Chunk names carry content hashes: without this, stale chunks would pile up.
  const written = new Set([LOCK, ...files.map((f) => path.basename(f.file))]);
  for (const name of readdirSync(dist)) if (!written.has(name)) rmSync(path.join(dist, name), { recursive: true, force: true });
});
