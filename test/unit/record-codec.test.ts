import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, crc32, unzigzag, zigzag } from '../../src/record/bytes.js';
import { flatten, unflatten } from '../../src/record/flatten.js';
import { FrameDecoder, FrameEncoder } from '../../src/record/frame-codec.js';
import type { RawContainerSample, RawSample } from '../../src/stats/model.js';
import { VIEW } from '../fixtures/sample-view.js';

describe('bytes', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])('varint %d round-trips', (v) => {
    const w = new ByteWriter();
    w.varint(v);
    expect(new ByteReader(w.bytes()).varint()).toBe(v);
  });
  it.each([0, -1, 1, -2, 2 ** 40, -(2 ** 40)])('zigzag %d round-trips', (v) => {
    expect(unzigzag(zigzag(v)!)).toBe(v);
  });
  it('zigzag past the safe range is undefined', () => {
    expect(zigzag(Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });
  it('crc32 is the IEEE CRC of zlib', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('1234'), Buffer.from('56789'))).toBe(0xcbf43926);
  });
  it('a value cut short is DATA_LOSS, not a wrong number', () => {
    const w = new ByteWriter();
    w.string('hello');
    expect(() => new ByteReader(w.bytes().subarray(0, 3)).string()).toThrow(/ends inside a value/);
  });
});

describe('flatten', () => {
  const table: unknown[] = [
    { a: 1, b: { c: 'x', d: [1, 2, { e: true }] } },
    { a: [], b: {}, c: null, d: [[]] },
    { stats: { cpu: { histograms: [{ type: 'ONCPU', stat: [{ bucket: 1, value: 2 }] }] } } },
  ];
  it.each(table)('%j round-trips', (v) => {
    expect(unflatten(flatten(v))).toEqual(v);
  });
  it('leaves undefined fields out', () => {
    expect([...flatten({ a: undefined, b: 1 }).keys()]).toEqual(['b']);
  });
});

const base = (VIEW.containers.map((c) => c.raw) as RawContainerSample[]).map((c) => structuredClone(c));
function pass(i: number, containers: RawContainerSample[]): RawSample {
  return { timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(), monoNs: 1e12 + i * 1e9, containers, host: { hostname: 'node7', cpus: 4, load1: 0.25 * i } };
}
function moved(c: RawContainerSample, by: number): RawContainerSample {
  const out = structuredClone(c);
  if (out.stats.cpu?.usage) out.stats.cpu.usage.total! += by;
  return out;
}

describe('frames', () => {
  it('a keyframe then deltas decode to the passes encoded: containers moving, idle, new, gone, reordered, fields gone', () => {
    const [web, bare] = base as [RawContainerSample, RawContainerSample];
    const extra: RawContainerSample = { name: '/new', id: 99, stats: { memory: { usage: 5 } }, limits: {} };
    const lost = structuredClone(web);
    delete lost.stats.cpu!.histograms;
    const passes = [
      pass(0, [web, bare]),
      pass(1, [moved(web, 10_000_000), bare]),
      pass(2, [moved(web, 20_000_000), bare, extra]),
      pass(3, [extra, moved(web, 20_000_000)]),
      pass(4, [lost, extra]),
      pass(5, [lost, { ...extra, stats: { memory: { usage: 2 ** 60 } } }]),
      pass(6, [bare, lost]),
    ];
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    passes.forEach((p, i) => {
      const frame = enc.encode(p, i === 0);
      expect(dec.decode(frame, i === 0, Date.parse(p.timestamp))).toEqual(p);
    });
  });

  it('a keyframe copies what it wrote of an object seen at the last keyframe, whatever came between, and decodes alike', () => {
    const [web, bare] = base as [RawContainerSample, RawContainerSample];
    const lost = structuredClone(web);
    delete lost.stats.cpu!.histograms;
    // The same objects come back (as a sampler keeping still containers hands them), around changes.
    const passes = [pass(0, [web, bare]), pass(1, [lost, bare]), pass(2, [web, bare]), pass(3, [web, bare]), pass(4, [moved(web, 3), bare]), pass(5, [web, bare])];
    const keys = [true, false, true, false, true, true];
    const enc = new FrameEncoder();
    const frames = passes.map((p, i) => enc.encode(p, keys[i]!));
    // What a keyframe copies is what a fresh encoder writes.
    expect(frames[2]).toEqual(new FrameEncoder().encode(passes[2]!, true));
    expect(frames[5]).toEqual(new FrameEncoder().encode(passes[5]!, true));
    expect(frames[3]!.length).toBeLessThan(40);
    const dec = new FrameDecoder();
    passes.forEach((p, i) => expect(dec.decode(frames[i]!, keys[i]!, Date.parse(p.timestamp))).toEqual(p));
    // A fresh decoder from any keyframe on reads the same.
    const late = new FrameDecoder();
    expect(late.decode(frames[5]!, true, 5)).toEqual({ ...passes[5]!, timestamp: new Date(5).toISOString() });
  });

  it('an idle container costs nothing in a delta frame, and an unchanged sample object is handed out again', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ...structuredClone(base[0]!), name: `/c${i}`, id: i }));
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    const p0 = pass(0, many);
    const key = enc.encode(p0, true);
    const first = dec.decode(key, true, 0);
    const p1 = pass(1, many.map((c, i) => (i === 7 ? moved(c, 5) : c)));
    const delta = enc.encode(p1, false);
    expect(delta.length).toBeLessThan(40);
    expect(key.length).toBeGreaterThan(200 * 50);
    const second = dec.decode(delta, false, 1);
    expect(second.containers[7]!.stats.cpu!.usage!.total).toBe(many[7]!.stats.cpu!.usage!.total! + 5);
    expect(second.containers[8]).toBe(first.containers[8]);
  });

  it("passes holding the last frame's containers in their places (a steady sampler's) decode alike, around a host gone and back, a new object of the same figures, a name changed in its place", () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...structuredClone(base[0]!), name: `/c${i}`, id: i }));
    const noHost = (p: RawSample): RawSample => {
      const { host: _, ...rest } = p;
      return rest;
    };
    const renamed = { ...many[3]!, name: '/r3' };
    const p = [
      pass(0, many),
      pass(1, many.map((c, i) => (i === 1 ? moved(c, 7) : c))),
      noHost(pass(2, many)),
      noHost(pass(3, many)),
      pass(4, many.map((c) => structuredClone(c))),
      pass(5, many.map((c, i) => (i === 3 ? renamed : c))),
      pass(6, many.map((c, i) => (i === 3 ? renamed : i === 4 ? moved(c, 1) : c))),
    ];
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    const frames = p.map((x, i) => enc.encode(x, i === 0));
    p.forEach((x, i) => expect(dec.decode(frames[i]!, i === 0, Date.parse(x.timestamp))).toEqual(x));
    // Nothing moved and no host: the time, three empty counts, the order's flag.
    expect(frames[3]!.length).toBe(12);
  });

  it('a delta before any keyframe is refused', () => {
    const enc = new FrameEncoder();
    enc.encode(pass(0, base), true);
    expect(() => new FrameDecoder().decode(enc.encode(pass(1, base), false), false, 0)).toThrow(/before its keyframe/);
  });
});
