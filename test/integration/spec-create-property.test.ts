/**
 * Properties of ContainerApi.create over generated specs on a real test root (docs/RELIABILITY.md
 * 16, 19, 20): a spec the rules reject is INVALID_ARGUMENT before the kernel is written
 * (no mkdir, write, chown or rmdir recorded); any spec either creates the container or
 * fails with a canonical code leaving nothing behind.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { realIo } from '../../src/engine/kernel/io.js';
import type { ContainerSpec } from '../../src/messages/types.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';

const WRITES = new Set(['mkdir', 'writeFile', 'chown', 'rmdir', 'kill']);

/** Fields that are valid on their own on cgroup v1, one resource each. */
const validPart: fc.Arbitrary<ContainerSpec> = fc.oneof(
  fc.record({
    cpu: fc.record(
      {
        limit: fc.integer({ min: 0, max: 10_000 }),
        max_limit: fc.integer({ min: 10, max: 2000 }),
        // CPU 2 and up may not exist: a mask the kernel side refuses must roll back.
        mask: fc.constantFrom(1, 3, 4, 1 << 20).map((word) => ({ data: [word] })),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ memory: fc.record({ limit: fc.constantFrom(-1, 50_000_000, 400_000_000), reservation: fc.constantFrom(0, 4096, 10_000_000) }, { requiredKeys: [] }) }),
  fc.record({ pids: fc.record({ limit: fc.integer({ min: -1, max: 1000 }) }) }),
  fc.record({ blockio: fc.record({ device_limit_set: fc.record({ default_limit: fc.integer({ min: 10, max: 1000 }) }) }) }),
  fc.record({ owner: fc.integer({ min: 0, max: 60_000 }), owner_group: fc.integer({ min: 0, max: 60_000 }) }, { requiredKeys: [] }),
);

/** Fragments the spec rules reject whatever else the spec holds (docs/RELIABILITY.md 20). */
const INVALID: ContainerSpec[] = [
  { cpu: { limit: -1 } },
  { cpu: { limit: 1.5 } },
  { cpu: { limit: 300_000 } },
  { cpu: { limit: 2 ** 53 } },
  { cpu: { max_limit: 0 } },
  { cpu: { max_limit: 9 } },
  { cpu: { max_limit: -5 } },
  { cpu: { scheduling_latency: 'BEST_EFFORT', limit: 100 } },
  { cpu: { scheduling_latency: 'FASTEST' as never } },
  { cpu: { mask: { data: [] } } },
  { cpu: { mask: { data: [-1] } } },
  { cpu: { mask: { data: [2 ** 60] } } },
  { memory: { limit: 12 } },
  { memory: { limit: 0 } },
  { memory: { limit: -2 } },
  { memory: { limit: 4095 } },
  { memory: { limit: 1.5e6 + 0.5 } },
  { memory: { reservation: -3 } },
  { memory: { limit: 100_000_000, swap_limit: 50_000_000 } },
  { pids: { limit: -2 } },
  { pids: { limit: 4_194_305 } },
  { pids: { limit: 0.5 } },
  { blockio: { device_limit_set: { default_limit: 0 } } },
  { blockio: { device_limit_set: { default_limit: 1001 } } },
  { blockio: { device_limit_set: { device_limits: [{ device: { major: 8, minor: 0 } }] } } },
  { device: { restrictions_set: { restrictions: [{ type: 'DEVICE_CHAR', major: 1, minor: 3, access: ['READ'] }] } } },
  { device: { restrictions_set: { restrictions: [{ permission: 'ALLOW', type: 'DEVICE_ALL', major: 1 }] } } },
  { device: { restrictions_set: { restrictions: [{ permission: 'DENY', type: 'DEVICE_CHAR', major: 1, minor: 3 }] } } },
  { owner: -1 },
  { owner: 1.5 },
  { owner_group: 2 ** 32 },
];

function merge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  const out = { ...into };
  for (const [k, v] of Object.entries(from)) {
    const cur = out[k];
    out[k] = cur && typeof cur === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

const specFrom = (parts: ContainerSpec[]) => parts.reduce<Record<string, unknown>>((a, p) => merge(a, p as Record<string, unknown>), {}) as ContainerSpec;
const invalidSpec = fc.tuple(fc.array(validPart, { maxLength: 4 }), fc.constantFrom(...INVALID), fc.array(validPart, { maxLength: 2 })).map(([pre, bad, post]) =>
  // The rejected fragment goes last among what it sets, so a valid part cannot overwrite it.
  merge(specFrom([...pre, ...post]) as Record<string, unknown>, bad as Record<string, unknown>) as ContainerSpec,
);
const name = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), fc.constantFrom('/sub/deeper', '../../escape', 'ok'));

async function failure(p: Promise<unknown>): Promise<LmctfyError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof LmctfyError) return e;
    throw e;
  }
}

describeCgroups('create with generated specs on real cgroups', () => {
  const t = testRoot('specprop');
  const io = withFaults(realIo, []);
  let api: ContainerApi;
  beforeAll(async () => {
    await ContainerApi.init({}, { root: t.root });
    api = ContainerApi.open({ root: t.root, io });
  });
  afterAll(() => t.cleanup());

  it('a spec the rules reject is INVALID_ARGUMENT and nothing is written to the kernel', async () => {
    await fc.assert(
      fc.asyncProperty(name, invalidSpec, async (n, spec) => {
        io.calls.length = 0;
        const err = await failure(api.create(n, spec));
        expect(err?.code, JSON.stringify(spec)).toBe(Code.INVALID_ARGUMENT);
        expect(io.calls.filter((c) => WRITES.has(c.op))).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });

  it('any spec creates the container or fails with a canonical code leaving nothing behind', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(validPart, validPart, fc.constantFrom(...INVALID)), { maxLength: 4 }), async (parts) => {
        const c = `any${n++}`;
        const err = await failure(api.create(c, specFrom(parts)));
        if (err === undefined) {
          await api.destroy(c);
          return;
        }
        expect(err.code).toBeGreaterThanOrEqual(1);
        expect(err.code).toBeLessThanOrEqual(15);
        expect(rootDirs(t.root).filter((d) => fs.existsSync(`${d}/${c}`))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
