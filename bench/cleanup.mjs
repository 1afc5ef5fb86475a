// Removes a bench root (already emptied by lmctfy destroy) in every hierarchy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ownDirs } from './lib.mjs';

export function removeRootDirs(root) {
  const dirs = new Set(Object.values(ownDirs()).map((d) => path.join(d, root)));
  const unified = fs.readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m);
  if (unified) dirs.add(path.join('/sys/fs/cgroup/unified', unified[1], root));
  for (const d of dirs) {
    try {
      fs.rmdirSync(d);
    } catch (e) {
      if (e.code !== 'ENOENT') console.error(`could not remove ${d}: ${e.code}`);
    }
  }
}
