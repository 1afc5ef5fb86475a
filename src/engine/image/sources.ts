/**
 * What `lmctfy image import` reads (docs/IMAGES.md): an OCI image layout directory, an
 * oci-archive (a tar of one), a docker-archive (`docker save`'s manifest.json format) or a
 * directory holding a root file system (one layer), each turned into one image: its manifest, config and layer blobs, every one checked
 * against its digest before anything is stored.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Code, LmctfyError } from '../errors.js';
import { isGzip } from './unpack.js';
import { packDir } from './pack.js';
import { MEDIA, REF_NAME, hexOf, sha256, type Descriptor, type ImageConfig, type Index, type Manifest } from './store.js';
import { TarParser } from './tar.js';

/** Files of an unpacked archive or a layout directory, with their digests. */
interface Files {
  what: string;
  /** The absolute path of a file inside; NOT_FOUND naming it when missing. */
  file(rel: string): string;
  digest(rel: string): Promise<string>;
}

const bad = (message: string) => new LmctfyError(Code.INVALID_ARGUMENT, message);

async function hashStream(stream: NodeJS.ReadableStream, what: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (e) {
    throw bad(`${what} is corrupt: ${(e as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}

const hashFile = (file: string) => hashStream(fs.createReadStream(file, { highWaterMark: 1 << 20 }), file);

function dirFiles(dir: string, what: string): Files {
  const file = (rel: string) => {
    const abs = path.join(dir, rel);
    if (!fs.statSync(abs, { throwIfNoEntry: false })?.isFile()) throw new LmctfyError(Code.NOT_FOUND, `${what} has no ${rel}`);
    return abs;
  };
  return { what, file, digest: (rel) => hashFile(file(rel)) };
}

/** A relative archive path checked and normalised ("./a//b" → "a/b"); undefined for "." itself. */
function archivePath(raw: string, what: string): string | undefined {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad(`${what} has an entry "${raw}" with ".."`);
  return parts.length ? parts.join('/') : undefined;
}

/**
 * Unpacks the regular files of an archive (plain or gzip-compressed tar) below `dest`,
 * hashing each as it is written; symlinks and hard links between them (docker save links
 * repeated layers) are followed by name. Truncated or corrupt archives throw INVALID_ARGUMENT.
 */
export async function extractArchive(archive: string, dest: string, what: string): Promise<Files> {
  const digests = new Map<string, string>();
  const aliases = new Map<string, string>();
  const parser = new TarParser(what, (e) => {
    const rel = archivePath(e.path, what);
    if (rel === undefined) return undefined;
    if (e.type === 'symlink' || e.type === 'link') {
      const target = e.type === 'link' ? e.linkname : path.posix.join(path.posix.dirname(rel), e.linkname);
      const to = archivePath(target, what);
      if (to !== undefined) aliases.set(rel, to);
      return undefined;
    }
    if (e.type !== 'file') return undefined;
    const abs = path.join(dest, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const fd = fs.openSync(abs, 'w', 0o644);
    const hash = crypto.createHash('sha256');
    return {
      data(chunk) {
        hash.update(chunk);
        fs.writeSync(fd, chunk);
      },
      end() {
        fs.closeSync(fd);
        digests.set(rel, `sha256:${hash.digest('hex')}`);
      },
    };
  });
  const input = fs.createReadStream(archive, { highWaterMark: 1 << 20 });
  const stream = isGzip(archive) ? input.pipe(zlib.createGunzip()) : input;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) parser.push(chunk);
  } catch (e) {
    input.destroy();
    if (e instanceof LmctfyError) throw e;
    throw bad(`${what} is corrupt: ${(e as Error).message}`);
  }
  parser.end();
  if (!parser.finished) throw bad(`${what} is truncated (no end-of-archive blocks)`);
  const resolve = (rel: string) => {
    let at = rel;
    for (let hops = 0; aliases.has(at) && hops < 16; hops++) at = aliases.get(at)!;
    return at;
  };
  const file = (rel: string) => {
    const at = resolve(rel);
    if (!digests.has(at)) throw new LmctfyError(Code.NOT_FOUND, `${what} has no ${rel}`);
    return path.join(dest, at);
  };
  return {
    what,
    file,
    digest: (rel) => {
      file(rel);
      return Promise.resolve(digests.get(resolve(rel))!);
    },
  };
}

/** One image found in a source, its blobs checked: where each is, by digest. */
export interface FoundImage {
  /** Its name in the source (ref.name or the first RepoTag), if it has one. */
  name?: string;
  manifest: Manifest;
  manifestBytes: Buffer;
  config: ImageConfig;
  /** Blob files by digest: the config and every layer (the manifest is manifestBytes). */
  blobs: Map<string, string>;
  /** The blob files are scratch copies the store may take by rename (not the source's own). */
  scratch?: boolean;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw bad(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The Go architecture name OCI platforms use for this machine. */
function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
}

async function checkedBlob(files: Files, d: Descriptor, blobs: Map<string, string>): Promise<string> {
  const rel = `blobs/sha256/${hexOf(d.digest)}`;
  const file = files.file(rel);
  const size = fs.statSync(file).size;
  if (typeof d.size === 'number' && size !== d.size) {
    throw bad(`${files.what}: blob ${d.digest} has ${size} bytes, not the ${d.size} its descriptor says (corrupt or truncated)`);
  }
  const got = await files.digest(rel);
  if (got !== d.digest) throw bad(`${files.what}: blob ${d.digest} does not match its digest (it hashes to ${got}): corrupt`);
  blobs.set(d.digest, file);
  return file;
}

const isIndex = (d: Descriptor) => d.mediaType === MEDIA.index || d.mediaType === MEDIA.dockerList;

/** The image of an OCI layout (directory or unpacked oci-archive); `ref` picks one of several by ref.name. */
async function fromLayout(files: Files, ref: string | undefined): Promise<FoundImage> {
  const index = parseJson<Index>(fs.readFileSync(files.file('index.json')), `${files.what}'s index.json`);
  const all = Array.isArray(index.manifests) ? index.manifests : [];
  const named = (d: Descriptor) => d.annotations?.[REF_NAME];
  const picked = ref === undefined ? all : all.filter((d) => named(d) === ref);
  if (picked.length !== 1) {
    const names = all.map((d) => named(d) ?? d.digest).join(', ') || 'none';
    throw bad(
      ref === undefined
        ? `${files.what} holds ${all.length} images (${names}); choose one with --ref REF`
        : `${files.what} has no image named ${ref} (it holds: ${names})`,
    );
  }
  const blobs = new Map<string, string>();
  let d = picked[0]!;
  const name = named(d);
  if (isIndex(d)) {
    // A multi-platform image: this machine's manifest.
    const inner = parseJson<Index>(fs.readFileSync(await checkedBlob(files, d, new Map())), `${files.what}: index ${d.digest}`);
    const mine = inner.manifests?.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === goArch());
    if (!mine) throw new LmctfyError(Code.NOT_FOUND, `${files.what}: image ${name ?? d.digest} has no linux/${goArch()} manifest`);
    d = mine;
  }
  const manifestBytes = fs.readFileSync(await checkedBlob(files, d, new Map()));
  const manifest = parseJson<Manifest>(manifestBytes, `${files.what}: manifest ${d.digest}`);
  if (!manifest.config || !Array.isArray(manifest.layers)) throw bad(`${files.what}: manifest ${d.digest} is not an image manifest (no config or layers)`);
  const config = parseJson<ImageConfig>(fs.readFileSync(await checkedBlob(files, manifest.config, blobs)), `${files.what}: config ${manifest.config.digest}`);
  for (const layer of manifest.layers) await checkedBlob(files, layer, blobs);
  return { name, manifest, manifestBytes, config, blobs };
}

interface DockerEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

/** The image of a docker-archive, as an OCI manifest over the same config and layer bytes. */
async function fromDockerArchive(files: Files, ref: string | undefined): Promise<FoundImage> {
  const entries = parseJson<DockerEntry[]>(fs.readFileSync(files.file('manifest.json')), `${files.what}'s manifest.json`);
  const all = Array.isArray(entries) ? entries : [];
  const picked = ref === undefined ? all : all.filter((e) => e.RepoTags?.includes(ref));
  if (picked.length !== 1) {
    const names = all.map((e) => e.RepoTags?.join(' ') || e.Config).join(', ') || 'none';
    throw bad(ref === undefined ? `${files.what} holds ${all.length} images (${names}); choose one with --ref REPO:TAG` : `${files.what} has no image tagged ${ref} (it holds: ${names})`);
  }
  const entry = picked[0]!;
  if (!entry.Config || !Array.isArray(entry.Layers)) throw bad(`${files.what}: manifest.json's entry has no Config or Layers`);
  const blobs = new Map<string, string>();
  const describe = async (rel: string, mediaType: string): Promise<Descriptor> => {
    const file = files.file(rel);
    const digest = await files.digest(rel);
    blobs.set(digest, file);
    return { mediaType, digest, size: fs.statSync(file).size };
  };
  const configDesc = await describe(entry.Config, MEDIA.config);
  const config = parseJson<ImageConfig>(fs.readFileSync(files.file(entry.Config)), `${files.what}: ${entry.Config}`);
  const ids = config.rootfs?.diff_ids ?? [];
  if (ids.length !== entry.Layers.length) throw bad(`${files.what}: its config lists ${ids.length} diff_ids for ${entry.Layers.length} layers`);
  const layers: Descriptor[] = [];
  for (const [i, rel] of entry.Layers.entries()) {
    // A docker-archive's layers have no digest of their own: each is checked against its
    // diff_id here, before a layer already in the cache could stand in for it unchecked.
    const gzip = isGzip(files.file(rel));
    const layer = await describe(rel, gzip ? MEDIA.layerGzip : MEDIA.layer);
    const diffId = gzip ? await hashStream(fs.createReadStream(files.file(rel)).pipe(zlib.createGunzip()), `${files.what}: layer ${rel}`) : layer.digest;
    if (diffId !== ids[i]) throw bad(`${files.what}: layer ${rel} hashes to ${diffId}, not its diff_id ${ids[i]} (corrupt)`);
    layers.push(layer);
  }
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers };
  return { name: entry.RepoTags?.[0], manifest, manifestBytes: Buffer.from(JSON.stringify(manifest)), config, blobs };
}

/** A directory holding a root file system (no oci-layout) as a one-layer image. */
async function fromRootfs(dir: string, scratch: string): Promise<FoundImage> {
  const layer = await packDir(dir, scratch, `root file system ${dir}`);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    created,
    architecture: goArch(),
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: `lmctfy image import ${dir}` }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configFile = path.join(scratch, 'config.json');
  fs.writeFileSync(configFile, configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: sha256(configBytes), size: configBytes.length },
    layers: [{ mediaType: MEDIA.layerGzip, digest: layer.digest, size: layer.size }],
  };
  const blobs = new Map([
    [manifest.config.digest, configFile],
    [layer.digest, layer.gz],
  ]);
  return { manifest, manifestBytes: Buffer.from(JSON.stringify(manifest)), config, blobs };
}

/**
 * The image in `source` (a layout directory, a root file system directory or an archive file), its archive (if any)
 * unpacked below `scratch`.
 */
export async function readSource(source: string, scratch: string, ref: string | undefined): Promise<FoundImage> {
  const st = fs.statSync(source, { throwIfNoEntry: false });
  if (!st) throw new LmctfyError(Code.NOT_FOUND, `image import: ${source} does not exist`);
  if (st.isDirectory()) {
    if (fs.existsSync(path.join(source, 'oci-layout'))) return fromLayout(dirFiles(source, `OCI layout ${source}`), ref);
    return fromRootfs(source, scratch);
  }
  const files = await extractArchive(source, scratch, `archive ${source}`);
  const has = (rel: string) => {
    try {
      files.file(rel);
      return true;
    } catch {
      return false;
    }
  };
  if (has('oci-layout') && has('index.json')) return { ...(await fromLayout({ ...files, what: `oci-archive ${source}` }, ref)), scratch: true };
  if (has('manifest.json')) return { ...(await fromDockerArchive({ ...files, what: `docker-archive ${source}` }, ref)), scratch: true };
  throw bad(`image import: ${source} is neither an oci-archive (no oci-layout and index.json) nor a docker-archive (no manifest.json)`);
}
