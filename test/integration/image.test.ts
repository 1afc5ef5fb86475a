/**
 * Disk images on real virtual hosts (issue 18, docs/IMAGES.md): a busybox image built in the
 * test is imported, run, changed (a file written, one deleted, a directory replaced), exported
 * as an oci-archive and a docker-archive, and imported on a fresh root, where the changes and
 * the deletions are found. Corrupt and truncated archives fail with one line and leave no
 * image, layer or scratch file behind.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listXattrs } from '../../src/engine/image/fsattr.js';
import { noRootfs } from '../helpers/busybox.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';

/** The pairs output of one row as an object. */
function row(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

const suite = noRootfs ? describe.skip : describeCgroups;
suite(`disk images on real virtual hosts${noRootfs ? ` (skipped: ${noRootfs})` : ''}`, () => {
  const first = testRoot('image');
  const second = testRoot('image2');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-image-'));
  const store = path.join(tmp, 'store');
  const env = { LMCTFY_IMAGE_STORE: store };
  const on = (root: string) => (...args: string[]) => lmctfy(root, args, { env, timeoutMs: 60_000 });
  const cli = on(first.root);
  const cli2 = on(second.root);
  const layers = () => fs.readdirSync(path.join(store, 'layers')).sort();
  const images = (c: typeof cli) => c('image', 'list', '-v').stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ')[0]);

  beforeAll(() => {
    expect(cli('init', '').code).toBe(0);
    expect(cli2('init', '').code).toBe(0);
    expect(cli('rootfs', 'build', path.join(tmp, 'rootfs')).code).toBe(0);
    const r = cli('image', 'import', path.join(tmp, 'rootfs'), '--name', 'busybox:1');
    expect(r.stderr).toBe('');
    expect(row(r.stdout)).toMatchObject({ name: 'busybox:1', layers: '1', unpacked: '1' });
    const vh = cli('create', 'vh', "virtual_host:{virtual_hostname:'img'} filesystem:{image:'busybox:1'}");
    expect(vh.stderr).toBe('');
    expect(vh.code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    for (const [c, names] of [[cli, ['vh']], [cli2, ['oci', 'docker']]] as const) for (const n of names) c('destroy', '-f', n);
    fs.rmSync(tmp, { recursive: true, force: true });
    await first.cleanup();
    await second.cleanup();
  });

  it('the store is an OCI layout per root, and the layer cache holds the unpacked rootfs', () => {
    const roots = fs.readdirSync(path.join(store, 'roots'));
    expect(roots).toHaveLength(1);
    const layout = path.join(store, 'roots', roots[0]!);
    expect(JSON.parse(fs.readFileSync(path.join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    expect(index.manifests.map((d: { annotations: Record<string, string> }) => d.annotations['org.opencontainers.image.ref.name'])).toEqual(['busybox:1']);
    expect(layers()).toHaveLength(1);
    const layer = path.join(store, 'layers', layers()[0]!);
    expect(fs.readlinkSync(path.join(layer, 'bin', 'sh'))).toBe('busybox');
    expect(fs.statSync(path.join(layer, 'tmp')).mode & 0o7777).toBe(0o1777);
  });

  it('a virtual host runs on the image; what it changes stays in its upper dir, the layer is untouched', () => {
    expect(cli('run', 'vh', 'hostname')).toMatchObject({ code: 0, stdout: 'img\n' });
    const script = 'echo changed > /etc/motd && rm /bin/vi && rm -rf /home && mkdir /home && echo mine > /home/new && mkdir -p /srv/deep && echo x > /srv/deep/file';
    expect(cli('run', 'vh', 'sh', '-c', script)).toMatchObject({ code: 0, stderr: '' });
    expect(cli('run', 'vh', 'cat', '/etc/motd').stdout).toBe('changed\n');
    const layer = path.join(store, 'layers', layers()[0]!);
    expect(fs.existsSync(path.join(layer, 'bin', 'vi'))).toBe(true);
    expect(fs.existsSync(path.join(layer, 'etc', 'motd'))).toBe(false);
  });

  it('list names the virtual host using it, and remove is refused while it runs', () => {
    expect(row(cli('image', 'list').stdout)).toMatchObject({ name: 'busybox:1', layers: '1', used_by: '/vh' });
    const r = cli('image', 'remove', 'busybox:1');
    expect(r).toMatchObject({ code: 9, stdout: '' });
    expect(r.stderr).toBe('lmctfy: FAILED_PRECONDITION: image busybox:1 is in use by /vh; destroy it first\n');
    expect(images(cli)).toEqual(['busybox:1']);
  });

  it('export writes the image plus one layer of changes with OCI whiteouts, in both formats', () => {
    const oci = cli('image', 'export', 'vh', path.join(tmp, 'vh-oci.tar'), '--name', 'vh:changed');
    expect(oci.stderr).toBe('');
    expect(row(oci.stdout)).toMatchObject({ format: 'oci-archive', name: 'vh:changed', layers: '2' });
    const docker = cli('image', 'export', 'vh', path.join(tmp, 'vh-docker.tar'), '--format', 'docker-archive', '--name', 'lmctfy/vh');
    expect(docker.stderr).toBe('');
    expect(row(docker.stdout)).toMatchObject({ format: 'docker-archive', name: 'lmctfy/vh:latest', layers: '2' });
    // The docker-archive's top layer is a plain tar GNU tar reads: the changes, as OCI says them.
    const manifest = JSON.parse(spawnSync('tar', ['-xOf', path.join(tmp, 'vh-docker.tar'), 'manifest.json'], { encoding: 'utf8' }).stdout);
    const top = spawnSync('sh', ['-c', `tar -xOf '${path.join(tmp, 'vh-docker.tar')}' '${manifest[0].Layers[1]}' | tar -t`], { encoding: 'utf8' }).stdout.split('\n');
    expect(top).toEqual(expect.arrayContaining(['bin/.wh.vi', 'etc/motd', 'home/', 'home/.wh..wh..opq', 'home/new', 'srv/deep/file']));
    expect(top.filter((l) => l.startsWith('srv/deep/.wh.'))).toEqual([]);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it.each([
    ['the oci-archive', 'vh-oci.tar', 'oci', 'vh:changed'],
    ['the docker-archive', 'vh-docker.tar', 'docker', 'lmctfy/vh:latest'],
  ])('%s imports on a fresh root, where a virtual host finds the changes and the deletions', (_what, file, vh, name) => {
    const r = cli2('image', 'import', path.join(tmp, file));
    expect(r.stderr).toBe('');
    expect(row(r.stdout)).toMatchObject({ name, layers: '2' });
    expect(cli2('create', vh, `virtual_host:{} filesystem:{image:'${name}'}`)).toMatchObject({ code: 0, stderr: '' });
    const seen = cli2('run', vh, 'sh', '-c', 'cat /etc/motd /home/new /srv/deep/file; ls /home; test -e /bin/vi || echo no-vi; ls /bin/sh');
    expect(seen).toMatchObject({ code: 0, stderr: '', stdout: 'changed\nmine\nx\nnew\nno-vi\n/bin/sh\n' });
  });

  it('layers are unpacked once by diff_id; the new top layer holds overlay whiteouts', () => {
    // busybox's layer is shared by every image; each export added the same top layer.
    expect(layers()).toHaveLength(2);
    const top = layers().map((l) => path.join(store, 'layers', l)).find((d) => fs.existsSync(path.join(d, 'home', 'new')))!;
    const vi = fs.lstatSync(path.join(top, 'bin', 'vi'));
    expect([vi.isCharacterDevice(), vi.rdev]).toEqual([true, 0]);
    expect(listXattrs([path.join(top, 'home')], 'test').get(path.join(top, 'home'))?.get('trusted.overlay.opaque')?.toString()).toBe('y');
    expect(fs.readdirSync(path.join(top, 'home'))).toEqual(['new']);
  });

  it('an OCI layout directory imports too (the oci-archive unpacked by GNU tar)', () => {
    const dir = path.join(tmp, 'layout');
    fs.mkdirSync(dir);
    expect(spawnSync('tar', ['-xf', path.join(tmp, 'vh-oci.tar'), '-C', dir]).status).toBe(0);
    const r = cli2('image', 'import', dir, '--name', 'from-dir');
    expect(r.stderr).toBe('');
    expect(row(r.stdout)).toMatchObject({ name: 'from-dir', layers: '2', unpacked: '0' });
    expect(cli2('image', 'import', dir, '--name', 'from-dir')).toMatchObject({ code: 6, stderr: 'lmctfy: ALREADY_EXISTS: image from-dir already exists in this root\'s store; remove it first or import with --name\n' });
  });

  describe('broken archives fail with one line and leave nothing', () => {
    const before = () => ({ images: images(cli2), layers: layers(), tmp: fs.readdirSync(path.join(store, 'tmp')) });
    const broken = (name: string, edit: (b: Buffer) => Buffer) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, edit(fs.readFileSync(path.join(tmp, name.startsWith('docker') ? 'vh-docker.tar' : 'vh-oci.tar'))));
      return file;
    };
    /** A byte changed in the middle of the largest member (a layer) of an archive. */
    const flipInLayer = (b: Buffer) => {
      const c = Buffer.from(b);
      const at = Math.floor(c.length / 2);
      c[at] = c[at]! ^ 0xff;
      return c;
    };
    it.each([
      ['an oci-archive cut in half', 'oci-cut.tar', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)), 3, /^lmctfy: INVALID_ARGUMENT: archive \S+ is truncated \(it ends inside blobs\/sha256\/[0-9a-f]{64}\)\n$/],
      ['an oci-archive without its end', 'oci-noend.tar', (b: Buffer) => b.subarray(0, b.length - 1024), 3, /^lmctfy: INVALID_ARGUMENT: archive \S+ is truncated \(no end-of-archive blocks\)\n$/],
      ['an oci-archive with a corrupt layer', 'oci-flip.tar', flipInLayer, 3, /^lmctfy: INVALID_ARGUMENT: oci-archive \S+: blob sha256:[0-9a-f]{64} does not match its digest \(it hashes to sha256:[0-9a-f]{64}\): corrupt\n$/],
      ['a docker-archive with a corrupt layer', 'docker-flip.tar', flipInLayer, 3, /^lmctfy: INVALID_ARGUMENT: docker-archive \S+: layer [0-9a-f]{64}.tar hashes to sha256:[0-9a-f]{64}, not its diff_id sha256:[0-9a-f]{64} \(corrupt\)\n$/],
      ['not an archive at all', 'oci-garbage.tar', () => Buffer.alloc(4096, 0x41), 3, /^lmctfy: INVALID_ARGUMENT: archive \S+ is not a valid tar archive: a header checksum does not match\n$/],
    ])('%s', (_what, name, edit, code, stderr) => {
      const was = before();
      const r = cli2('image', 'import', broken(name, edit), '--name', 'broken');
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(stderr);
      expect(before()).toEqual(was);
    });
  });

  it('remove deletes the image, and the layer cache keeps only what other images use', () => {
    expect(cli('destroy', '-f', 'vh').code).toBe(0);
    expect(cli('image', 'remove', 'busybox:1')).toMatchObject({ code: 0, stderr: '' });
    expect(images(cli)).toEqual([]);
    // Root two's images still use both layers; its running virtual hosts too.
    expect(layers()).toHaveLength(2);
    for (const vh of ['oci', 'docker']) expect(cli2('destroy', '-f', vh).code).toBe(0);
    for (const name of ['vh:changed', 'lmctfy/vh:latest', 'from-dir']) expect(cli2('image', 'remove', name)).toMatchObject({ code: 0, stderr: '' });
    expect(layers()).toEqual([]);
    for (const root of fs.readdirSync(path.join(store, 'roots'))) expect(fs.readdirSync(path.join(store, 'roots', root, 'blobs', 'sha256'))).toEqual([]);
    expect(cli('image', 'remove', 'busybox:1')).toMatchObject({ code: 5, stderr: "lmctfy: NOT_FOUND: image busybox:1 does not exist in this root's store (lmctfy image list shows them)\n" });
  });
});
