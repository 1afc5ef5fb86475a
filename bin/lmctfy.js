#!/usr/bin/env node
// No node flags here: any V8 flag makes V8 refuse Node's code cache of its own built-in
// modules, so every command would compile them (BENCHMARKS.md section 5). The commands that
// run for hours keep their young generation small at run time (src/cli/young-generation.ts).
// The copy the native launcher execs carries one Node option, not a V8 flag
// (scripts/write-launcher.mjs, ENTRY_OPTION).
//
// CommonJS (bin/package.json): the CLI is CommonJS bundles, compiled here with the V8 code
// cache scripts/build.mjs made for each, so a command starts without Node's ES module loader
// and without parsing its bundle (BENCHMARKS.md section 5). A missing or rejected cache
// (another Node, other flags) only means V8 compiles the bundle itself.
'use strict';
// The native bin/lmctfy started Node without NODE_EXTRA_CA_CERTS (lmctfy makes no TLS
// connection, and Node parses that bundle at start: native/launcher.c): its name back, before
// anything runs, for the commands this one runs.
const heldCa = process.env.LMCTFY_NODE_EXTRA_CA_CERTS;
if (heldCa !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = heldCa;
  delete process.env.LMCTFY_NODE_EXTRA_CA_CERTS;
}
const fs = require('node:fs');
const vm = require('node:vm');

// checkpoint, restore and migrate: criu's primed helper (bin/lmctfy-primed.cjs), from a file of
// its own so that no other command's start parses its code (~0.4 M instructions a start).
const primed = ['checkpoint', 'restore', 'migrate'].includes(process.argv[2]) ? require('./lmctfy-primed.cjs')(process.argv[2]) : undefined;

// Each command starts from a bundle of its own commands where the build made one (a third of
// the whole CLI or less: less for V8 to deserialize and evaluate), else from the whole
// CLI's: `list` and `create`, the commands most run, each from a bundle of that command
// alone, the rest of their groups and the other groups named here from one bundle a group.
// One line, JSON, bundle -> the commands it starts (of one group of
// src/cli/command-groups.ts; no command in two bundles): scripts/build.mjs reads it to know
// which bundles to make, and a test checks it. The choice is only a guess: a bundle hands a
// line needing a command it lacks on to the whole CLI (src/cli/main.ts).
const GROUP_BUNDLES = {"list":["list"],"create":["create"],"lifecycle":["init","update","destroy","pause","resume"],"processes":["run","enter","detect","killall"],"inspect":["spec","stats"],"checkpoint":["checkpoint","restore","migrate"]};

/** The bundle for this command line: the one bundle its words (before `--`) name, unless they ask for help. */
function bundleOf(args) {
  let chosen;
  for (const word of args) {
    if (word === '--') break;
    if (word === 'help') return undefined;
    let bundle;
    for (const b in GROUP_BUNDLES) if (GROUP_BUNDLES[b].includes(word)) bundle = b;
    if (bundle === undefined) continue;
    if (chosen !== undefined && chosen !== bundle) return undefined;
    chosen = bundle;
  }
  return chosen;
}

// The build writes each bundle already wrapped as a CommonJS module function, in ASCII only,
// and a bundle and its cache are read through one buffer: every fresh page a start touches
// costs it time (a page fault), and a copied or concatenated 0.5 MB source is 130 of them.
const open = (name, needed) => {
  try {
    const fd = fs.openSync(name, 'r');
    return { fd, size: fs.fstatSync(fd).size };
  } catch (e) {
    if (needed) throw e;
    return undefined; // no cache, or no bundle of the command's own
  }
};
/** Reads all of `f` into the start of `buf` and closes it: its size. */
const readInto = (buf, f) => {
  for (let at = 0; at < f.size; ) {
    const n = fs.readSync(f.fd, buf, at, f.size - at, at);
    if (n === 0) break;
    at += n;
  }
  fs.closeSync(f.fd);
  return f.size;
};
// dist/ beside bin/, by the string: node:path's join and dirname are compiled from source at
// their first call, ~0.2 M instructions of every start (BENCHMARKS.md section 5).
const dist = `${__dirname.slice(0, __dirname.lastIndexOf('/'))}/dist`;
// The build makes each bundle's cache by running one of its commands with this set
// (scripts/build.mjs): the cache written is that of the first bundle loaded.
let cacheOut = process.env.LMCTFY_CODE_CACHE_OUT;

/** The `run` of dist/<name>.cjs, compiled with its code cache; undefined when that bundle is missing and not `needed`. */
function load(name, needed) {
  const file = `${dist}/${name}.cjs`;
  const bundle = open(file, needed);
  if (!bundle) return undefined;
  const cache = open(`${file}.cache`, false);
  const buf = Buffer.allocUnsafe(Math.max(bundle.size, cache ? cache.size : 0));
  const source = buf.latin1Slice(0, readInto(buf, bundle));
  // A view, not buf.subarray(): Buffer's slicing is one more function compiled at every start.
  const cachedData = cache ? new Uint8Array(buf.buffer, buf.byteOffset, readInto(buf, cache)) : undefined;
  const script = new vm.Script(source, { filename: file, cachedData });
  if (cacheOut) {
    const to = cacheOut;
    process.once('exit', () => fs.writeFileSync(to, script.createCachedData()));
    cacheOut = undefined;
  }
  const cli = { exports: {}, filename: file };
  script.runInThisContext()(cli.exports, require, cli, file, dist);
  return cli.exports.run;
}

// The bundle's code cannot import() (see src/cli/console-bridge.ts): this file's can.
const importModule = (url) => import(url);
const whole = () => load('lmctfy', true)(importModule, primed);
const own = bundleOf(process.argv.slice(2));
const run = own === undefined ? undefined : load(`lmctfy-${own}`, false);
if (run) run(importModule, primed, whole);
else whole();
