/**
 * `lmctfy image export`: a virtual host's image plus its overlay upper dir as one new layer
 * (docs/IMAGES.md), written as an oci-archive or a docker-archive. Overlay whiteouts in the
 * upper dir (character devices 0/0, opaque xattrs) become OCI whiteouts (`.wh.NAME`,
 * `.wh..wh..opq`); overlayfs's own xattrs stay behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { Code, LmctfyError } from '../errors.js';
import { isVirtualHost, stateDir } from '../vhost/state.js';
import { CHUNK, fileChunks, packDir } from './pack.js';
import { readImageUse, requireRoot } from './uses.js';
import { blobPath, hexOf, layoutDir, MEDIA, readJson, REF_NAME, sha256, storeDir, type Descriptor, type ImageConfig, type Manifest } from './store.js';
import { encodeHeader, END_OF_ARCHIVE, padding } from './tar.js';
import { isGzip } from './unpack.js';

export type ExportFormat = 'oci-archive' | 'docker-archive';

/** Writes an archive of named parts (bytes or files) to an fd, one regular file entry each. */
class ArchiveWriter {
  private readonly mtime = Math.floor(Date.now() / 1000);
  constructor(private readonly fd: number) {}

  private header(name: string, size: number, type: 'file' | 'dir' = 'file'): void {
    fs.writeSync(this.fd, encodeHeader({ path: name, type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, size, mtime: this.mtime, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() }));
  }

  dir(name: string): void {
    this.header(name, 0, 'dir');
  }

  bytes(name: string, data: Buffer | string): void {
    const b = Buffer.from(data);
    this.header(name, b.length);
    fs.writeSync(this.fd, b);
    fs.writeSync(this.fd, Buffer.alloc(padding(b.length)));
  }

  file(name: string, file: string): void {
    const size = fs.statSync(file).size;
    this.header(name, size);
    for (const chunk of fileChunks(file, size)) fs.writeSync(this.fd, chunk);
    fs.writeSync(this.fd, Buffer.alloc(padding(size)));
  }

  end(): void {
    fs.writeSync(this.fd, END_OF_ARCHIVE);
  }
}

/** OCI media types for a manifest's parts (an image imported with docker's keeps its digests). */
function ociLayerType(d: Descriptor): string {
  if (d.mediaType === MEDIA.dockerLayer) return MEDIA.layer;
  if (d.mediaType === MEDIA.dockerLayerGzip) return MEDIA.layerGzip;
  return d.mediaType;
}

/** A docker RepoTags entry: lower-case repository, ":latest" when no tag is given. */
export function dockerTag(name: string): string {
  const tagged = /:[^/]+$/.test(name) ? name : `${name}:latest`;
  const repo = tagged.slice(0, tagged.lastIndexOf(':'));
  if (repo !== repo.toLowerCase() || name.includes('@')) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `image name "${name}" cannot be a docker-archive's tag: the repository must be lower case, with no @digest`);
  }
  return tagged;
}

/**
 * Writes container `name`'s image with its changes (its upper dir as a new top layer) to
 * `file` in `format`, named `ref` inside (default: the container's base name, tag latest).
 * The file appears whole or not at all.
 */
export async function exportContainer(scope: string, name: string, file: string, opts: { format?: ExportFormat; ref?: string } = {}): Promise<{ digest: string; layers: number; ref: string }> {
  requireRoot('image export');
  const format = opts.format ?? 'oci-archive';
  const state = stateDir(scope, name);
  const use = readImageUse(state);
  if (!use) {
    const why = isVirtualHost(scope, name) ? 'a virtual host whose root is not an image' : 'not a virtual host';
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot export ${name}: it is ${why}; only a virtual host created with filesystem:{image:'NAME'} can be exported`);
  }
  const ref = opts.ref ?? `${path.posix.basename(name) || 'image'}:latest`;
  if (format === 'docker-archive') dockerTag(ref);
  const store = storeDir();
  const layout = layoutDir(store, use.root);
  const base = readJson<Manifest>(blobPath(layout, use.digest), `manifest of image ${use.image}`);
  const baseConfig = readJson<ImageConfig>(blobPath(layout, base.config.digest), `config of image ${use.image}`);
  const scratch = fs.mkdtempSync(path.join(store, 'tmp', `export-${process.pid}-`));
  const out = path.resolve(file);
  const tmpOut = `${out}.tmp-${process.pid}`;
  try {
    const packed = await packDir(path.join(state, 'upper'), scratch, `the upper dir of ${name}`);
    const diffId = packed.diffId;
    const created = new Date().toISOString();
    const config: ImageConfig = {
      ...baseConfig,
      created,
      rootfs: { type: 'layers', diff_ids: [...(baseConfig.rootfs?.diff_ids ?? []), diffId] },
      history: [...(baseConfig.history ?? []), { created, created_by: `lmctfy image export ${name}`, comment: `changes of ${name} over ${use.image}` }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const fd = fs.openSync(tmpOut, 'w', 0o644);
    try {
      const w = new ArchiveWriter(fd);
      if (format === 'oci-archive') {
        const layer: Descriptor = { mediaType: MEDIA.layerGzip, digest: packed.digest, size: packed.size };
        const manifest: Manifest = {
          schemaVersion: 2,
          mediaType: MEDIA.manifest,
          config: { mediaType: MEDIA.config, digest: sha256(configBytes), size: configBytes.length },
          layers: [...base.layers.map((d) => ({ mediaType: ociLayerType(d), digest: d.digest, size: d.size })), layer],
        };
        const manifestBytes = Buffer.from(JSON.stringify(manifest));
        const digest = sha256(manifestBytes);
        w.bytes('oci-layout', '{"imageLayoutVersion":"1.0.0"}');
        w.bytes('index.json', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [{ mediaType: MEDIA.manifest, digest, size: manifestBytes.length, annotations: { [REF_NAME]: ref } }] }));
        w.dir('blobs/');
        w.dir('blobs/sha256/');
        for (const d of base.layers) w.file(`blobs/sha256/${hexOf(d.digest)}`, blobPath(layout, d.digest));
        w.file(`blobs/sha256/${hexOf(layer.digest)}`, packed.gz);
        w.bytes(`blobs/sha256/${hexOf(manifest.config.digest)}`, configBytes);
        w.bytes(`blobs/sha256/${hexOf(digest)}`, manifestBytes);
        w.end();
        fs.fsyncSync(fd);
        fs.renameSync(tmpOut, out);
        return { digest, layers: manifest.layers.length, ref };
      }
      // docker-archive: uncompressed layers named by diff_id, the config by its digest.
      const ids = config.rootfs!.diff_ids!;
      const layerFiles: string[] = [];
      for (const [i, d] of base.layers.entries()) {
        const blob = blobPath(layout, d.digest);
        let plain = blob;
        if (isGzip(blob)) {
          plain = path.join(scratch, `base-${i}.tar`);
          await pipeline(fs.createReadStream(blob, { highWaterMark: CHUNK }), zlib.createGunzip(), fs.createWriteStream(plain));
        }
        layerFiles.push(plain);
      }
      layerFiles.push(packed.tar);
      const configName = `${hexOf(sha256(configBytes))}.json`;
      const names = ids.map((id) => `${hexOf(id)}.tar`);
      const tag = dockerTag(ref);
      w.bytes('manifest.json', JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: names }]));
      w.bytes(configName, configBytes);
      for (const [i, f] of layerFiles.entries()) w.file(names[i]!, f);
      w.end();
      fs.fsyncSync(fd);
      fs.renameSync(tmpOut, out);
      return { digest: sha256(configBytes), layers: names.length, ref: tag };
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(tmpOut, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
