/**
 * Which virtual hosts run on which image: each records its image in its own state dir
 * (`image.json`), which lives exactly as long as the virtual host, so a crash leaves no
 * stale record and `image remove` and the layer cache's cleanup see every live use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import { vhostsDir } from '../vhost/state.js';

/** Image changes write device nodes, owners and trusted.* xattrs, which only root may. */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new LmctfyError(Code.PERMISSION_DENIED, `${what} needs root: layers hold files of any owner, device nodes and overlay whiteouts`);
  }
}

/** A virtual host's image, recorded in its state dir while it lives (docs/IMAGES.md). */
export interface ImageUse {
  root: string;
  container: string;
  image: string;
  digest: string;
  layers: string[];
}

const USE_FILE = 'image.json';

/** Every live virtual host's image use on this machine (their state dirs hold them). */
export function imageUses(): ImageUse[] {
  const dir = vhostsDir();
  const out: ImageUse[] = [];
  for (const key of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, key, USE_FILE), 'utf8')) as ImageUse);
    } catch {
      // not a virtual host from an image, or being removed
    }
  }
  return out;
}

/** Records in a virtual host's state dir which image (and layers) it runs on. */
export function recordImageUse(state: string, use: ImageUse): void {
  fs.writeFileSync(path.join(state, USE_FILE), JSON.stringify(use));
}

export function readImageUse(state: string): ImageUse | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(state, USE_FILE), 'utf8')) as ImageUse;
  } catch {
    return undefined;
  }
}

