#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: the console's per-second passes make short-lived garbage, and
// V8's default lets the resident size grow by tens of MB for it (BENCHMARKS.md, history).
//
// CommonJS (bin/package.json): the CLI is one CommonJS bundle, compiled here with the V8 code
// cache scripts/build.mjs made for it, so a command starts without Node's ES module loader
// and without parsing the bundle (BENCHMARKS.md section 5). A missing or rejected cache (another
// Node, other flags) only means V8 compiles the bundle itself.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'lmctfy.cjs');
let cachedData;
try {
  cachedData = fs.readFileSync(`${file}.cache`);
} catch {
  // no cache: V8 compiles the bundle
}
const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
// The build makes the cache by running a command with this set (scripts/build.mjs).
const out = process.env.LMCTFY_CODE_CACHE_OUT;
if (out) process.once('exit', () => fs.writeFileSync(out, script.createCachedData()));
const cli = { exports: {}, filename: file };
script.runInThisContext()(cli.exports, require, cli, file, path.dirname(file));
// The bundle's code cannot import() (see src/cli/console-bridge.ts): this file's can.
cli.exports.run((url) => import(url));
