// Removes a bench root (already emptied by lmctfy destroy) in every hierarchy, with its
// journal and recorder pointer: one per bench root would otherwise pile up in /run/lmctfy/journal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { journalPath, removeJournal } from '../dist/index.js';
import { ownDirs } from './lib.mjs';

function rootTops(root) {
  const unified = fs.readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m);
  return [...new Set([...Object.values(ownDirs()).map((d) => path.join(d, root)), ...(unified ? [path.join('/sys/fs/cgroup/unified', unified[1], root)] : [])])];
}

export function removeRootDirs(root) {
  const dirs = rootTops(root);
  for (const d of dirs) {
    removeJournal(d);
    // A recorder's pointer beside the journal (src/record/pointer.ts), which stays when the recorder ends: the root goes with it here.
    fs.rmSync(journalPath(d).replace(/\.ndjson$/, '.recorder'), { force: true });
  }
  for (const d of dirs) {
    try {
      fs.rmdirSync(d);
    } catch (e) {
      if (e.code !== 'ENOENT') console.error(`could not remove ${d}: ${e.code}`);
    }
  }
}

/**
 * Destroys the containers a bench made (`made` in creation order: children go first), each
 * with the cgroup2 dir it mirrors under `mirror`, then the mirror and the root's dirs.
 */
export async function destroyBenchTree(api, made, root, mirror) {
  for (const name of [...made].reverse()) {
    await api.destroy(name, { force: true }).catch((e) => console.error(`destroy ${name}: ${e.message}`));
    try {
      fs.rmdirSync(path.join(mirror, name));
    } catch {
      /* already gone */
    }
  }
  try {
    fs.rmdirSync(mirror);
  } catch {
    /* already gone */
  }
  removeRootDirs(root);
}

/**
 * Removes a bench root with everything below it, in every hierarchy: kills what is left in
 * it (SIGKILL, thawing frozen dirs) and removes dirs deepest first, retrying while killed
 * tasks are reaped.
 */
export async function removeRootTree(root) {
  const tops = rootTops(root);
  for (const top of tops) removeJournal(top);
  const deepestFirst = (d) => {
    if (!fs.existsSync(d)) return [];
    const subs = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory());
    return [...subs.flatMap((e) => deepestFirst(path.join(d, e.name))), d];
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    const dirs = tops.flatMap(deepestFirst);
    if (dirs.length === 0) return;
    for (const d of dirs) {
      if (fs.existsSync(path.join(d, 'freezer.state'))) fs.writeFileSync(path.join(d, 'freezer.state'), 'THAWED');
      for (const pid of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      try {
        fs.rmdirSync(d);
      } catch {
        // busy until its killed tasks are reaped: next attempt
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.error(`could not remove ${tops.flatMap(deepestFirst).join(', ')}`);
}
