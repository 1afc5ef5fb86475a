import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { parseHelperStatus, startError } from '../../src/engine/vhost/failure.js';
import { planVirtualHost, prefixOf, startArgs } from '../../src/engine/vhost/plan.js';
import { elfIsDynamic } from '../../src/engine/vhost/rootfs.js';
import type { ContainerSpec } from '../../src/messages/types.js';

function refusal(spec: ContainerSpec): [Code, string] {
  try {
    planVirtualHost(spec);
  } catch (e) {
    if (e instanceof LmctfyError) return [e.code, e.message];
    throw e;
  }
  throw new Error('accepted');
}

describe('planVirtualHost', () => {
  it.each<[string, ContainerSpec, string, string[]]>([
    ['an empty VirtualHostSpec: pid, ipc and mount namespaces, lmctfy\'s init', { virtual_host: {} }, 'mpi', ['start', '--ns', 'mpi', '--']],
    ['a hostname adds uts', { virtual_host: { virtual_hostname: 'vh1' } }, 'mpiu', ['start', '--ns', 'mpiu', '--hostname', 'vh1', '--']],
    ['an empty network adds net', { virtual_host: { network: {} } }, 'mpin', ['start', '--ns', 'mpin', '--']],
    [
      'rootfs, mounts and init',
      {
        virtual_host: { init: { init_argv: ['/sbin/init', '-v'] } },
        filesystem: { rootfs: '/srv/r/', mounts: { mount: [{ source: '/a', target: '/b', read_only: true }, { source: '/c', target: '/d//e', private: true }] } },
      },
      'mpi',
      ['start', '--ns', 'mpi', '--rootfs', '/srv/r/', '--state', '/S', '--bind', 'ro+slave', '/a', '/b', '--bind', 'rw+private', '/c', '/d/e', '--', '/sbin/init', '-v'],
    ],
  ])('%s', (_what, spec, ns, args) => {
    const plan = planVirtualHost(spec)!;
    expect(plan.namespaces).toBe(ns);
    expect(startArgs(plan, '/S')).toEqual(args);
  });

  it('a veth pair on a bridge with an address: the network plan, made by the helper over netlink', () => {
    const plan = planVirtualHost({
      virtual_host: {
        network: {
          connection: { veth_pair: { outside: 'vh1o', inside: 'eth0' }, bridge: { name: 'br0' } },
          virtual_ip: { ip: '10.200.0.2', netmask: '255.255.255.0', gateway: '10.200.0.1', mtu: 1500, ip_forward: true },
        },
      },
    })!;
    expect(plan.network).toEqual({ outside: 'vh1o', inside: 'eth0', bridge: 'br0', address: { ip: '10.200.0.2', prefix: 24 }, gateway: '10.200.0.1', mtu: 1500, ipForward: true });
    const net = ['--veth', 'vh1o', 'eth0', '--bridge', 'br0', '--mtu', '1500', '--address', '10.200.0.2', '24', '--gateway', '10.200.0.1', '--forward'];
    expect(startArgs(plan, '/S')).toEqual(['start', '--ns', 'mpin', ...net, '--']);
  });

  it('bandwidth limits: PID 1 waits at its gate while tc shapes the pair from outside', () => {
    const plan = planVirtualHost({ virtual_host: { network: { connection: { veth_pair: { outside: 'o', inside: 'i' } } } }, network: { egress_limit: 1e6 } })!;
    expect(startArgs(plan, '/S')).toEqual(['start', '--ns', 'mpin', '--veth', 'o', 'i', '--gate', '--']);
  });

  it.each([['255.255.255.255', 32], ['255.255.254.0', 23], ['0.0.0.0', 0], ['255.0.255.0', undefined], ['255.255.255', undefined]])('netmask %s is /%s', (mask, prefix) => {
    expect(prefixOf(mask as string)).toBe(prefix);
  });

  it('an owner: a user namespace mapping root to the owner, with a net namespace of its own', () => {
    const plan = planVirtualHost({ owner: 1234, owner_group: 99, virtual_host: {} })!;
    expect(startArgs(plan, '/S')).toEqual(['start', '--ns', 'mpin', '--userns', '1234', '99', '--']);
    expect(planVirtualHost({ owner: 1234, virtual_host: {} })!.userns).toEqual({ uid: 1234, gid: 1234 });
    expect(planVirtualHost({ owner: 0, virtual_host: {} })!.userns).toBeUndefined();
  });

  it('no virtual_host: no plan', () => {
    expect(planVirtualHost({ memory: { limit: 1 } })).toBeUndefined();
  });

  it.each<[string, ContainerSpec, Code, RegExp]>([
    ['rootfs without virtual_host', { filesystem: { rootfs: '/r' } }, Code.INVALID_ARGUMENT, /need virtual_host/],
    ['relative rootfs', { virtual_host: {}, filesystem: { rootfs: 'r' } }, Code.INVALID_ARGUMENT, /"r" is a relative path/],
    ['rootfs with ..', { virtual_host: {}, filesystem: { rootfs: '/a/../b' } }, Code.INVALID_ARGUMENT, /contains "\.\."/],
    ['rootfs an overlay option cannot hold', { virtual_host: {}, filesystem: { rootfs: '/a,b' } }, Code.INVALID_ARGUMENT, /overlay mount cannot take/],
    ['rootfs /', { virtual_host: {}, filesystem: { rootfs: '/' } }, Code.INVALID_ARGUMENT, /host's own root/],
    ['mounts without rootfs', { virtual_host: {}, filesystem: { mounts: { mount: [{ source: '/a', target: '/b' }] } } }, Code.INVALID_ARGUMENT, /need filesystem.rootfs/],
    ['relative mount source', { virtual_host: {}, filesystem: { rootfs: '/r', mounts: { mount: [{ source: 'a', target: '/b' }] } } }, Code.INVALID_ARGUMENT, /mount\[0\]\.source "a" is a relative path/],
    ['mount on /', { virtual_host: {}, filesystem: { rootfs: '/r', mounts: { mount: [{ source: '/a', target: '/' }] } } }, Code.INVALID_ARGUMENT, /target is "\/"/],
    ['a bad hostname', { virtual_host: { virtual_hostname: 'a b' } }, Code.INVALID_ARGUMENT, /not a host name/],
    ['an empty init program', { virtual_host: { init: { init_argv: [''] } } }, Code.INVALID_ARGUMENT, /program .* is empty/],
    ['a host interface moved in', { virtual_host: { network: { interface: 'eth1' } } }, Code.UNIMPLEMENTED, /network.interface .* not implemented yet/],
    ['an Open vSwitch bridge', { virtual_host: { network: { connection: { veth_pair: { outside: 'o', inside: 'i' }, bridge: { name: 'br', type: 'OVS' } } } } }, Code.UNIMPLEMENTED, /OVS/],
    ['an address without a veth pair', { virtual_host: { network: { virtual_ip: { ip: '10.0.0.2', netmask: '255.0.0.0' } } } }, Code.INVALID_ARGUMENT, /virtual_ip needs connection.veth_pair/],
    ['a bridge without a veth pair', { virtual_host: { network: { connection: { bridge: { name: 'br' } } } } }, Code.INVALID_ARGUMENT, /bridge needs connection.veth_pair/],
    ['a long interface name', { virtual_host: { network: { connection: { veth_pair: { outside: 'a-very-long-name-0', inside: 'i' } } } } }, Code.INVALID_ARGUMENT, /not an interface name/],
    ['a netmask with holes', { virtual_host: { network: { connection: { veth_pair: { outside: 'o', inside: 'i' } }, virtual_ip: { ip: '10.0.0.2', netmask: '255.0.255.0' } } } }, Code.INVALID_ARGUMENT, /is not a netmask/],
    ['a gateway off the subnet', { virtual_host: { network: { connection: { veth_pair: { outside: 'o', inside: 'i' } }, virtual_ip: { ip: '10.0.0.2', netmask: '255.255.255.0', gateway: '10.0.1.1' } } } }, Code.INVALID_ARGUMENT, /outside 10.0.0.2\/24/],
    ['an MTU too small', { virtual_host: { network: { connection: { veth_pair: { outside: 'o', inside: 'i' } }, virtual_ip: { ip: '10.0.0.2', netmask: '255.255.255.0', mtu: 10 } } } }, Code.INVALID_ARGUMENT, /mtu 10/],
  ])('refuses %s', (_what, spec, code, message) => {
    const [c, m] = refusal(spec);
    expect(Code[c]).toBe(Code[code]);
    expect(m).toMatch(message);
  });
});

describe('the vhost helper status', () => {
  it.each<[string, ReturnType<typeof parseHelperStatus>]>([
    ['', {}],
    ['pid 1234\n', { pid: 1234 }],
    ['pivot_root 22\n', { failure: { step: 'pivot_root', errno: 22 } }],
    ['bind:3 2\n', { failure: { step: 'bind:3', errno: 2 } }],
  ])('%j', (text, parsed) => {
    expect(parseHelperStatus(text)).toEqual(parsed);
  });

  it('anything else is INTERNAL', () => {
    expect(() => parseHelperStatus('garbage here\n')).toThrowError(/reported "garbage here"/);
  });

  it('a failed step says what to fix, naming the mount by its place in the spec', () => {
    const plan = planVirtualHost({ virtual_host: { init: { init_argv: ['/sbin/init'] } }, filesystem: { rootfs: '/r', mounts: { mount: [{ source: '/a', target: '/b' }] } } })!;
    expect(startError({ step: 'init', errno: 2 }, '/vh', plan).message).toBe('cannot start virtual host /vh: its init /sbin/init does not exist in the rootfs /r (give its absolute path inside)');
    expect(startError({ step: 'bind:0', errno: 2 }, '/vh', plan).message).toMatch(/mount\[0\]: source \/a does not exist/);
    expect(startError({ step: 'unshare', errno: 1 }, '/vh', plan).code).toBe(Code.PERMISSION_DENIED);
    expect(startError({ step: 'pivot_root', errno: 22 }, '/vh', plan).message).toMatch(/pivot_root: EINVAL\); the rootfs must be/);
  });
});

describe('elfIsDynamic', () => {
  /** A little-endian ELF64 header with program headers of the given types. */
  function elf64(types: number[]): Buffer {
    const b = Buffer.alloc(64 + 56 * types.length);
    b.writeUInt32BE(0x7f454c46, 0);
    b[4] = 2;
    b[5] = 1;
    b.writeBigUInt64LE(64n, 32);
    b.writeUInt16LE(56, 54);
    b.writeUInt16LE(types.length, 56);
    types.forEach((t, i) => b.writeUInt32LE(t, 64 + 56 * i));
    return b;
  }
  it.each<[string, Buffer, boolean | undefined]>([
    ['static (LOAD, NOTE)', elf64([1, 4]), false],
    ['dynamic (PHDR, INTERP, LOAD)', elf64([6, 3, 1]), true],
    ['not ELF', Buffer.from('#!/bin/sh\n'.padEnd(64)), undefined],
    ['truncated program headers', elf64([1]).subarray(0, 66), undefined],
  ])('%s', (_what, image, dynamic) => {
    expect(elfIsDynamic(image)).toBe(dynamic);
  });
});
