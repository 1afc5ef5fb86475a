/**
 * Images against Debian's skopeo and umoci (issue 18, docs/IMAGES.md): skopeo reads our
 * store as an OCI layout and our exports as oci-archive and docker-archive; umoci unpacks an
 * export with the changes and deletions applied (its whiteouts understood); what skopeo
 * writes, lmctfy imports. The tools come from Debian's archive through the project's test
 * helper where CI runs (nothing installed system-wide); elsewhere the suite skips.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { layoutDir } from '../../src/engine/image/store.js';
import { noRootfs } from '../helpers/busybox.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { debianCommand } from '../helpers/debian-package.js';

const skopeo = debianCommand('skopeo', 'skopeo', ['libgpgme11', 'libassuan0']);
const umoci = debianCommand('umoci', 'umoci');
const missing = [skopeo, umoci].map((t) => ('skip' in t ? t.skip : undefined)).find(Boolean) ?? noRootfs;

/** Runs a packaged tool; its stdout, or the test fails with its stderr. */
function tool(t: typeof skopeo, args: string[]): string {
  if (!('path' in t)) throw new Error('error' in t ? t.error : t.skip);
  const r = spawnSync(t.path, args, { encoding: 'utf8', env: { ...process.env, ...t.env }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${path.basename(t.path)} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

// --insecure-policy: the unpacked skopeo has no /etc/containers/policy.json, and nothing here is signed.
const inspect = (ref: string) => JSON.parse(tool(skopeo, ['--insecure-policy', 'inspect', ref])) as { Layers: string[]; Os: string; Architecture: string };

const suite = missing ? describe.skip : describeCgroups;
suite(`images with skopeo and umoci${missing ? ` (skipped: ${missing})` : ''}`, () => {
  for (const t of [skopeo, umoci]) if ('error' in t) it('fetches its tools', () => expect.fail(t.error));
  const t = testRoot('imgio');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-imgio-'));
  const store = path.join(tmp, 'store');
  const cli = (...args: string[]) => lmctfy(t.root, args, { env: { LMCTFY_IMAGE_STORE: store }, timeoutMs: 60_000 });
  let layout: string;

  beforeAll(() => {
    expect(cli('init', '').code).toBe(0);
    expect(cli('rootfs', 'build', path.join(tmp, 'rootfs')).code).toBe(0);
    expect(cli('image', 'import', path.join(tmp, 'rootfs'), '--name', 'busybox:1')).toMatchObject({ code: 0, stderr: '' });
    expect(cli('create', 'vh', "virtual_host:{} filesystem:{image:'busybox:1'}")).toMatchObject({ code: 0, stderr: '' });
    expect(cli('run', 'vh', 'sh', '-c', 'echo moved > /etc/motd && rm /bin/vi && rm -rf /home && mkdir /home && touch /home/only')).toMatchObject({ code: 0, stderr: '' });
    expect(cli('image', 'export', 'vh', path.join(tmp, 'vh-oci.tar'), '--name', 'vh:1').code).toBe(0);
    expect(cli('image', 'export', 'vh', path.join(tmp, 'vh-docker.tar'), '--format', 'docker-archive', '--name', 'lmctfy/vh:1').code).toBe(0);
    layout = layoutDir(store, ContainerApi.open({ root: t.root }).machine.trackingDir('/'));
  }, 180_000);
  afterAll(async () => {
    cli('destroy', '-f', 'vh');
    fs.rmSync(tmp, { recursive: true, force: true });
    await t.cleanup();
  });

  it('skopeo inspects the store as an OCI layout', () => {
    const image = inspect(`oci:${layout}:busybox:1`);
    expect(image.Layers).toHaveLength(1);
    expect(image.Os).toBe('linux');
  });

  it('skopeo inspects both exports: the base layer plus one of changes', () => {
    const oci = inspect(`oci-archive:${path.join(tmp, 'vh-oci.tar')}`);
    const docker = inspect(`docker-archive:${path.join(tmp, 'vh-docker.tar')}`);
    expect(oci.Layers).toHaveLength(2);
    expect(docker.Layers).toHaveLength(2);
    expect(inspect(`oci:${layout}:busybox:1`).Layers[0]).toBe(oci.Layers[0]);
  });

  it('umoci unpacks the export with the changes and the deletions applied', () => {
    const copy = path.join(tmp, 'copy');
    tool(skopeo, ['--insecure-policy', 'copy', `oci-archive:${path.join(tmp, 'vh-oci.tar')}`, `oci:${copy}:vh`]);
    const bundle = path.join(tmp, 'bundle');
    tool(umoci, ['unpack', '--image', `${copy}:vh`, bundle]);
    const rootfs = path.join(bundle, 'rootfs');
    expect(fs.readFileSync(path.join(rootfs, 'etc', 'motd'), 'utf8')).toBe('moved\n');
    expect(fs.existsSync(path.join(rootfs, 'bin', 'vi'))).toBe(false);
    expect(fs.existsSync(path.join(rootfs, 'bin', 'sh'))).toBe(true);
    expect(fs.readdirSync(path.join(rootfs, 'home'))).toEqual(['only']);
    // A runtime bundle runc takes: umoci writes its config.json beside the rootfs.
    expect(JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).root.path).toBe('rootfs');
  });

  it('what skopeo writes from our store, lmctfy imports back', () => {
    const archive = path.join(tmp, 'from-skopeo.tar');
    tool(skopeo, ['--insecure-policy', 'copy', `oci:${layout}:busybox:1`, `docker-archive:${archive}:again/busybox:1`]);
    const r = cli('image', 'import', archive);
    expect(r.stderr).toBe('');
    // skopeo writes the tag fully qualified; the layer is the one already cached.
    expect(r.stdout).toMatch(/^name="docker.io\/again\/busybox:1" .* layers="1" unpacked="0"\n$/);
    expect(cli('image', 'remove', 'docker.io/again/busybox:1').code).toBe(0);
  });
});
