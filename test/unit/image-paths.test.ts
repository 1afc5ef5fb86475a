/**
 * The pure halves of images: layer paths and whiteouts both ways, names, digests, the
 * store's place, and filesystem.image in a virtual host's plan.
 */
import { describe, expect, it } from 'vitest';
import { dockerTag } from '../../src/engine/image/export.js';
import { checkName, hexOf, storeDir } from '../../src/engine/image/store.js';
import { isOpaque, layerPath, layerXattrs, opaqueFor, whiteoutFor, type LayerPath } from '../../src/engine/image/whiteout.js';
import { planVirtualHost, startArgs } from '../../src/engine/vhost/plan.js';

describe('layer paths', () => {
  it.each<[string, LayerPath]>([
    ['./etc/passwd', { kind: 'path', path: 'etc/passwd' }],
    ['/usr//bin/', { kind: 'path', path: 'usr/bin' }],
    ['./', { kind: 'root' }],
    ['bin/.wh.vi', { kind: 'whiteout', path: 'bin/vi' }],
    ['.wh.tmp', { kind: 'whiteout', path: 'tmp' }],
    ['./usr/sbin/.wh..wh..opq', { kind: 'opaque', dir: 'usr/sbin' }],
    ['.wh..wh..opq', { kind: 'opaque', dir: '' }],
  ])('%s', (raw, want) => {
    expect(layerPath(raw, 'layer 1')).toEqual(want);
  });

  it.each([
    ['../etc/shadow', /layer 1 has an entry "..\/etc\/shadow" with "\.\."/],
    ['a/../../b', /with "\.\."/],
    ['bin/.wh.', /a whiteout "bin\/\.wh\." that names nothing/],
  ])('%s is refused', (raw, message) => {
    expect(() => layerPath(raw, 'layer 1')).toThrow(message);
  });

  it.each([
    ['bin/vi', 'bin/.wh.vi'],
    ['motd', '.wh.motd'],
  ])('a deleted %s is the whiteout %s, which reads back as it', (rel, wh) => {
    expect(whiteoutFor(rel)).toBe(wh);
    expect(layerPath(wh, 'x')).toEqual({ kind: 'whiteout', path: rel });
  });

  it('an opaque directory gets its marker, which reads back as it', () => {
    expect(opaqueFor('usr/sbin')).toBe('usr/sbin/.wh..wh..opq');
    expect(layerPath(opaqueFor('usr/sbin'), 'x')).toEqual({ kind: 'opaque', dir: 'usr/sbin' });
  });

  it("overlayfs's xattrs mark opaque directories and stay out of layers; others are kept", () => {
    const y = Buffer.from('y');
    expect(isOpaque(new Map([['trusted.overlay.opaque', y]]))).toBe(true);
    expect(isOpaque(new Map([['user.overlay.opaque', y]]))).toBe(true);
    expect(isOpaque(new Map([['trusted.overlay.opaque', Buffer.from('n')]]))).toBe(false);
    expect(isOpaque(undefined)).toBe(false);
    const kept = layerXattrs(new Map([['trusted.overlay.origin', y], ['user.overlay.impure', y], ['security.capability', y], ['user.mine', y]]));
    expect([...kept.keys()]).toEqual(['security.capability', 'user.mine']);
  });
});

describe('names and places', () => {
  it.each(['busybox', 'busybox:1.36', 'registry.example/team/app:v2', 'a@sha256:abc'])('%s is a valid image name', (name) => {
    expect(checkName(name)).toBe(name);
  });
  it.each(['', '-x', 'a b', 'a/../b', 'a//b', 'x'.repeat(256)])('"%.20s" is not', (name) => {
    expect(() => checkName(name)).toThrow(/is not valid: 1 to 255 letters/);
  });

  it.each([
    ['busybox', 'busybox:latest'],
    ['my/app:v1', 'my/app:v1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
  ])('docker tag of %s is %s', (name, tag) => {
    expect(dockerTag(name)).toBe(tag);
  });
  it('a docker tag needs a lower-case repository', () => {
    expect(() => dockerTag('My/App')).toThrow(/must be lower case/);
  });

  it('digests: sha256 only', () => {
    expect(hexOf(`sha256:${'a'.repeat(64)}`)).toBe('a'.repeat(64));
    expect(() => hexOf('sha512:00')).toThrow(/is not a sha256 digest/);
    expect(() => hexOf(`sha256:../../${'a'.repeat(58)}`)).toThrow(/is not a sha256 digest/);
  });

  it('the store: /var/lib/lmctfy/images unless LMCTFY_IMAGE_STORE says otherwise, never with overlay option characters', () => {
    expect(storeDir({})).toBe('/var/lib/lmctfy/images');
    expect(storeDir({ LMCTFY_IMAGE_STORE: '/srv/images/' })).toBe('/srv/images');
    expect(() => storeDir({ LMCTFY_IMAGE_STORE: 'images' })).toThrow(/relative path/);
    expect(() => storeDir({ LMCTFY_IMAGE_STORE: '/srv/a:b' })).toThrow(/overlay mount options/);
  });
});

describe('filesystem.image in a virtual host plan', () => {
  it('is kept for the engine to resolve; mounts may go with it', () => {
    const plan = planVirtualHost({ virtual_host: {}, filesystem: { image: 'busybox:1', mounts: { mount: [{ source: '/a', target: '/b' }] } } })!;
    expect(plan.image).toBe('busybox:1');
    expect(plan.rootfs).toBeUndefined();
    expect(startArgs({ ...plan, rootfs: '/L/2:/L/1' }, '/S').slice(0, 7)).toEqual(['start', '--ns', 'mpi', '--rootfs', '/L/2:/L/1', '--state', '/S']);
  });

  it.each([
    [{ virtual_host: {}, filesystem: { image: 'a', rootfs: '/r' } }, /rootfs and filesystem.image are both given/],
    [{ virtual_host: {}, filesystem: { image: '' } }, /filesystem.image is empty/],
    [{ filesystem: { image: 'a' } }, /need virtual_host \(as does filesystem.image/],
  ])('refused: %j', (spec, message) => {
    expect(() => planVirtualHost(spec)).toThrow(message);
  });
});
