/**
 * The tar reader and writer of src/engine/image/tar.ts, against themselves and against GNU
 * tar (pax long names, xattrs, hard links), and the failures of broken archives.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LmctfyError } from '../../src/engine/errors.js';
import { encodeHeader, END_OF_ARCHIVE, padding, parseNumber, parsePax, TarParser, type TarEntry } from '../../src/engine/image/tar.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-tar-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function entry(p: string, extra: Partial<TarEntry> = {}): TarEntry {
  return { path: p, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map(), ...extra };
}

/** An archive of entries with data, as our writer makes it. */
function archive(items: Array<[TarEntry, Buffer?]>): Buffer {
  const parts: Buffer[] = [];
  for (const [e, data] of items) {
    const body = data ?? Buffer.alloc(0);
    parts.push(encodeHeader({ ...e, size: body.length }), body, Buffer.alloc(padding(body.length)));
  }
  return Buffer.concat([...parts, END_OF_ARCHIVE]);
}

/** Every entry and its data, the archive pushed in chunks of `chunk` bytes. */
function parse(tar: Buffer, chunk = tar.length): { entries: TarEntry[]; data: Map<string, Buffer>; finished: boolean } {
  const entries: TarEntry[] = [];
  const data = new Map<string, Buffer>();
  const parser = new TarParser('test archive', (e) => {
    entries.push(e);
    const parts: Buffer[] = [];
    return { data: (b) => parts.push(Buffer.from(b)), end: () => data.set(e.path, Buffer.concat(parts)) };
  });
  for (let at = 0; at < tar.length; at += chunk) parser.push(tar.subarray(at, at + chunk));
  parser.end();
  return { entries, data, finished: parser.finished };
}

const longName = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(60)}.txt`;
const items: Array<[TarEntry, Buffer?]> = [
  [entry('etc/', { type: 'dir', mode: 0o755 })],
  [entry('etc/passwd', { uid: 1000, gid: 1001 }), Buffer.from('root:x:0:0::/root:/bin/sh\n')],
  [entry(longName), Buffer.alloc(1300, 7)],
  [entry('lnk', { type: 'symlink', linkname: `/${'t'.repeat(150)}` })],
  [entry('hard', { type: 'link', linkname: 'etc/passwd' })],
  [entry('dev/null', { type: 'char', mode: 0o666, devmajor: 1, devminor: 3 })],
  [entry('caps', { xattrs: new Map([['security.capability', Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]]) }), Buffer.from('x')],
  [entry('big-uid', { uid: 3_000_000, gid: 2_500_000 })],
];

describe('tar round trip', () => {
  it.each([1, 7, 512, 100_000])('entries and data read back the same, pushed %i bytes at a time', (chunk) => {
    const { entries, data, finished } = parse(archive(items), chunk);
    expect(finished).toBe(true);
    expect(entries.map((e) => [e.path, e.type, e.mode, e.uid, e.gid, e.linkname, e.devmajor, e.devminor])).toEqual(
      items.map(([e]) => [e.path, e.type, e.mode, e.uid, e.gid, e.linkname, e.devmajor, e.devminor]),
    );
    expect(data.get(longName)).toEqual(Buffer.alloc(1300, 7));
    expect(data.get('etc/passwd')!.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
    expect(entries.find((e) => e.path === 'caps')!.xattrs).toEqual(items[6]![0].xattrs);
  });

  it('GNU tar lists what we write, long names, links and numbers included', () => {
    const file = path.join(tmp, 'ours.tar');
    fs.writeFileSync(file, archive(items));
    const r = spawnSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(items.length);
    expect(lines[1]).toMatch(/^-rw-r--r-- 1000\/1001 +26 .* etc\/passwd$/);
    expect(lines[2]).toContain(longName);
    expect(lines[3]).toContain(`lnk -> /${'t'.repeat(150)}`);
    expect(lines[4]).toContain('hard link to etc/passwd');
    expect(lines[5]).toMatch(/^crw-rw-rw- 0\/0 +1,3 /);
    expect(lines[7]).toMatch(/^-rw-r--r-- 3000000\/2500000 /);
  });

  it("reads GNU tar's pax archives: long names, hard links and trusted.* xattrs kept with --xattrs-include", () => {
    const src = path.join(tmp, 'src');
    const deep = path.join(src, 'a'.repeat(120), 'b'.repeat(120));
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'file'), 'deep\n');
    fs.linkSync(path.join(deep, 'file'), path.join(src, 'again'));
    const file = path.join(tmp, 'gnu.tar');
    const r = spawnSync('tar', ['--format=pax', '--xattrs', "--xattrs-include=*", '-C', src, '-cf', file, '.'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const { entries, data } = parse(fs.readFileSync(file), 4096);
    const deepName = `./${'a'.repeat(120)}/${'b'.repeat(120)}/file`;
    const names = entries.map((e) => e.path);
    expect(names).toContain(deepName);
    const [first, second] = [deepName, './again'].map((n) => entries.find((e) => e.path === n)!);
    // Whichever GNU tar met first holds the data; the other links to it.
    const [holder, link] = first!.type === 'file' ? [first!, second!] : [second!, first!];
    expect(link.type).toBe('link');
    expect(link.linkname).toBe(holder.path);
    expect(data.get(holder.path)!.toString()).toBe('deep\n');
  });
});

describe('broken archives fail with one line naming them', () => {
  const good = archive(items);
  it.each<[string, Buffer, RegExp]>([
    ['cut inside a file', good.subarray(0, 3000), /^test archive is truncated \(it ends inside /],
    ['cut inside a header', good.subarray(0, 700), /^test archive is truncated/],
    ['a flipped byte in a header', Buffer.concat([good.subarray(0, 10), Buffer.from('Z'), good.subarray(11)]), /^test archive is not a valid tar archive: a header checksum does not match/],
  ])('%s', (_what, tar, message) => {
    expect(() => parse(tar)).toThrow(LmctfyError);
    expect(() => parse(tar)).toThrow(message);
  });

  it('without the end-of-archive blocks it is not finished (callers of whole archives refuse it)', () => {
    const cut = good.subarray(0, good.length - END_OF_ARCHIVE.length);
    expect(parse(cut).finished).toBe(false);
  });

  it('GNU sparse files are refused by name', () => {
    const h = encodeHeader(entry('sparse'));
    h.write('S', 156, 'ascii');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    expect(() => parse(Buffer.concat([h, END_OF_ARCHIVE]))).toThrow(/entry type "S" \(GNU sparse file\) is not supported/);
  });
});

describe('header fields', () => {
  it.each<[string, Buffer, number]>([
    ['octal with NUL', Buffer.from('0000644\0'), 0o644],
    ['octal with spaces', Buffer.from(' 755 \0\0\0'), 0o755],
    ['empty', Buffer.alloc(8), 0],
    ['base-256', Buffer.from([0x80, 0, 0, 0, 0, 0x2d, 0xc6, 0xc0]), 3_000_000],
    ['not a number', Buffer.from('12x4\0\0\0\0'), NaN],
  ])('%s', (_what, b, want) => {
    expect(parseNumber(b, 0, b.length)).toEqual(want);
  });

  it('pax records keep binary values and refuse a wrong length', () => {
    const rec = Buffer.concat([Buffer.from('30 SCHILY.xattr.user.k='), Buffer.from([0, 255, 10, 1, 2, 3]), Buffer.from('\n')]);
    expect(parsePax(rec, 'x').get('SCHILY.xattr.user.k')).toEqual(Buffer.from([0, 255, 10, 1, 2, 3]));
    expect(() => parsePax(Buffer.from('99 path=a\n'), 'x')).toThrow(/malformed pax extended header/);
  });
});
