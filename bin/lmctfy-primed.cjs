// Required by bin/lmctfy.js (and the bin/lmctfy-node.cjs written from it) for checkpoint,
// restore and migrate alone: the other commands' starts do not parse it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// checkpoint and restore: criu's probe of the kernel runs while Node starts and the bundle
// loads, in a helper the command then hands criu's own run to (src/engine/checkpoint/prime.ts).
// For checkpoint the native bin/lmctfy (native/launcher.c) starts it before it execs Node and
// names our ends of its pipes in LMCTFY_PRIMED; otherwise this file starts it, with lmctfy's
// spawn add-on (native/spawn-addon.c) on plain pipes: child_process and its streams cost
// ~22 ms of this thread. Its fds: 0 the request, 1 /dev/null, 2 stderr, 5 the status pipe,
// 6 the gate. Not built, or it could not start: the command spawns criu itself.
const build = path.join(__dirname, '..', 'build');
function spawnAddon() {
  const addon = { exports: {} };
  process.dlopen(addon, path.join(build, 'lmctfy-spawn.node'));
  return addon.exports;
}

/** The helper the launcher started for this process, its fds made close-on-exec (none leaks into the command's children); undefined when none. */
function adoptPrimed() {
  const given = process.env.LMCTFY_PRIMED;
  if (given === undefined) return undefined;
  delete process.env.LMCTFY_PRIMED;
  const [owner, pid, ...fds] = given.split(':').map(Number);
  // Made for another process (inherited from an lmctfy that ran this one): not ours to touch.
  if (owner !== process.pid || fds.length !== 4 || ![pid, ...fds].every((n) => Number.isInteger(n) && n > 0)) return undefined;
  try {
    if (spawnAddon().cloexec(fds) !== 0) throw new Error('cloexec');
  } catch {
    // The helper reads EOF and ends; a bad fd among them is nothing to close.
    for (const fd of fds) {
      try {
        fs.closeSync(fd);
      } catch {}
    }
    return undefined;
  }
  const [stdin, stderr, status, gate] = fds;
  return { pid, stdin, stderr, status, gate };
}

function startPrimed() {
  const made = [];
  try {
    const addon = spawnAddon();
    const pipe = () => {
      const p = addon.pipe();
      if (typeof p === 'number') throw new Error('pipe');
      made.push(...p);
      return p;
    };
    const [stdin, stderr, status, gate] = [pipe(), pipe(), pipe(), pipe()];
    const file = path.join(build, 'lmctfy-vhost');
    const pid = addon.spawn(file, [file, 'prime'], null, [stdin[0], -1, stderr[1], -1, -1, status[1], gate[0]]);
    if (pid < 0) throw new Error('spawn');
    for (const fd of [stdin[0], stderr[1], status[1], gate[0]]) fs.closeSync(fd);
    return { pid, stdin: stdin[1], stderr: stderr[0], status: status[0], gate: gate[1] };
  } catch {
    for (const fd of made) fs.closeSync(fd);
    return undefined;
  }
}

/** The helper for `command` (checkpoint, restore or migrate), or undefined. migrate: only the launcher's (started from here, its probe gained migrate nothing: BENCHMARKS.md). */
module.exports = (command) => adoptPrimed() ?? (command === 'migrate' ? undefined : startPrimed());
