import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { Machine } from '../../src/engine/kernel/machine.js';
import { SampledTree, type TreeEntry } from '../../src/engine/sampling/tree.js';

// The sampled tree over plain directories standing for a v2 hierarchy: a directory's link
// count says how many subdirectories it has, as cgroupfs does.

describe('SampledTree', () => {
  let top: string;
  let tree: SampledTree;
  let heard: string[];
  const mk = (name: string) => fs.mkdirSync(path.join(top, name));
  const rm = (name: string) => fs.rmdirSync(path.join(top, name));
  const ino = (name: string) => fs.statSync(path.join(top, name)).ino;
  /** Removes a directory and makes another under its name, sure to have another inode (a filesystem may reuse a freed one at once; cgroupfs never does). */
  const remake = (name: string) => {
    mk(`${name}.new`);
    rm(name);
    fs.renameSync(path.join(top, `${name}.new`), path.join(top, name));
  };
  const names = (es: TreeEntry[]) => es.map((e) => e.name);
  const machineOver = (io: KernelIo) =>
    new Machine({ io, version: 2, layout: { mode: 'v2', v1: new Map(), unified: { mountPoint: top, mountRoot: '/', controllers: [] } }, procCgroupText: '0::/\n' });

  beforeEach(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-sampled-tree-'));
    heard = [];
    tree = new SampledTree(machineOver(realIo), {
      added: (name) => heard.push(`+${name}`),
      dropped: (name) => heard.push(`-${name}`),
      watching: () => false,
    });
    for (const d of ['a', 'a/x', 'b']) mk(d);
  });
  afterEach(() => fs.rmSync(top, { recursive: true, force: true }));

  it('a full walk gives every container from the root down, each with its inode as id', () => {
    const es = tree.walkAll('/');
    expect(es).toEqual([
      { name: '/', id: fs.statSync(top).ino },
      { name: '/a', id: ino('a') },
      { name: '/a/x', id: ino('a/x') },
      { name: '/b', id: ino('b') },
    ]);
    expect(heard).toEqual(['+/', '+/a', '+/a/x', '+/b']);
  });

  it('a full walk forgets who went and takes a container made again for a new one', () => {
    tree.walkAll('/');
    const before = ino('a/x');
    rm('b');
    remake('a/x');
    heard = [];
    const es = tree.walkAll('/');
    expect(names(es)).toEqual(['/', '/a', '/a/x']);
    expect(es[2]!.id).not.toBe(before);
    expect(heard.sort()).toEqual(['+/a/x', '-/a/x', '-/b']);
  });

  it('between full walks it knows only what it is told: relisting a container finds its new children', () => {
    tree.walkAll('/');
    mk('a/y');
    expect(names(tree.entries('/'))).toEqual(['/', '/a', '/a/x', '/b']);
    tree.relist('/a');
    expect(names(tree.entries('/'))).toEqual(['/', '/a', '/a/x', '/a/y', '/b']);
  });

  it('re-validation finds a child no one announced, in the same call', () => {
    tree.walkAll('/');
    mk('a/z');
    tree.revalidate('/a');
    expect(names(tree.entries('/'))).toEqual(['/', '/a', '/a/x', '/a/z', '/b']);
  });

  it('re-validating a container that went drops it and lists its parent again', () => {
    tree.walkAll('/');
    rm('b');
    mk('c');
    tree.revalidate('/b');
    expect(names(tree.entries('/'))).toEqual(['/', '/a', '/a/x', '/c']);
  });

  it('re-validating a container made again under its name gives it its new id', () => {
    tree.walkAll('/');
    const before = ino('a/x');
    remake('a/x');
    tree.revalidate('/a/x');
    expect(ino('a/x')).not.toBe(before);
    expect(tree.entries('/').find((e) => e.name === '/a/x')?.id).toBe(ino('a/x'));
  });

  it("each member holds its parent's member, as the tree knows it: none above the walk's root, the new one when a parent is made again, the root's once a walk starts above it", () => {
    const parentOf = (name: string) => tree.member(name)?.parent;
    tree.walkAll('/a');
    expect(parentOf('/a')).toBeUndefined();
    expect(parentOf('/a/x')).toBe(tree.member('/a'));
    tree.walkAll('/');
    expect(parentOf('/a')).toBe(tree.member('/'));
    expect(parentOf('/a/x')).toBe(tree.member('/a'));
    const old = tree.member('/a');
    rm('a/x');
    remake('a');
    mk('a/x');
    tree.relist('/a');
    expect(tree.member('/a')).not.toBe(old);
    expect(parentOf('/a')).toBe(tree.member('/'));
    expect(parentOf('/a/x')).toBe(tree.member('/a'));
    mk('a/y');
    tree.relist('/a');
    expect(parentOf('/a/y')).toBe(tree.member('/a'));
    tree.walkAll('/a');
    expect(parentOf('/a')).toBeUndefined();
  });

  it('re-validating an unchanged container lists nothing', () => {
    const listed: string[] = [];
    const io = { ...realIo, listDirs: (p: string) => (listed.push(p), realIo.listDirs(p)) };
    const counting = new SampledTree(machineOver(io), { added: () => undefined, dropped: () => undefined, watching: () => false });
    counting.walkAll('/');
    listed.length = 0;
    for (const n of ['/', '/a', '/a/x', '/b']) counting.revalidate(n);
    expect(listed).toEqual([]);
  });
});
