import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceAtomically, writeFileAtomically } from '../../src/engine/atomic-file.js';

describe('replaceAtomically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-atomic-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');

  it('replaces the file whole, with the mode asked, and leaves no temporary beside it', () => {
    fs.writeFileSync(file, 'old');
    writeFileAtomically(file, 'new', 0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });

  it('a write that fails part-way leaves the old file as it was and removes its temporary', () => {
    fs.writeFileSync(file, 'old');
    expect(() =>
      replaceAtomically(file, (tmp) => {
        fs.writeFileSync(tmp, 'half');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });
});
