/**
 * The image store (docs/IMAGES.md): per lmctfy root, an OCI image layout (`oci-layout`,
 * `index.json`, `blobs/sha256/`) that skopeo, umoci and podman read as `oci:DIR:NAME`;
 * per machine, the layer cache (`layers/<diff_id hex>/`, each layer unpacked once and shared
 * by every root and container). Changes to either are made under one machine-wide lock.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { Code, LmctfyError } from '../errors.js';
import { lockKey, withLock } from '../lock.js';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/**
 * Where the store lives: LMCTFY_IMAGE_STORE, else /var/lib/lmctfy/images. Not /run/lmctfy
 * beside the locks: /run is a tmpfs on most machines (a share of memory, gone at reboot),
 * and images are large and meant to stay. The path goes into overlay mount options, so it
 * may not hold "," ":" or "\".
 */
export function storeDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.LMCTFY_IMAGE_STORE || '/var/lib/lmctfy/images';
  if (!path.isAbsolute(dir)) throw new LmctfyError(Code.INVALID_ARGUMENT, `LMCTFY_IMAGE_STORE ${dir} is a relative path; give an absolute path`);
  if (/[,:\\]/.test(dir)) throw new LmctfyError(Code.INVALID_ARGUMENT, `LMCTFY_IMAGE_STORE ${dir} contains "," ":" or "\\", which overlay mount options (the layers' paths) cannot hold`);
  return path.resolve(dir);
}

/** The OCI layout holding one lmctfy root's images (`scope`: the root's tracking dir). */
export function layoutDir(store: string, scope: string): string {
  return path.join(store, 'roots', lockKey(scope, 'images'));
}

export function layerDir(store: string, diffId: string): string {
  return path.join(store, 'layers', hexOf(diffId));
}

export function blobPath(layout: string, digest: string): string {
  return path.join(layout, 'blobs', 'sha256', hexOf(digest));
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** The hex of a sha256 digest; anything else (another algorithm, a path) is refused. */
export function hexOf(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new LmctfyError(Code.INVALID_ARGUMENT, `digest "${digest}" is not a sha256 digest (sha256: and 64 lower-case hex digits)`);
  return m[1]!;
}

export const sha256 = (data: Buffer | string) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** Image names: what OCI's ref.name and docker's repo:tag both accept. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;

export function checkName(name: string): string {
  if (!NAME.test(name) || name.includes('..') || name.includes('//')) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `image name "${name}" is not valid: 1 to 255 letters, digits and . _ - / : @ +, starting with a letter or digit`);
  }
  return name;
}

export function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new LmctfyError(Code.NOT_FOUND, `${what} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The root's index (empty when it has no store yet). */
export function readIndex(layout: string): Index {
  if (!fs.existsSync(path.join(layout, 'index.json'))) return { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
  return readJson<Index>(path.join(layout, 'index.json'), 'image index');
}

/** Makes the layout's skeleton when missing (oci-layout, blobs/sha256), recording which root it serves. */
export function ensureLayout(layout: string, scope: string): void {
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true, mode: 0o755 });
  if (!fs.existsSync(path.join(layout, 'oci-layout'))) writeFileAtomically(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}', 0o644);
  // For people looking at the store: which root a hashed directory serves.
  if (!fs.existsSync(path.join(layout, 'lmctfy-root'))) writeFileAtomically(path.join(layout, 'lmctfy-root'), `${scope}\n`, 0o644);
}

export function findImage(index: Index, name: string): Descriptor | undefined {
  return index.manifests.find((d) => d.annotations?.[REF_NAME] === name);
}

/** Runs fn holding the store's lock (imports, removals and their cleanup of unused blobs and layers). */
export function withStoreLock<T>(store: string, fn: () => Promise<T> | T): Promise<T> {
  return withLock(store, 'image store', fn, 120_000);
}

/** A stored image: its manifest and config, read from the root's layout. */
export interface StoredImage {
  name: string;
  descriptor: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
}

export function loadImage(layout: string, name: string): StoredImage {
  const descriptor = findImage(readIndex(layout), name);
  if (!descriptor) throw new LmctfyError(Code.NOT_FOUND, `image ${name} does not exist in this root's store (lmctfy image list shows them)`);
  const manifest = readJson<Manifest>(blobPath(layout, descriptor.digest), `manifest of ${name}`);
  const config = readJson<ImageConfig>(blobPath(layout, manifest.config.digest), `config of ${name}`);
  return { name, descriptor, manifest, config };
}

/** The layer cache directories of an image, bottom first. */
export function diffIds(image: Pick<StoredImage, 'config' | 'manifest'>, what: string): string[] {
  const ids = image.config.rootfs?.diff_ids ?? [];
  if (ids.length !== image.manifest.layers.length) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${what}: its config lists ${ids.length} diff_ids for ${image.manifest.layers.length} layers`);
  }
  ids.forEach(hexOf);
  return ids;
}
