#!/usr/bin/env node
// No node flags here: any V8 flag makes V8 refuse Node's code cache of its own built-in
// modules, so every command would compile them (BENCHMARKS.md section 5). The commands that
// run for hours keep their young generation small at run time (src/cli/young-generation.ts).
//
// CommonJS (bin/package.json): the CLI is one CommonJS bundle, compiled here with the V8 code
// cache scripts/build.mjs made for it, so a command starts without Node's ES module loader
// and without parsing the bundle (BENCHMARKS.md section 5). A missing or rejected cache (another
// Node, other flags) only means V8 compiles the bundle itself.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// checkpoint and restore: criu's probe of the kernel starts now, while the bundle loads, in a
// helper the command then hands criu's own run to (src/engine/checkpoint/prime.ts).
const primed = ['checkpoint', 'restore'].includes(process.argv[2])
  ? require('node:child_process').spawn(path.join(__dirname, '..', 'build', 'lmctfy-vhost'), ['prime'], { stdio: ['pipe', 'ignore', 'pipe', 'ignore', 'ignore', 'pipe', 'pipe'] })
  : undefined;

// The build writes the bundle already wrapped as a CommonJS module function, in ASCII only,
// and both files are read through one buffer: every fresh page a start touches costs it
// time (a page fault), and a copied or concatenated 0.5 MB source is 130 of them.
const file = path.join(__dirname, '..', 'dist', 'lmctfy.cjs');
const open = (name) => {
  try {
    const fd = fs.openSync(name, 'r');
    return { fd, size: fs.fstatSync(fd).size };
  } catch (e) {
    if (name === file) throw e;
    return undefined; // no cache: V8 compiles the bundle
  }
};
const readInto = (buf, f) => {
  for (let at = 0; at < f.size; ) {
    const n = fs.readSync(f.fd, buf, at, f.size - at, at);
    if (n === 0) break;
    at += n;
  }
  fs.closeSync(f.fd);
  return buf.subarray(0, f.size);
};
const bundle = open(file);
const cache = open(`${file}.cache`);
const buf = Buffer.allocUnsafe(Math.max(bundle.size, cache ? cache.size : 0));
const source = readInto(buf, bundle).latin1Slice();
const cachedData = cache ? readInto(buf, cache) : undefined;
const script = new vm.Script(source, { filename: file, cachedData });
// The build makes the cache by running a command with this set (scripts/build.mjs).
const out = process.env.LMCTFY_CODE_CACHE_OUT;
if (out) process.once('exit', () => fs.writeFileSync(out, script.createCachedData()));
const cli = { exports: {}, filename: file };
script.runInThisContext()(cli.exports, require, cli, file, path.dirname(file));
// The bundle's code cannot import() (see src/cli/console-bridge.ts): this file's can.
cli.exports.run((url) => import(url), primed);
