import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import type { RawContainerSample, RawSample } from '../../src/stats/model.js';
import { PassDecoder, PassEncoder } from '../../src/stats/pass-message.js';

const ctr = (name: string, usage: number, id = 1): RawContainerSample => ({
  name,
  id,
  stats: { cpu: { usage: { total: usage } }, memory: { usage: 4096 } },
  limits: {},
});
const pass = (n: number, containers: RawContainerSample[], host = true): RawSample => ({
  timestamp: `2026-12-02T12:00:0${n}.000Z`,
  monoNs: n * 1e9,
  containers,
  ...(host ? { host: { hostname: 'h', cpus: 2, load: [0, 0, 0], memoryTotal: 1, memoryAvailable: 1 } } : {}),
}) as RawSample;

describe('PassEncoder and PassDecoder', () => {
  // Each step: the pass sent, and which containers cross as their name only.
  const steps: [RawSample, string[]][] = [
    [pass(0, [ctr('/', 10), ctr('/a', 5), ctr('/b', 7)]), []],
    [pass(1, [ctr('/', 12), ctr('/a', 5), ctr('/b', 7)]), ['/a', '/b']],
    // /b is gone, /c is new, /a recreated (new id): only the unchanged root is a name.
    [pass(2, [ctr('/', 12), ctr('/a', 5, 2), ctr('/c', 1)], false), ['/']],
    // /b comes back: the encoder forgot it with the pass it was missing from.
    [pass(3, [ctr('/', 12), ctr('/b', 7), ctr('/c', 1)]), ['/', '/c']],
  ];

  it('gives every pass back whole, in order, and sends unchanged containers as their names', () => {
    const enc = new PassEncoder();
    const dec = new PassDecoder();
    let before: RawSample | undefined;
    for (const [raw, sameNames] of steps) {
      const text = enc.encode(raw);
      const sent = (JSON.parse(text) as { containers: unknown[] }).containers;
      expect(sent.filter((c) => typeof c === 'string')).toEqual(sameNames);
      const got = dec.decode(text);
      expect(got).toEqual(raw);
      // What crossed as a name is the object the receiver already held.
      for (const name of sameNames) expect(got.containers.find((c) => c.name === name)).toBe(before!.containers.find((c) => c.name === name));
      before = got;
    }
  });

  it('a name the receiver never held is an INTERNAL error', () => {
    const enc = new PassEncoder();
    enc.encode(pass(0, [ctr('/a', 1)]));
    const text = enc.encode(pass(1, [ctr('/a', 1)]));
    const err = (() => {
      try {
        new PassDecoder().decode(text);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).code).toBe(Code.INTERNAL);
  });
});
