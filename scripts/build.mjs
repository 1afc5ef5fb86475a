// Bundles the CLI and the library into dist/ with esbuild. The library (index.js), the
// sampler's worker and the interactive console (console.js) are ES modules with shared
// chunks. The CLI is CommonJS files that bin/lmctfy.js compiles with V8's code cache for
// each (<name>.cjs.cache, written here): no ES module loader, no parse of the bundle and no
// child_process at start, so commands start near bare-node time (BENCHMARKS.md section 5):
// lmctfy.cjs holds every command, and lmctfy-<name>.cjs some commands of one group (a group,
// or one command), for each bundle bin/lmctfy.js names in its GROUP_BUNDLES
// (src/cli/entries/). Ink needs ES modules (top-level await), hence console.js.
//
// dist/ is never deleted or half-written while a command may be running from it: each file
// is written beside its final name and renamed into place, chunks before the entries that
// import them, and only then are the previous build's chunks that nothing imports any more
// removed. A rebuild of unchanged sources leaves every file's content as it was. One build
// at a time (a lock), so two concurrent builds cannot remove each other's chunks.
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import Module, { createRequire } from 'node:module';
import { build } from 'esbuild';
import protobuf from 'protobufjs';
import { inkOutputEsbuild } from '../src/ui/render/ink-output-plugin.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(top, 'dist');
const { version } = JSON.parse(readFileSync(path.join(top, 'package.json'), 'utf8'));
const entryPoints = { index: 'src/index.ts', 'sampler-worker': 'src/stats/sampler-worker.ts', console: 'src/cli/console-module.ts' };
const bin = path.join(top, 'bin', 'lmctfy.js');
/** The bundles of some commands (of one group each): bin/lmctfy.js's one-line JSON table of them. */
const GROUP_BUNDLES = JSON.parse(/^const GROUP_BUNDLES = (\{.*\});$/m.exec(readFileSync(bin, 'utf8'))[1]);
/**
 * Each CLI bundle (dist/<name>.cjs), its entry and the command its code cache is made from,
 * which must leave nothing behind. Most run on a root that does not exist: that compiles what
 * the bundle's commands start with (commander's parse, the engine's open; for policy the spec
 * parser), then fails. `spec` changes nothing on any root, so it runs on the build's own
 * cgroup (no LMCTFY_ROOT), where it gets further. `list`, `create`, `destroy` and `run` (of
 * `true`) run for real, on a root of their own below the build's cgroup (`scratchRoot`:
 * made by `init`, with the container `before` makes, destroyed `after`, then the root's dirs
 * and its journal removed): a cache holding the whole creation (the cgroup writes, the lock,
 * the journal's record) took 5 M instructions off every `create` against one made by `create
 * --dry-run`, and the whole run 6 M off `run` against one failing at the engine's open
 * (BENCHMARKS.md section 5); `list` there lists a container, which an empty root (a
 * container's own cgroup namespace, say) would not: its cache holds the listing's functions
 * wherever the build runs. Those are what they fall back to where the build cannot make
 * cgroups (`list` on the build's own cgroup). On a machine without cgroups they fail early,
 * and the cache holds less. The whole CLI's is a command no other bundle holds (policy);
 * checkpoint's is migrate: checkpoint and restore start criu's helper.
 */
const PROBE_SPEC = 'cpu:{limit:500} memory:{limit:100000000}';
const CACHE_PROBES = {
  lmctfy: { args: ['policy', 'set', 'capacity:{cpu:1000 memory:1073741824}'] },
  create: {
    scratchRoot: { args: ['create', 'probe', PROBE_SPEC], after: [['destroy', '-f', 'probe']] },
    args: ['create', `lmctfy-code-cache-probe-${process.pid}`, PROBE_SPEC, '--dry-run'],
    ownRoot: true,
  },
  lifecycle: {
    scratchRoot: { before: [['create', 'probe', PROBE_SPEC]], args: ['destroy', '-f', 'probe'], after: [] },
    args: ['destroy', 'probe'],
  },
  list: {
    scratchRoot: { before: [['create', 'probe', 'cpu:{limit:500}']], args: ['list', 'containers', '/'], after: [['destroy', '-f', 'probe']] },
    args: ['list', 'containers', '/'],
    ownRoot: true,
  },
  inspect: { args: ['spec', '/'], ownRoot: true },
  processes: {
    scratchRoot: { before: [['create', 'probe', 'cpu:{limit:500}']], args: ['run', 'probe', 'true'], after: [['destroy', '-f', 'probe']] },
    args: ['run', 'probe', 'true'],
  },
  checkpoint: { args: ['migrate', 'probe', '--to', 'absent'] },
};
const CLI_BUNDLES = [
  { name: 'lmctfy', entry: 'src/cli/entries/all.ts', probe: CACHE_PROBES.lmctfy },
  ...Object.keys(GROUP_BUNDLES).map((own) => {
    if (!CACHE_PROBES[own]) throw new Error(`build: bin/lmctfy.js names a bundle ${own}, which has no code cache probe here`);
    return { name: `lmctfy-${own}`, entry: `src/cli/entries/${own}.ts`, probe: CACHE_PROBES[own] };
  }),
];
const define = { 'process.env.NODE_ENV': '"production"', LMCTFY_VERSION: JSON.stringify(version) };

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

/** The exports of TypeScript `source` (imports relative to the top of the tree), bundled for this script. */
async function importTs(source) {
  const out = await build({ stdin: { contents: source, resolveDir: top, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].contents).toString('base64')}`);
}

/** Writes `contents` to `file` by rename, so a reader sees the old file or the new one. */
function replaceFile(file, contents) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** In the CLI bundle, ./top.js (the interactive console) is reached through console.js. */
const consoleAsModule = {
  name: 'console-as-module',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/top\.js$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'cli', 'commands', 'top.ts')) ? { path: path.join(top, 'src/cli/console-bridge.ts') } : undefined,
    );
  },
};

/**
 * Node built-ins loaded when first used rather than when the bundle starts: their exports
 * become getters that require the module. child_process (and the net, dgram and stream
 * modules it loads) is needed only by the commands that run or watch something; v8 (8 M
 * instructions to load) only by those that run for hours (src/cli/young-generation.ts);
 * module (which loads Node's ES module loader) only where the schema has no schema.json
 * beside the bundle and protobufjs is required instead.
 */
function lazyBuiltins(names) {
  const req = createRequire(import.meta.url);
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(node:)?(${names.join('|')})$`) }, (args) =>
        // The getters' own require() is of the real module.
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const id = JSON.stringify(`node:${args.path}`);
        // A proxy, not a getter per export defined at start (~200 for these modules); what
        // enumerates it (a namespace copy) loads the module.
        const traps = [
          'get: (_, k) => load()[k]',
          'has: (_, k) => k in load()',
          'ownKeys: () => Reflect.ownKeys(load())',
          'getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true }; }',
        ];
        return { contents: `let m;\nconst load = () => (m ??= require(${id}));\nmodule.exports = new Proxy({}, { ${traps.join(', ')} });`, loader: 'js' };
      });
    },
  };
}

/**
 * esbuild gives every `import * as fs from 'node:fs'` of the CommonJS bundle its own copy of
 * the built-in's exports (`__toESM(require("node:fs"),1)`: a getter per export, ~100 for fs,
 * 50 imports): about 9 ms of a 50 ms start. A built-in's module object already has every
 * name such a namespace reads, so the bundle uses it as it is (one `require`, which Node
 * caches), and makes the namespace copy, shared, only for one whose `default` is read (an
 * `import fs from`). The same for the lazy built-ins' stubs and any bundled CommonJS module
 * (their namespace copy would also read every getter's name at start). And every
 * `require("node:…")` of the bundle is `__node("node:…")`, which asks Node once per
 * built-in: the modules' initialisers asked for path 30 times and fs 26, each through
 * Node's `Module._load` (~0.8 M instructions of `list` and of `create`). Each call is padded
 * to its length, so the source map stays right.
 */
const SHARED_NAMESPACES =
  'const __lmctfyBuiltins = new Map();\nfunction __node(id) { let m = __lmctfyBuiltins.get(id); if (m === undefined) __lmctfyBuiltins.set(id, (m = require(id))); return m; }\n' +
  'const __lmctfyNamespaces = new Map();\nfunction __lmctfyNs(id) { let ns = __lmctfyNamespaces.get(id); if (ns === undefined) __lmctfyNamespaces.set(id, (ns = __toESM(__node(id), 1))); return ns; }';

function shareBuiltinNamespaces(code) {
  const defaultRead = (name) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\.default\\b`).test(code);
  return code
    .replace(/(\b[\w$]+=)?__toESM\(require\("(node:[a-z_/]+)"\),1\)/g, (call, assigned, id) => {
      const plain = assigned !== undefined && !defaultRead(assigned.slice(0, -1));
      return `${assigned ?? ''}${plain ? `require("${id}")` : `__lmctfyNs("${id}")`}`.padEnd(call.length, ' ');
    })
    .replace(/(\b[\w$]+=)__toESM\((require_[\w$]+\(\)),1\)/g, (call, assigned, required) =>
      defaultRead(assigned.slice(0, -1)) ? call : `${assigned}${required}`.padEnd(call.length, ' '),
    )
    .replace(/(?<![\w$.])require\(("node:[a-z_/]+")\)/g, (call, id) => `__node(${id})`.padEnd(call.length, ' '));
}

/**
 * The CLI bundle as bin/lmctfy.js compiles it: the module function Node's `wrap()` makes
 * (same first-line prefix, so the source map's columns are as before), written so the bin
 * need not concatenate a copy of 0.5 MB at every start, and ASCII only, so the bin reads it
 * as latin1 into V8's one-byte string without decoding UTF-8 (esbuild escapes the rest).
 */
function asModuleFunction(code, name) {
  const wrapped = Module.wrap(code);
  if (!/^[\x00-\x7f]*$/.test(wrapped)) throw new Error(`build: ${name} is not ASCII (bin/lmctfy.js reads it as latin1)`);
  return wrapped;
}

function sameContents(file, contents) {
  try {
    return Buffer.from(contents).equals(readFileSync(file));
  } catch {
    return false;
  }
}

/** The node flags on bin/lmctfy.js's #! line, which a code cache must be made under. */
const binFlags = () => readFileSync(bin, 'utf8').split('\n')[0].split(/\s+/).filter((w) => w.startsWith('--'));
const runBin = (args, env) => spawnSync(process.execPath, [...binFlags(), bin, ...args], { env, stdio: 'ignore' }).status;

/**
 * V8's code cache for a CLI bundle, made by bin/lmctfy.js itself (with its node flags, which
 * the cache must match) running `probe` (CACHE_PROBES): on a scratch root first where it
 * names one and one can be made, else its `args`. Without a cache the CLI works, only
 * slower to start. `engine`: what removes a scratch root (scratchRootRemover).
 */
function writeCodeCache(cache, probe, engine) {
  const tmp = `${cache}.tmp-${process.pid}`;
  const probeEnv = { ...process.env, LMCTFY_CODE_CACHE_OUT: tmp };
  if (probe.scratchRoot) {
    const root = `lmctfy-code-cache-${process.pid}`;
    const env = { ...process.env, LMCTFY_ROOT: root };
    delete env.LMCTFY_CODE_CACHE_OUT;
    try {
      const { before = [], args, after } = probe.scratchRoot;
      if ([['init', ''], ...before].every((step) => runBin(step, env) === 0)) runBin(args, { ...probeEnv, LMCTFY_ROOT: root });
      for (const step of after) runBin(step, env);
    } finally {
      engine.removeRoot(root);
    }
  }
  if (!existsSync(tmp)) {
    const env = { ...probeEnv, LMCTFY_ROOT: `lmctfy-code-cache-${process.pid}-absent` };
    if (probe.ownRoot) delete env.LMCTFY_ROOT;
    runBin(probe.args, env);
  }
  if (existsSync(tmp)) renameSync(tmp, cache);
  else console.warn(`build: no code cache for ${path.basename(cache, '.cache')} (the CLI works, only slower to start)`);
}

/**
 * What removes a scratch root a probe made (below the build's own cgroup) once its
 * containers are destroyed: its dirs in every hierarchy (and its pressure mirror), then its
 * journal, all found by the engine as the CLI found them. Nothing there (no cgroups, or
 * never made) is nothing to remove.
 */
async function scratchRootRemover() {
  const { Machine, realIo, removeJournal } = await importTs(
    "export { Machine } from './src/engine/kernel/machine.ts'; export { realIo } from './src/engine/kernel/io.ts'; export { removeJournal } from './src/engine/journal.ts';",
  );
  return {
    removeRoot(root) {
      let m;
      try {
        m = new Machine({ io: realIo, root });
      } catch {
        return; // no cgroup hierarchies here
      }
      const dirs = new Set([...m.controllers().map((c) => m.dirOf('/', c)), m.pressureDir('/')].filter((d) => d !== undefined));
      for (const d of dirs) rmdirIfThere(d);
      removeJournal(m.trackingDir('/'));
    },
  };
}

function rmdirIfThere(dir) {
  try {
    rmdirSync(dir);
  } catch (e) {
    if (e.code !== 'ENOENT') console.warn(`build: could not remove the code cache probe's ${dir}: ${e.code}`);
  }
}

await withBuildLock(async () => {
  const common = {
    absWorkingDir: top,
    outdir: dist,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    external: ['react-devtools-core'],
    logLevel: 'warning',
  };
  const result = await build({
    ...common,
    entryPoints,
    splitting: true,
    format: 'esm',
    // The version is written once, in package.json, and is a constant in the bundle.
    define,
    // Some bundled CommonJS deps call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __lmctfyCreateRequire } from 'node:module'; const require = __lmctfyCreateRequire(import.meta.url);" },
    // Ink's per-frame Output, replaced by one that caches across frames (src/ui/render/frame-output.ts).
    plugins: [inkOutputEsbuild()],
  });
  const cli = await build({
    ...common,
    entryPoints: Object.fromEntries(CLI_BUNDLES.map((b) => [b.name, b.entry])),
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // Fewer bytes to read and hash at every start; names are kept, so stack traces read.
    minifyWhitespace: true,
    // import.meta.url as a getter: only the commands that need a file URL pay for making one
    // (node:url's functions compiled, a URL parsed). The code that looks for a file beside
    // the bundle (the schema, the native helpers) reads import.meta.dirname, which is the
    // bundle's own __dirname here: going through a URL cost `create` 1.7 M instructions.
    define: { ...define, 'import.meta.url': '__lmctfyMeta.url', 'import.meta.dirname': '__dirname' },
    banner: { js: `const __lmctfyMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };\n${SHARED_NAMESPACES}` },
    plugins: [consoleAsModule, lazyBuiltins(['child_process', 'crypto', 'zlib', 'stream', 'stream/promises', 'os', 'v8', 'module'])],
  });

  // The schema, parsed and resolved once here: the CLI parses and links the lines of the
  // messages it reads instead of parsing .proto text or resolving a descriptor; schemaText
  // checks that its text reads back as the model (src/messages/schema-form.ts).
  const root = new protobuf.Root();
  for (const file of ['lmctfy.proto', 'config.proto']) protobuf.parse(readFileSync(path.join(top, 'proto', file), 'utf8'), root, { keepCase: true });
  root.resolveAll();
  const { buildSchema, schemaText } = await importTs("export { buildSchema } from './src/messages/reflection.ts'; export { schemaText } from './src/messages/schema-form.ts';");

  const entries = new Set(Object.keys(entryPoints).flatMap((name) => [`${name}.js`, `${name}.js.map`]));
  const files = [...result.outputFiles.map((f) => ({ file: f.path, contents: f.contents })), { file: path.join(dist, 'schema.json'), contents: schemaText(buildSchema(root.toJSON())) }];
  const isEntry = (file) => entries.has(path.basename(file));
  for (const { file, contents } of [...files.filter((f) => !isEntry(f.file)), ...files.filter((f) => isEntry(f.file))]) replaceFile(file, contents);

  // The CLI last, as it imports console.js. Each bundle's code cache is removed before the
  // bundle changes and made again from the new one: V8 checks a cache only against the
  // source's length, so a cache must never outlive the bundle it was made from. The whole
  // CLI's bundle is written last: a group bundle hands lines on to it.
  const cliFiles = cli.outputFiles.map((f) => {
    const name = path.basename(f.path, '.cjs');
    const bundle = CLI_BUNDLES.find((b) => b.name === name);
    return { file: f.path, bundle, contents: bundle ? asModuleFunction(shareBuiltinNamespaces(f.text), `${name}.cjs`) : f.contents };
  });
  const caches = [];
  for (const { bundle, file, contents } of [...cliFiles.filter((f) => f.bundle?.name !== 'lmctfy'), ...cliFiles.filter((f) => f.bundle?.name === 'lmctfy')]) {
    const cache = `${file}.cache`;
    const changed = bundle !== undefined && !sameContents(file, contents);
    if (changed) rmSync(cache, { force: true });
    replaceFile(file, contents);
    if (bundle) caches.push({ cache, probe: bundle.probe, make: changed || !existsSync(cache) });
  }
  const toMake = caches.filter((c) => c.make);
  const engine = toMake.some((c) => c.probe.scratchRoot) ? await scratchRootRemover() : undefined;
  for (const { cache, probe } of toMake) writeCodeCache(cache, probe, engine);

  // Chunk names carry content hashes: without this, stale chunks would pile up.
  const written = new Set([LOCK, ...caches.map((c) => path.basename(c.cache)), ...[...files, ...cliFiles].map((f) => path.basename(f.file))]);
  for (const name of readdirSync(dist)) if (!written.has(name)) rmSync(path.join(dist, name), { recursive: true, force: true });
});
