import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { deviceRule, parseDevicesList } from '../../src/engine/resources/devices.js';
import type { DeviceRestriction } from '../../src/messages/types.js';
import { FakeTree, fileIo, handle, v1Tree, v2Tree } from '../fixtures/cgroupfs/fake.js';
import { codeOf } from '../helpers/errors.js';
import { resourcesFor } from '../../src/engine/resources/index.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

describe('deviceRule', () => {
  it.each<[DeviceRestriction, string, string]>([
    [{ permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE', 'MKNOD'], major: 1, minor: 3 }, 'devices.allow', 'c 1:3 rwm'],
    [{ permission: 'DENY', type: 'DEVICE_BLOCK', access: ['WRITE'], major: 8, minor: -1 }, 'devices.deny', 'b 8:* w'],
    [{ permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['MKNOD', 'READ', 'READ'] }, 'devices.allow', 'c *:* rm'],
    [{ permission: 'DENY', type: 'DEVICE_ALL' }, 'devices.deny', 'a *:* rwm'],
    [{ permission: 'ALLOW', type: 'DEVICE_ALL', major: -1, minor: -1, access: ['READ', 'WRITE', 'MKNOD'] }, 'devices.allow', 'a *:* rwm'],
  ])('%j → %s "%s"', (r, file, line) => {
    expect(deviceRule(r, 'r')).toEqual({ file, line });
  });

  it.each<[string, DeviceRestriction, RegExp]>([
    ['no permission', { type: 'DEVICE_CHAR', access: ['READ'] }, /r\.permission/],
    ['no type', { permission: 'ALLOW', access: ['READ'] }, /r\.type/],
    ['no access', { permission: 'ALLOW', type: 'DEVICE_CHAR', major: 1, minor: 3 }, /r\.access/],
    ['bad access', { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['EXEC' as never] }, /EXEC/],
    ['negative major', { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ'], major: -2 }, /r\.major/],
    ['DEVICE_ALL with a number', { permission: 'DENY', type: 'DEVICE_ALL', major: 1 }, /DEVICE_ALL/],
    ['DEVICE_ALL with partial access', { permission: 'ALLOW', type: 'DEVICE_ALL', access: ['READ'] }, /r\.access: DEVICE_ALL/],
  ])('%s → INVALID_ARGUMENT naming the field', (_, r, msg) => {
    expect(() => deviceRule(r, 'r')).toThrow(msg);
    expect(codeOf(() => deviceRule(r, 'r'))).toBe(Code.INVALID_ARGUMENT);
  });
});

describe('parseDevicesList', () => {
  it('parses allow entries', () => {
    expect(parseDevicesList('a *:* rwm\nc 1:3 rw\nb 8:* m\n')).toEqual([
      { permission: 'ALLOW', type: 'DEVICE_ALL', access: ['READ', 'WRITE', 'MKNOD'], major: -1, minor: -1 },
      { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE'], major: 1, minor: 3 },
      { permission: 'ALLOW', type: 'DEVICE_BLOCK', access: ['MKNOD'], major: 8, minor: -1 },
    ]);
    expect(parseDevicesList('')).toEqual([]);
  });

  it.each(['x 1:3 rwm', 'c 1 rwm', 'c 1:3', 'c 1:3 rwx'])('%j is malformed', (line) => {
    expect(parseDevicesList(line)).toBeUndefined();
  });
});

describe('devices v1', () => {
  const nullDev: DeviceRestriction = { permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE'], major: 1, minor: 3 };
  const denyAll: DeviceRestriction = { permission: 'DENY', type: 'DEVICE_ALL' };

  function setup(parentList = 'a *:* rwm\n') {
    const dirs = v1Tree(tree, ['devices'], { devices: { 'devices.list': parentList } });
    const io = fileIo();
    return { h: handle({ version: 1, dirs, io }), dir: dirs.devices!, io };
  }

  it('create writes the restrictions in order', () => {
    const { h, io } = setup();
    h.resources.devices.apply(h, { device: { restrictions_set: { restrictions: [denyAll, nullDev] } } }, 'create');
    expect(io.writes).toEqual([
      { file: 'devices.deny', value: 'a *:* rwm' },
      { file: 'devices.allow', value: 'c 1:3 rw' },
    ]);
  });

  it('replace first resets to an allow-all parent in one write', () => {
    const { h, io } = setup();
    h.resources.devices.apply(h, { device: { restrictions_set: { restrictions: [nullDev] } } }, 'replace');
    expect(io.writes.map((w) => `${w.file}:${w.value}`)).toEqual(['devices.allow:a', 'devices.allow:c 1:3 rw']);
  });

  it('replace under a restricted parent rebuilds its list', () => {
    const { h, io } = setup('c 1:3 rwm\nc 1:5 rwm\n');
    h.resources.devices.apply(h, { device: {} }, 'replace');
    expect(io.writes.map((w) => `${w.file}:${w.value}`)).toEqual(['devices.deny:a', 'devices.allow:c 1:3 rwm', 'devices.allow:c 1:5 rwm']);
  });

  it('an EPERM (allowing what the parent denies) names the rule and the reason', () => {
    const dirs = v1Tree(tree, ['devices']);
    const io = withFaults(fileIo(), [{ op: 'writeFile', path: 'devices.allow', errno: 'EPERM' }]);
    const h = handle({ version: 1, dirs, io });
    expect(() => h.resources.devices.apply(h, { device: { restrictions_set: { restrictions: [nullDev] } } }, 'diff')).toThrow(
      /restrictions\[0\] of \/test to c 1:3 rw \(a container cannot allow a device its parent denies\)/,
    );
  });

  it('reads devices.list back', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/devices.list`, 'c 1:3 rw\n');
    expect(h.resources.devices.read(h)).toEqual({
      device: { restrictions_set: { restrictions: [{ permission: 'ALLOW', type: 'DEVICE_CHAR', access: ['READ', 'WRITE'], major: 1, minor: 3 }] } },
    });
    tree.write(`${dir}/devices.list`, 'what\n');
    expect(codeOf(() => h.resources.devices.read(h))).toBe(Code.DATA_LOSS);
  });
});

describe('devices v2', () => {
  it('validate and apply are UNIMPLEMENTED; read is undefined', () => {
    const spec = { device: { restrictions_set: { restrictions: [] } } };
    expect(codeOf(() => resourcesFor(2).devices.validate(spec))).toBe(Code.UNIMPLEMENTED);
    const h = handle({ version: 2, unified: v2Tree(tree) });
    expect(codeOf(() => h.resources.devices.apply(h, spec, 'create'))).toBe(Code.UNIMPLEMENTED);
    expect(h.resources.devices.read(h)).toBeUndefined();
    expect(resourcesFor(2).devices.validate({})).toBeUndefined();
  });
});
