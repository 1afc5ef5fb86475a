import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockDeviceName } from '../../src/engine/kernel/block-devices.js';
import { realIo } from '../../src/engine/kernel/io.js';

describe('blockDeviceName', () => {
  const sys = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-sysfs-'));
  const device = (id: string, uevent: string) => {
    fs.mkdirSync(path.join(sys, 'dev/block', id), { recursive: true });
    fs.writeFileSync(path.join(sys, 'dev/block', id, 'uevent'), uevent);
  };
  device('8:0', 'MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n');
  device('253:3', 'MAJOR=253\nMINOR=3\nDEVNAME=dm-3\n');
  device('7:9', 'MAJOR=7\nMINOR=9\n');
  afterAll(() => fs.rmSync(sys, { recursive: true, force: true }));

  it.each([
    [8, 0, '/dev/sda'],
    [253, 3, '/dev/dm-3'],
    [7, 9, undefined],
    [1, 1, undefined],
  ])('%i:%i → %s', (major, minor, name) => {
    expect(blockDeviceName(realIo, major, minor, sys)).toBe(name);
  });
});
