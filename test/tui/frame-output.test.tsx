import fc from 'fast-check';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// Ink's own Output, which the build (and vitest.config.ts) replaces for Ink's renderer only.
import InkOutput from '../../node_modules/ink/build/output.js';
import { FrameOutput, type Clip, type OutputTransformer } from '../../src/ui/render/frame-output.js';
import { startConsole } from './harness.js';
import { KEY, drawn, press } from './helpers.js';
import { container, sampleView } from './views.js';

// Chalk decides its colour level when first imported; the test process has no terminal.
vi.hoisted(() => {
  process.env['FORCE_COLOR'] = '1';
});

const MiB = 1024 * 1024;
const ESC = '\u001b';

type Op = ['write', number, number, string, { transformers: OutputTransformer[] }] | ['clip', Clip] | ['unclip'];
interface Frame {
  width: number;
  height: number;
  ops: Op[];
  output: string;
}
interface AnyOutput {
  write(x: number, y: number, text: string, options: { transformers: OutputTransformer[] }): void;
  clip(clip: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}

/** Every frame Ink drew through the stand-in, with the writes that made it. */
const frames: Frame[] = [];
/** The stand-in class Ink's renderer uses, with Ink's own string-width, slice-ansi and tokenizer. */
let Shipped: (new (options: { width: number; height: number }) => FrameOutput) | undefined;
const pending = new WeakMap<FrameOutput, Op[]>();
const proto = FrameOutput.prototype;
const originals = { write: proto.write, clip: proto.clip, unclip: proto.unclip, get: proto.get };

beforeAll(() => {
  const opsOf = (o: FrameOutput) => pending.get(o) ?? (pending.set(o, []).get(o) as Op[]);
  proto.write = function (this: FrameOutput, ...args) {
    opsOf(this).push(['write', ...args]);
    originals.write.apply(this, args);
  };
  proto.clip = function (this: FrameOutput, clip) {
    opsOf(this).push(['clip', clip]);
    originals.clip.call(this, clip);
  };
  proto.unclip = function (this: FrameOutput) {
    opsOf(this).push(['unclip']);
    originals.unclip.call(this);
  };
  proto.get = function (this: FrameOutput) {
    const result = originals.get.call(this);
    Shipped ??= this.constructor as unknown as typeof Shipped;
    frames.push({ width: this.width, height: this.height, ops: opsOf(this), output: result.output });
    return result;
  };
});

afterAll(() => Object.assign(proto, originals));

afterEach(() => {
  cleanup();
  delete process.env['NO_COLOR'];
});

function replay(Output: new (options: { width: number; height: number }) => AnyOutput, frame: Pick<Frame, 'width' | 'height' | 'ops'>): string {
  const output = new Output({ width: frame.width, height: frame.height });
  for (const op of frame.ops) {
    if (op[0] === 'write') output.write(op[1], op[2], op[3], op[4]);
    else if (op[0] === 'clip') output.clip(op[1]);
    else output.unclip();
  }
  return output.get().output;
}

// Wide (CJK, emoji), combining and truncated names next to plain ones, with every tone.
const names = ['/', '/数据库', '/数据库/🚀-launch', '/cafe\u0301', `/${'long-name-'.repeat(12)}`, '/web', '/web/front'];
const view = (pass: number) =>
  sampleView(
    names.map((name, i) =>
      container(name, {
        cpu: (pass * 37 + i * 11) % 160,
        cpuOfCap: (pass * 13 + i * 29) % 100,
        memory: ((pass + i) % 10) * 10 * MiB + MiB,
        memoryLimit: 100 * MiB,
        tasks: i,
        state: i === 2 ? 'FROZEN' : 'THAWED',
        throttled: i,
        oomKills: pass,
        oomDelta: i === 1 ? 1 : 0,
      }),
    ),
    `2024-01-01T12:00:0${pass}.000Z`,
  );

/** Frames of the real console: table, selection, detail panel and help overlay (both clip). */
async function drawConsole(): Promise<Frame[]> {
  const from = frames.length;
  const { source, r } = await startConsole(view(0));
  for (const name of names) source.histories.set(name, { cpuPercent: [1, 50, 150, 3, 80, 0, 20, 99, 7], memoryUsage: [1, 2, 3, 9, 4] });
  await drawn(r, () => source.emit(view(1)));
  await press(r, KEY.down, KEY.down, KEY.enter);
  await drawn(r, () => source.emit(view(2)));
  await press(r, KEY.down, KEY.down, '?');
  await press(r, KEY.escape, KEY.enter);
  await drawn(r, () => source.emit(view(3)));
  return frames.slice(from);
}

describe("Output stand-in: the same frames as Ink's Output", () => {
  it('in colour', async () => {
    const drawnFrames = await drawConsole();
    expect(drawnFrames.length).toBeGreaterThan(5);
    expect(drawnFrames.some((f) => f.output.includes(ESC))).toBe(true);
    expect(drawnFrames.some((f) => f.output.includes('数据库'))).toBe(true);
    expect(drawnFrames.some((f) => f.ops.some((op) => op[0] === 'clip'))).toBe(true);
    for (const frame of drawnFrames) expect(replay(InkOutput, frame)).toBe(frame.output);
  });

  it('under NO_COLOR', async () => {
    process.env['NO_COLOR'] = '1';
    const drawnFrames = await drawConsole();
    expect(drawnFrames.length).toBeGreaterThan(5);
    expect(drawnFrames.some((f) => f.output.includes('🚀'))).toBe(true);
    for (const frame of drawnFrames) {
      expect(frame.output).not.toContain(ESC);
      expect(replay(InkOutput, frame)).toBe(frame.output);
    }
  });

  it('for any writes, styles and clips, with caches warm from earlier frames', () => {
    expect(Shipped).toBeDefined();
    const piece = fc.constantFrom(
      'a', 'Z', ' ', '  ', '-', '…', '›', '▾', '█', '▏', '░', '▁', '数', '据', '🚀', '👍🏽', '🇩🇪', 'e\u0301', '\u200b', '\t',
      `${ESC}[31m`, `${ESC}[39m`, `${ESC}[1m`, `${ESC}[2m`, `${ESC}[22m`, `${ESC}[7m`, `${ESC}[27m`, `${ESC}[0m`,
      `${ESC}[38;5;208m`, `${ESC}[48;2;1;2;3m`, `${ESC}[1;33;44m`, `${ESC}]8;;https://x.test${'\u0007'}`, `${ESC}]8;;${'\u0007'}`, `${ESC}[`, '\n',
    );
    const text = fc.array(piece, { maxLength: 24 }).map((p) => p.join(''));
    const coordinate = fc.integer({ min: -3, max: 14 });
    const clipEdge = fc.option(coordinate, { nil: undefined });
    const transformer: OutputTransformer = (line, index) => (index % 2 === 0 ? `${ESC}[32m${line}${ESC}[39m` : line);
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(coordinate, coordinate, text, fc.boolean()).map(([x, y, t, styled]): Op => ['write', x, y, t, { transformers: styled ? [transformer] : [] }]) },
      { weight: 1, arbitrary: fc.record({ x1: clipEdge, x2: clipEdge, y1: clipEdge, y2: clipEdge }).map((clip): Op => ['clip', clip]) },
      { weight: 1, arbitrary: fc.constant<Op>(['unclip']) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 }), fc.array(op, { maxLength: 12 }), (width, height, ops) => {
        const frame = { width, height, ops };
        expect(replay(Shipped!, frame)).toBe(replay(InkOutput, frame));
      }),
      { numRuns: 2000 },
    );
    // A frame after one that differs from it in a few writes (a pass where one row moved):
    // the rows written as before are reused, the others drawn again, the frame as Ink's.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(op, { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.option(op, { nil: undefined })), { maxLength: 3 }),
        (width, height, ops, changes) => {
          const next = [...ops];
          for (const [at, replacement] of changes) {
            if (replacement === undefined) next.splice(at % (next.length + 1), 1);
            else next.splice(at % (next.length + 1), 0, replacement);
          }
          replay(Shipped!, { width, height, ops });
          const frame = { width, height, ops: next };
          expect(replay(Shipped!, frame)).toBe(replay(InkOutput, frame));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('draws again only the rows whose writes changed since the last frame', () => {
    expect(Shipped).toBeDefined();
    const drawRow = vi.spyOn(FrameOutput.prototype as unknown as { drawRow: () => string }, 'drawRow');
    const rows = (clock: string, cpu: string): Op[] => [
      ['write', 0, 0, `sample ${clock}`, { transformers: [] }],
      ...Array.from({ length: 9 }, (_, i): Op => ['write', 2, i + 1, `c${i} ${i === 4 ? cpu : '0.0%'} ▁▁▂`, { transformers: [] }]),
    ];
    const first = { width: 30, height: 10, ops: rows('12:00:01', '0.0%') };
    replay(Shipped!, first);
    drawRow.mockClear();
    const second = { width: 30, height: 10, ops: rows('12:00:02', '0.0%') };
    expect(replay(Shipped!, second)).toBe(replay(InkOutput, second));
    expect(drawRow).toHaveBeenCalledTimes(1);
    drawRow.mockClear();
    const third = { width: 30, height: 10, ops: rows('12:00:03', '7.5%') };
    expect(replay(Shipped!, third)).toBe(replay(InkOutput, third));
    expect(drawRow).toHaveBeenCalledTimes(2);
    drawRow.mockRestore();
  });
});
