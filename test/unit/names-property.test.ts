/**
 * Properties of container names over generated path-shaped input (docs/INTERFACE.md "Container
 * names", docs/RELIABILITY.md 18 and 23): a name resolves to a clean absolute name that agrees with
 * POSIX path resolution, or it is INVALID_ARGUMENT; a resolved name never maps to a kernel
 * directory outside lmctfy's root. Long runs: test/fuzz/names-fuzz.test.ts.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { V1_CONTROLLERS } from '../../src/engine/kernel/layout.js';
import { MAX_COMPONENT, MAX_NAME, resolveName } from '../../src/engine/names.js';
import { CONTROL_FILES, expectCleanName, isControlFileName, offlineMachine } from '../helpers/properties.js';

const RUNS = { numRuns: 1500 };
/** The name examples of docs/INTERFACE.md (caller in /top): checked against the same properties first. */
const CONTRACT_VECTORS = [
  ...['/', '//', 'test', './test', '.', './', '..', '/..', '../test', '/top/../test', '/test..test', '/test..', '/test../test'],
  ...['//test/test2//test3///', '/test/././././test1///', '/90', '/with.dots.in.name', '/with-dash-in-name', '/with_underscore_in_name'],
  ...['', '<', '+', '/.badname', '/_badname', '../.badname', '_badname'],
];

const safeComponent = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,11}$/).filter((c) => !isControlFileName(c));
/** Components a user might type, good and bad: dots, control files, limits, foreign characters. */
const anyComponent = fc.oneof(
  { weight: 4, arbitrary: safeComponent },
  {
    weight: 3,
    arbitrary: fc.constantFrom('', '.', '..', '...', 'test..', '.bad', '_bad', '-bad', 'a b', 'caf\u00e9', 'a\0b', 'x\ny', 'a:b', '*', '~'),
  },
  { weight: 1, arbitrary: fc.constantFrom(...CONTROL_FILES) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(MAX_COMPONENT), 'b'.repeat(MAX_COMPONENT + 1)) },
);
const pathOf = (parts: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.boolean(), fc.array(parts, { maxLength: 8 }), fc.boolean())
    .map(([abs, cs, trailing]) => `${abs ? '/' : ''}${cs.join('/')}${trailing ? '/' : ''}`);
const pathish = pathOf(anyComponent);
/** The caller's own container: always a resolved name. */
const base = fc.array(safeComponent, { maxLength: 4 }).map((cs) => '/' + cs.join('/'));

/** resolveName, with any failure required to be INVALID_ARGUMENT naming the container name. */
function resolveOrInvalid(name: string, from: string): string | undefined {
  try {
    return resolveName(name, from);
  } catch (e) {
    expect(e).toBeInstanceOf(LmctfyError);
    expect((e as LmctfyError).code).toBe(Code.INVALID_ARGUMENT);
    expect((e as LmctfyError).message).toMatch(/^invalid container name "/);
    return undefined;
  }
}

describe('resolveName over path-shaped input', () => {
  it('is INVALID_ARGUMENT or a clean absolute name equal to POSIX resolution against the caller', () => {
    fc.assert(
      fc.property(pathish, base, (name, from) => {
        const r = resolveOrInvalid(name, from);
        if (r === undefined) return;
        expectCleanName(r);
        expect(r).toBe(path.posix.resolve(from, name));
        // A resolved name means itself wherever the caller is.
        expect(resolveName(r, '/elsewhere')).toBe(r);
      }),
      { ...RUNS, examples: CONTRACT_VECTORS.map((v): [string, string] => [v, '/top']) },
    );
  });

  it('accepts exactly the names whose cleaned components are all valid', () => {
    fc.assert(
      fc.property(pathish, base, (name, from) => {
        const cleaned = path.posix.resolve(from, name);
        const parts = cleaned === '/' ? [] : cleaned.slice(1).split('/');
        const valid =
          name !== '' &&
          name.length <= MAX_NAME &&
          /^[a-zA-Z0-9_./-]+$/.test(name) &&
          parts.every((c) => /^[a-zA-Z0-9]/.test(c) && c.length <= MAX_COMPONENT && !isControlFileName(c));
        expect(resolveOrInvalid(name, from)).toBe(valid ? cleaned : undefined);
      }),
      RUNS,
    );
  });

  it('ignores `//`, `/./` and `x/..` noise between components', () => {
    const noise = fc.constantFrom('/', '//', '/./', '/noise/../', '/./n/./../');
    fc.assert(
      fc.property(fc.array(fc.tuple(safeComponent, noise), { minLength: 1, maxLength: 6 }), (parts) => {
        const plain = '/' + parts.map(([c]) => c).join('/');
        const noisy = parts.map(([c, n]) => `${n}${c}`).join('') + '/';
        expect(resolveName(noisy, '/top')).toBe(resolveName(plain, '/top'));
      }),
      RUNS,
    );
  });

  it('never climbs above `/`: any number of `..` stops there', () => {
    fc.assert(
      fc.property(fc.nat({ max: 40 }), base, fc.array(safeComponent, { maxLength: 3 }), (ups, from, rest) => {
        const name = [...Array<string>(ups).fill('..'), ...rest].join('/') || '.';
        const r = resolveName(name, from);
        expect(r).toBe(path.posix.resolve(from, name));
        const depth = from === '/' ? 0 : from.split('/').length - 1;
        if (ups >= depth) expect(r).toBe('/' + rest.join('/'));
      }),
      RUNS,
    );
  });

  it('rejects every control-file component wherever it appears', () => {
    fc.assert(
      fc.property(fc.array(safeComponent, { maxLength: 3 }), fc.constantFrom(...CONTROL_FILES), fc.array(safeComponent, { maxLength: 3 }), (pre, file, post) => {
        expect(resolveOrInvalid('/' + [...pre, file, ...post].join('/'), '/')).toBeUndefined();
      }),
      RUNS,
    );
  });
});

describe('Machine.dirOf for resolved names (docs/RELIABILITY.md 23)', () => {
  const roots = fc.constantFrom('/', 'lmctfy-test-x', 'a/b', '/abs/root', '/abs', 'nested/deeper/root');

  it('stays at or below the root dir in every hierarchy and maps back to the same name', () => {
    fc.assert(
      fc.property(roots, fc.boolean(), pathish, base, (root, comounted, name, from) => {
        const m = offlineMachine(root, comounted);
        const r = resolveOrInvalid(name, from);
        if (r === undefined) return;
        for (const c of V1_CONTROLLERS) {
          const top = m.dirOf('/', c)!;
          const dir = m.dirOf(r, c)!;
          expect(path.posix.normalize(dir)).toBe(dir);
          expect(dir === top || dir.startsWith(top + '/')).toBe(true);
          expect(path.posix.relative(top, dir)).toBe(r.slice(1));
        }
        expect(m.nameOfDir(m.trackingDir(r))).toBe(r);
      }),
      RUNS,
    );
  });

  it('anchors a relative root below the caller and an absolute one below the mount, or refuses it', () => {
    const rootish = pathOf(anyComponent);
    fc.assert(
      fc.property(rootish, (root) => {
        let m;
        try {
          m = offlineMachine(root);
        } catch (e) {
          expect((e as LmctfyError).code).toBe(Code.INVALID_ARGUMENT);
          return;
        }
        for (const c of V1_CONTROLLERS) {
          const mount = c === 'memory' && !root.startsWith('/') ? '/sys/fs/cgroup/memory/process_api/c84cc817' : `/sys/fs/cgroup/${c}`;
          const dir = m.dirOf('/', c)!;
          expect(path.posix.normalize(dir)).toBe(dir);
          expect(dir === mount || dir.startsWith(mount + '/')).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('the characters a name may hold', () => {
  // Every character code up to U+017F (ASCII, Latin-1, and the letters whose code differs from
  // an ASCII letter's in bit 5 only), after a component's first character and as it.
  const accepted = (name: string) => {
    try {
      resolveName(name);
      return true;
    } catch (e) {
      expect((e as LmctfyError).code).toBe(Code.INVALID_ARGUMENT);
      return false;
    }
  };
  it.each(Array.from({ length: 0x180 }, (_, c) => [c]))('character code %i', (c) => {
    const ch = String.fromCharCode(c);
    expect(accepted(`/a${ch}b`)).toBe(/^[a-zA-Z0-9_./-]$/.test(ch));
    expect(accepted(`/${ch}b`)).toBe(/^[a-zA-Z0-9/]$/.test(ch));
  });
});
