import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseText } from '../../src/messages/codec.js';
import type { ContainerSpec } from '../../src/messages/types.js';
import { describeCgroups, hasUnified, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { fieldsUnknownToOriginal } from '../fixtures/original-schema.js';

// `lmctfy spec` as a user reads it (the built CLI, real cgroups): what was asked comes
// back, and a container made with the original's fields alone prints nothing the original
// lmctfy.proto cannot parse.

function suite(version: 1 | 2) {
  const t = testRoot(`spec-v${version}`, version);
  const env = { LMCTFY_CGROUP_VERSION: String(version) };
  const cli = (...args: string[]) => lmctfy(t.root, args, { env });
  const specOf = (name: string): ContainerSpec => {
    const r = cli('spec', name);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return parseText<ContainerSpec>('ContainerSpec', r.stdout);
  };
  beforeAll(() => {
    expect(cli('init', '').code).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('a container made with no fields prints only original fields (no pids)', () => {
    expect(cli('create', '/plain', '').code).toBe(0);
    const spec = specOf('/plain');
    expect(spec.pids).toBeUndefined();
    expect(fieldsUnknownToOriginal(spec)).toEqual([]);
  });

  if (version === 1) {
    it('the check sees our field where the container sets it', () => {
      expect(cli('create', '/limited', 'pids { limit: 10 }').code).toBe(0);
      expect(fieldsUnknownToOriginal(specOf('/limited'))).toEqual(['pids']);
    });

    it('original cpu and memory fields print only original fields', () => {
      expect(cli('create', '/orig', 'cpu { limit: 500 max_limit: 1500 } memory { limit: 67108864 }').code).toBe(0);
      const spec = specOf('/orig');
      expect(spec.cpu).toEqual({ limit: 500, max_limit: 1500 });
      expect(spec.memory?.limit).toBe(67108864);
      expect(fieldsUnknownToOriginal(spec)).toEqual([]);
    });

    it.each([200, 0, 1000, 2500])('update cpu.limit %s reads back as asked (the kernel holds it rounded)', (limit) => {
      const name = `/tm${limit}`;
      expect(cli('create', name, 'cpu { limit: 1000 }').code).toBe(0);
      const r = cli('update', 'diff', name, `cpu:{limit:${limit}}`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(specOf(name).cpu?.limit).toBe(limit);
    });

    it('a memory limit the kernel rounds to whole pages is applied, said on stderr, and read back as held', () => {
      expect(cli('create', '/pages', 'memory { limit: 67108864 }').code).toBe(0);
      const r = cli('update', 'diff', '/pages', 'memory:{limit:100000000}');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('lmctfy: memory.limit 100000000 is held as 99999744 (whole 4096-byte pages)\n');
      expect(specOf('/pages').memory?.limit).toBe(99999744);
    });

    it.each(['9223372036854775807', '9223372036854771712'])('memory.limit %s (the kernel\'s own unlimited) is accepted as unlimited', (value) => {
      const name = `/m${value.slice(-4)}`;
      expect(cli('create', name, 'memory { limit: 67108864 }').code).toBe(0);
      const r = cli('update', 'diff', name, `memory:{limit:${value}}`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(specOf(name).memory?.limit).toBe(-1);
    });
  }
}

describeCgroups('spec round trip and the original schema (cgroup v1)', () => suite(1));

if (hasUnified) describeCgroups('spec round trip and the original schema (cgroup v2)', () => suite(2));
