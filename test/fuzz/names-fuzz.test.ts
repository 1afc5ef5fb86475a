/**
 * Fuzzing container names and roots (docs/RELIABILITY.md 18, 23): any string — any code unit, NUL,
 * unicode, names at and beyond the 255-per-component and 4096-total limits, deep `..`
 * climbs — resolves to a clean name that maps inside lmctfy's root in every hierarchy, or is
 * INVALID_ARGUMENT. FUZZ_RUNS sets the number of runs (default 1,000).
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { V1_CONTROLLERS } from '../../src/engine/kernel/layout.js';
import { MAX_COMPONENT, MAX_NAME, resolveName } from '../../src/engine/names.js';
import { expectCleanName, offlineMachine, returnsOrFailsCleanly } from '../helpers/properties.js';

const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const timeout = Math.max(30_000, runs * 3);

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const nameChar = fc.constantFrom(...'abcXYZ019_-./'.split(''));
/** A component length around the limit, and a component made of allowed characters. */
const nearLimit = fc.integer({ min: MAX_COMPONENT - 2, max: MAX_COMPONENT + 2 });
const longComponent = fc.tuple(fc.constantFrom('a', '9', '.', '_'), nearLimit).map(([first, n]) => first + 'x'.repeat(n - 1));
const longName = fc
  .tuple(fc.array(longComponent, { minLength: 14, maxLength: 18 }), fc.boolean())
  .map(([cs, abs]) => (abs ? '/' : '') + cs.join('/'))
  .filter((n) => Math.abs(n.length - MAX_NAME) < 600);
const anyName = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.string({ unit: nameChar, maxLength: 300 }),
  fc.string({ unit: nameChar, minLength: MAX_NAME - 10, maxLength: MAX_NAME + 10 }),
  longName,
  fc.array(fc.constantFrom('..', '.', '', 'a', '..a', 'a..'), { maxLength: 400 }).map((xs) => xs.join('/')),
);
const caller = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 5 }).map((cs) => '/' + cs.join('/'));

describe('names from any string', () => {
  it('resolve cleanly, agree with POSIX resolution, and stay under the root dir', () => {
    const roots = ['/', 'lmctfy-fuzz', '/abs/root'].map((r) => offlineMachine(r, r === '/'));
    fc.assert(
      fc.property(anyName, caller, (name, from) => {
        const r = returnsOrFailsCleanly(() => resolveName(name, from), [Code.INVALID_ARGUMENT]);
        if (r instanceof LmctfyError) return;
        expectCleanName(r);
        expect(r.length).toBeLessThanOrEqual(MAX_NAME + from.length + 1);
        expect(r).toBe(path.posix.resolve(from, name));
        for (const m of roots) {
          for (const c of V1_CONTROLLERS) {
            const top = m.dirOf('/', c)!;
            const dir = m.dirOf(r, c)!;
            expect(path.posix.relative(top, dir).startsWith('..')).toBe(false);
            expect(path.posix.normalize(dir)).toBe(dir);
          }
        }
      }),
      { numRuns: runs },
    );
  }, timeout);

  it('--root values are refused or anchored below where they point', () => {
    const rootish = fc.oneof(fc.string({ unit: codeUnit, maxLength: 40 }), fc.string({ unit: nameChar, maxLength: 60 }));
    fc.assert(
      fc.property(rootish, (root) => {
        const m = returnsOrFailsCleanly(() => offlineMachine(root), [Code.INVALID_ARGUMENT]);
        if (m instanceof LmctfyError) return;
        for (const c of V1_CONTROLLERS) {
          const dir = m.dirOf('/', c)!;
          expect(path.posix.normalize(dir)).toBe(dir);
          expect(dir.startsWith(`/sys/fs/cgroup/${c}`)).toBe(true);
        }
      }),
      { numRuns: runs },
    );
  }, timeout);
});
