/**
 * Disk images (docs/IMAGES.md): import into a root's OCI layout with each layer unpacked
 * once into the machine's layer cache, list, remove, and the layers a virtual host with
 * `filesystem:{image:'NAME'}` stacks as its overlay lower dirs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceAtomically, writeFileAtomically } from '../atomic-file.js';
import { Code, LmctfyError } from '../errors.js';
import { readSource } from './sources.js';
import {
  blobPath,
  checkName,
  diffIds,
  ensureLayout,
  findImage,
  hexOf,
  layerDir,
  layoutDir,
  loadImage,
  readIndex,
  readJson,
  REF_NAME,
  sha256,
  storeDir,
  withStoreLock,
  type Descriptor,
  type Index,
  type Manifest,
} from './store.js';
import { unpackLayer } from './unpack.js';
import { imageUses, requireRoot, type ImageUse } from './uses.js';

export { storeDir } from './store.js';
export { exportContainer, type ExportFormat } from './export.js';
export { readImageUse, recordImageUse, type ImageUse } from './uses.js';

export interface ImportResult {
  name: string;
  digest: string;
  layers: number;
  /** Layers this import unpacked (the others were in the layer cache already). */
  unpacked: number;
}

/** Unpacks a layer blob into the cache unless it is there; true when it unpacked it. */
async function cacheLayer(store: string, blob: string, diffId: string, what: string): Promise<boolean> {
  const dir = layerDir(store, diffId);
  if (fs.existsSync(dir)) return false;
  const tmp = path.join(store, 'layers', `.tmp-${hexOf(diffId)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { mode: 0o755 });
  try {
    await unpackLayer(blob, diffId, tmp, what);
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return true;
}

/**
 * Imports the image in `source` (an OCI layout dir, an oci-archive or a docker-archive)
 * into the root's store as `name` (default: its name in the source). Every blob is checked
 * against its digest and every layer against its diff_id; the image appears in the index
 * only once all of it is in place, so a failure leaves no image (and no layer) behind.
 */
export async function importImage(scope: string, source: string, opts: { name?: string; ref?: string } = {}): Promise<ImportResult> {
  requireRoot('image import');
  const store = storeDir();
  const layout = layoutDir(store, scope);
  if (opts.name !== undefined) checkName(opts.name);
  // A source that is not there makes nothing, not even the store.
  if (!fs.existsSync(source)) throw new LmctfyError(Code.NOT_FOUND, `image import: ${source} does not exist`);
  fs.mkdirSync(path.join(store, 'tmp'), { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(store, 'layers'), { recursive: true, mode: 0o755 });
  const scratch = fs.mkdtempSync(path.join(store, 'tmp', `import-${process.pid}-`));
  try {
    const found = await readSource(path.resolve(source), scratch, opts.ref);
    const name = opts.name ?? found.name;
    if (name === undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `image import: ${source} does not name its image; give one with --name NAME`);
    checkName(name);
    const ids = diffIds(found, `image ${name}`);
    const zstd = found.manifest.layers.find((l) => l.mediaType.endsWith('+zstd'));
    if (zstd) throw new LmctfyError(Code.UNIMPLEMENTED, `image import: layer ${zstd.digest} of ${source} is ${zstd.mediaType}; only gzip-compressed and plain layers are supported (skopeo copy --dest-compress-format gzip converts it)`);
    return await withStoreLock(store, async () => {
      ensureLayout(layout, scope);
      const index = readIndex(layout);
      if (findImage(index, name)) throw new LmctfyError(Code.ALREADY_EXISTS, `image ${name} already exists in this root's store; remove it first or import with --name`);
      let unpacked = 0;
      const made: string[] = [];
      try {
        for (const [i, layer] of found.manifest.layers.entries()) {
          const what = `layer ${i + 1} (${layer.digest}) of ${source}`;
          if (await cacheLayer(store, found.blobs.get(layer.digest)!, ids[i]!, what)) {
            unpacked++;
            made.push(layerDir(store, ids[i]!));
          }
        }
        // Scratch copies (an archive's members) move in; a layout directory's own files are copied.
        for (const [digest, file] of found.blobs) placeBlob(layout, digest, (to) => (found.scratch ? fs.renameSync(file, to) : fs.copyFileSync(file, to)));
        const digest = sha256(found.manifestBytes);
        placeBlob(layout, digest, (to) => fs.writeFileSync(to, found.manifestBytes));
        const descriptor: Descriptor = { mediaType: found.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest, size: found.manifestBytes.length, annotations: { [REF_NAME]: name } };
        writeFileAtomically(path.join(layout, 'index.json'), JSON.stringify({ ...index, manifests: [...index.manifests, descriptor] } satisfies Index), 0o644);
        return { name, digest, layers: ids.length, unpacked };
      } catch (e) {
        for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Puts a blob at its content address unless it is there (same digest, same bytes). */
function placeBlob(layout: string, digest: string, write: (to: string) => void): void {
  const file = blobPath(layout, digest);
  if (fs.existsSync(file)) return;
  replaceAtomically(file, write);
}

/**
 * The overlay lower dirs of image `name` in the root's store, top layer first as overlayfs
 * takes them, and the use a virtual host records. NOT_FOUND when there is no such image.
 */
export function imageLayers(scope: string, container: string, name: string): { lowerdir: string; use: ImageUse } {
  const store = storeDir();
  const image = loadImage(layoutDir(store, scope), name);
  const ids = diffIds(image, `image ${name}`);
  if (ids.length === 0) throw new LmctfyError(Code.FAILED_PRECONDITION, `image ${name} has no layers; it cannot be a root file system`);
  for (const id of ids) {
    if (!fs.existsSync(layerDir(store, id))) throw new LmctfyError(Code.FAILED_PRECONDITION, `layer ${id} of image ${name} is missing from the layer cache ${path.join(store, 'layers')}; remove the image and import it again`);
  }
  const lowerdir = [...ids].reverse().map((id) => layerDir(store, id)).join(':');
  // The helper's overlay options (lowerdir, upperdir, workdir) must fit in one page.
  if (lowerdir.length > 3500) throw new LmctfyError(Code.FAILED_PRECONDITION, `image ${name} has ${ids.length} layers, more than one overlay mount takes with the store at ${store}; flatten it or use a shorter LMCTFY_IMAGE_STORE`);
  return { lowerdir, use: { root: scope, container, image: name, digest: image.descriptor.digest, layers: ids } };
}

export interface ImageRow {
  name: string;
  digest: string;
  layers: number;
  /** Bytes of its blobs (compressed layers, config, manifest). */
  size: number;
  created: string;
  /** Virtual hosts of this root running on it. */
  used_by: string[];
}

export function listImages(scope: string): ImageRow[] {
  const layout = layoutDir(storeDir(), scope);
  const uses = imageUses().filter((u) => u.root === scope);
  return readIndex(layout).manifests.map((d) => {
    const name = d.annotations?.[REF_NAME] ?? d.digest;
    const manifest = readJson<Manifest>(blobPath(layout, d.digest), `manifest of ${name}`);
    const config = readJson<{ created?: string }>(blobPath(layout, manifest.config.digest), `config of ${name}`);
    return {
      name,
      digest: d.digest,
      layers: manifest.layers.length,
      size: d.size + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
      created: config.created ?? '',
      used_by: uses.filter((u) => u.image === name).map((u) => u.container),
    };
  });
}

/**
 * Removes image `name` from the root's store, refused while a virtual host runs on it.
 * Then blobs no image of the root names and layers no image of any root (nor any running
 * virtual host) uses are deleted.
 */
export async function removeImage(scope: string, name: string): Promise<void> {
  requireRoot('image remove');
  const store = storeDir();
  const layout = layoutDir(store, scope);
  await withStoreLock(store, () => {
    const index = readIndex(layout);
    if (!findImage(index, name)) throw new LmctfyError(Code.NOT_FOUND, `image ${name} does not exist in this root's store (lmctfy image list shows them)`);
    const users = imageUses().filter((u) => u.root === scope && u.image === name);
    if (users.length > 0) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `image ${name} is in use by ${users.map((u) => u.container).join(', ')}; destroy ${users.length > 1 ? 'them' : 'it'} first`);
    }
    const left = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== name);
    writeFileAtomically(path.join(layout, 'index.json'), JSON.stringify({ ...index, manifests: left }), 0o644);
    collectGarbage(store, layout);
  });
}

/** Blobs of a layout its index reaches: manifests, configs, layers. */
function reachable(layout: string): { blobs: Set<string>; layers: Set<string> } {
  const blobs = new Set<string>();
  const layers = new Set<string>();
  for (const d of readIndex(layout).manifests) {
    blobs.add(d.digest);
    try {
      const image = loadImage(layout, d.annotations?.[REF_NAME] ?? '');
      blobs.add(image.manifest.config.digest);
      for (const l of image.manifest.layers) blobs.add(l.digest);
      for (const id of image.config.rootfs?.diff_ids ?? []) layers.add(id);
    } catch {
      // An unreadable image keeps what it may use: only its manifest is known here.
    }
  }
  return { blobs, layers };
}

/** Under the store lock: unreferenced blobs of `layout` and unused layers of the cache. */
function collectGarbage(store: string, layout: string): void {
  const own = reachable(layout);
  const blobDir = path.join(layout, 'blobs', 'sha256');
  for (const hex of fs.readdirSync(blobDir)) if (!own.blobs.has(`sha256:${hex}`)) fs.rmSync(path.join(blobDir, hex), { force: true });
  const used = new Set<string>();
  const roots = path.join(store, 'roots');
  for (const key of fs.readdirSync(roots)) for (const id of reachable(path.join(roots, key)).layers) used.add(id);
  for (const use of imageUses()) for (const id of use.layers) used.add(id);
  const layers = path.join(store, 'layers');
  // Names starting with "." are unpacks in progress (or left by a crash, redone on import).
  for (const hex of fs.readdirSync(layers)) if (!hex.startsWith('.') && !used.has(`sha256:${hex}`)) fs.rmSync(path.join(layers, hex), { recursive: true, force: true });
}
