import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Text, render } from 'ink';
import { createElement } from 'react';
import { shippedConsoleCode } from './helpers.js';
import { describe, expect, it } from 'vitest';
import {
  AUTO_WRAP_OFF,
  AUTO_WRAP_ON,
  anchorFrames,
  createLineWriter,
  createLogUpdate,
  frameDiff,
  frameLines,
  drawLines,
  releaseFrames,
  settleLines,
  type FrameStream,
  type LogUpdateModule,
} from '../../src/ui/render/line-writer.js';
import { CLOCK_SLOT, fillClock, redrawClock, setClock } from '../../src/ui/render/live-clock.js';

const E = '\u001b[';

describe('frameLines', () => {
  it.each([
    ['a\nb\n', ['a', 'b']],
    ['a\nb', ['a', 'b']],
    ['a\n\n', ['a', '']],
    ['', ['']],
  ])('%j', (str, lines) => {
    expect(frameLines(str)).toEqual(lines);
  });
});

describe('frameDiff: the bytes from one screen to the next', () => {
  it.each<[string, string[] | undefined, string[], string]>([
    ['unknown screen: cleared, every non-empty line at its row', undefined, ['top', '', 'third'], `${E}2J${E}Htop${E}3Hthird`],
    ['same frame: nothing', ['a', 'b', 'c'], ['a', 'b', 'c'], ''],
    ['one line changed: only that row, cleared first', ['a', 'b', 'c'], ['a', 'B', 'c'], `${E}2H${E}2KB`],
    ['first line changed: home', ['a', 'b'], ['A', 'b'], `${E}H${E}2KA`],
    ['two rows apart', ['a', 'b', 'c'], ['A', 'b', 'C'], `${E}H${E}2KA${E}3H${E}2KC`],
    ['shorter frame: the rows below are cleared', ['a', 'b', 'c'], ['a'], `${E}2H${E}2K${E}3H${E}2K`],
    ['shorter frame whose dropped rows were blank: nothing', ['a', ''], ['a'], ''],
    ['longer frame: the new rows written', ['a'], ['a', 'b'], `${E}2H${E}2Kb`],
    ['a line becoming blank is cleared', ['a', 'b'], ['a', ''], `${E}2H${E}2K`],
    ['styled text is compared as it is', ['\u001b[1mx\u001b[22m'], ['\u001b[2mx\u001b[22m'], `${E}H${E}2K\u001b[2mx\u001b[22m`],
  ])('%s', (_what, previous, next, bytes) => {
    expect(frameDiff(previous, next)).toBe(bytes);
  });
});

/** A terminal-like stream that keeps what was written, write by write. */
function stream(columns = 80, rows = 24): FrameStream & { writes: string[] } {
  const writes: string[] = [];
  return { columns, rows, writes, write: (d: string) => writes.push(d) };
}

const cursor = {
  hide: (s: FrameStream) => s.write(`${E}?25l`),
  show: (s: FrameStream) => s.write(`${E}?25h`),
};

describe('fillClock', () => {
  it.each([
    ['no slot: the line as it is', 'interval 1 s', '12:00:01', 'interval 1 s'],
    ['the slot filled in order', `sample ${CLOCK_SLOT}  3 containers`, '12:00:01', 'sample 12:00:01  3 containers'],
    ['a slot cut by truncation keeps its first characters', `sample ${CLOCK_SLOT.slice(0, 4)}…`, '12:00:01', 'sample 12:0…'],
    ['styles around the slot kept', `\u001b[1m${CLOCK_SLOT}\u001b[22m`, '09:08:07', '\u001b[1m09:08:07\u001b[22m'],
  ])('%s', (_what, line, time, filled) => {
    expect(fillClock(line, time)).toBe(filled);
  });
});

describe('the live clock, drawn by the line writer', () => {
  const frame = `title\nsample ${CLOCK_SLOT}  2 containers\nrow\n`;

  it('fills the slot at each frame, and redrawClock rewrites only its line', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    setClock('10:00:00');
    log(frame);
    expect(s.writes.at(-1)).toBe(`${E}2J${E}Htitle${E}2Hsample 10:00:00  2 containers${E}3Hrow`);
    s.writes.length = 0;
    setClock('10:00:01');
    redrawClock();
    expect(s.writes).toEqual([`${E}2H${E}2Ksample 10:00:01  2 containers`]);
    // The same time again: nothing to draw.
    redrawClock();
    expect(s.writes).toHaveLength(1);
    log.done();
  });

  it('asks Ink for the frame when only the clock moved (isCursorDirty), and draws only its line', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    setClock('10:00:00');
    log(frame);
    expect(log.isCursorDirty()).toBe(false);
    setClock('10:00:02');
    expect(log.isCursorDirty()).toBe(true);
    expect(log.willRender(frame)).toBe(true);
    s.writes.length = 0;
    expect(log(frame)).toBe(true);
    expect(s.writes).toEqual([`${E}2H${E}2Ksample 10:00:02  2 containers`]);
    expect(log.isCursorDirty()).toBe(false);
    log.done();
  });

  it('after done() no longer draws on redrawClock', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log(frame);
    log.done();
    s.writes.length = 0;
    setClock('11:11:11');
    redrawClock();
    expect(s.writes).toEqual([]);
  });

  it('draws over the slots of a frame Ink wrote itself (sync)', () => {
    const s = stream(80, 5);
    const log = createLineWriter(s, cursor);
    log('x\n');
    s.writes.length = 0;
    setClock('12:34:56');
    log.sync(frame);
    expect(s.writes).toEqual([`${E}2H${E}2Ksample 12:34:56  2 containers`]);
    log.done();
  });
});

describe('lines drawn ahead of Ink (drawLines, settleLines)', () => {
  const frame = `title\nsample ${CLOCK_SLOT}\nrow a 1\nrow b 1\n`;

  it('draws the lines with the clock in one write, and declines before the first frame', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    expect(drawLines([[2, 'row a 2']])).toBe(false);
    setClock('10:00:00');
    log(frame);
    s.writes.length = 0;
    setClock('10:00:01');
    expect(drawLines([[2, 'row a 2'], [3, 'row b 1']])).toBe(true);
    // The unchanged line is not written.
    expect(s.writes).toEqual([`${E}3H${E}2Krow a 2${E}2H${E}2Ksample 10:00:01`]);
    expect(log.isCursorDirty()).toBe(false);
    log.done();
    expect(drawLines([[2, 'row a 3']])).toBe(false);
  });

  it('declines lines below the frame, and after a resize', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log(frame);
    expect(drawLines([[4, 'below']])).toBe(false);
    s.columns = 100;
    expect(drawLines([[2, 'row a 2']])).toBe(false);
    log.done();
  });

  it('keeps them over a frame Ink made from its older tree, until the console settles', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    setClock('10:00:00');
    log(frame);
    drawLines([[2, 'row a 2']]);
    s.writes.length = 0;
    // A frame from Ink's tree, which still holds the row as it was: the row stays.
    log(`title\nsample ${CLOCK_SLOT}\nrow a 1\nrow b 2\n`);
    expect(s.writes).toEqual([`${E}4H${E}2Krow b 2`]);
    s.writes.length = 0;
    // The console renders its state; Ink's frame is the one it made last (equal output): the writer asks for it, and draws it.
    settleLines();
    expect(log.isCursorDirty()).toBe(true);
    expect(log.willRender(`title\nsample ${CLOCK_SLOT}\nrow a 1\nrow b 2\n`)).toBe(true);
    log(`title\nsample ${CLOCK_SLOT}\nrow a 1\nrow b 2\n`);
    expect(s.writes).toEqual([`${E}3H${E}2Krow a 1`]);
    expect(log.isCursorDirty()).toBe(false);
    log.done();
  });

  it('forgets them when the terminal was resized: the frame is drawn whole as Ink made it', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    setClock('10:00:00');
    log(frame);
    drawLines([[2, 'row a 2']]);
    s.columns = 60;
    s.writes.length = 0;
    log(frame);
    expect(s.writes.at(-1)).toBe(`${E}2J${E}Htitle${E}2Hsample 10:00:00${E}3Hrow a 1${E}4Hrow b 1`);
    log.done();
  });

  it('keeps them over a frame Ink wrote itself (sync)', () => {
    const s = stream(80, 5);
    const log = createLineWriter(s, cursor);
    setClock('10:00:00');
    log(frame);
    drawLines([[2, 'row a 2']]);
    s.writes.length = 0;
    log.sync(frame);
    expect(s.writes).toEqual([`${E}2H${E}2Ksample 10:00:00${E}3H${E}2Krow a 2`]);
    log.done();
  });
});

describe('the line writer as Ink drives it', () => {
  it('draws the first frame whole, then only what changed, and nothing for an equal frame', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    expect(log('a\nb\n')).toBe(true);
    expect(s.writes).toEqual([`${E}?25l`, AUTO_WRAP_OFF, `${E}2J${E}Ha${E}2Hb`]);
    s.writes.length = 0;
    expect(log('a\nb\n')).toBe(false);
    expect(log.willRender('a\nb\n')).toBe(false);
    expect(s.writes).toEqual([]);
    expect(log.willRender('a\nc\n')).toBe(true);
    expect(log('a\nc\n')).toBe(true);
    expect(s.writes).toEqual([`${E}2H${E}2Kc`]);
  });

  it('with synchronized updates, sends each frame and its marks in one write', () => {
    const s = stream();
    const log = createLineWriter(s, cursor, {}, true);
    log('a\nb\n');
    log('a\nb\n');
    log('a\nc\n');
    log.clear();
    expect(s.writes).toEqual([
      `${E}?25l`,
      AUTO_WRAP_OFF,
      `${E}?2026h${E}2J${E}Ha${E}2Hb${E}?2026l`,
      `${E}?2026h${E}2H${E}2Kc${E}?2026l`,
      `${E}?2026h${E}H${E}2J${E}?2026l`,
    ]);
  });

  it('draws everything again after the terminal was resized', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log('a\nb\n');
    s.writes.length = 0;
    s.columns = 60;
    expect(log('a\nb\n')).toBe(true);
    expect(s.writes).toEqual([`${E}2J${E}Ha${E}2Hb`]);
  });

  it('after clear() draws everything again', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log('a\n');
    log.clear();
    s.writes.length = 0;
    log('a\n');
    expect(s.writes).toEqual([`${E}2J${E}Ha`]);
  });

  it('a frame taller than the terminal is written whole, and the next one too', () => {
    const s = stream(80, 2);
    const log = createLineWriter(s, cursor);
    log('a\nb\nc');
    log('a\nb\nc\nd');
    expect(s.writes.slice(2)).toEqual([`${E}2J${E}Ha\r\nb\r\nc`, `${E}2J${E}Ha\r\nb\r\nc\r\nd`]);
  });

  it('after Ink wrote a frame itself (sync), diffs against it', () => {
    const s = stream(80, 2);
    const log = createLineWriter(s, cursor);
    log('x\n');
    s.writes.length = 0;
    log.sync('a\nb');
    log('a\nB');
    expect(s.writes).toEqual([`${E}2H${E}2KB`]);
  });

  it('places and shows the cursor where Ink asks, and hides it before the next frame', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log.setCursorPosition({ x: 3, y: 1 });
    log('a\nb\n');
    expect(s.writes.at(-1)).toBe(`${E}2J${E}Ha${E}2Hb${E}2;4H${E}?25h`);
    expect(log('a\nb\n')).toBe(true);
    expect(s.writes.at(-1)).toBe(`${E}?25l`);
  });

  it('done() turns auto-wrap back on and shows the cursor', () => {
    const s = stream();
    const log = createLineWriter(s, cursor);
    log('a\n');
    s.writes.length = 0;
    log.done();
    expect(s.writes).toEqual([AUTO_WRAP_ON, `${E}?25h`]);
  });
});

describe('createLogUpdate', () => {
  it('is what the shipped console bundles in front of Ink’s own writer', () => {
    const code = shippedConsoleCode();
    // Ink's writer, kept for streams not anchored, and ours wrapped around it.
    expect(code).toContain('function createLineWriter(');
    expect(code).toMatch(/createLogUpdate\(\w+, \w+, \w+\)/);
  });

  const inkWriter = Object.assign(() => true, { ink: true });
  const ink = { create: () => inkWriter } as unknown as LogUpdateModule;

  it('draws anchored streams line by line and leaves the others to Ink', () => {
    const module = createLogUpdate(cursor, ink);
    const s = stream();
    expect(module.create(s)).toBe(inkWriter);
    anchorFrames(s);
    const log = module.create(s);
    expect(log).not.toBe(inkWriter);
    log('a\n');
    expect(s.writes.at(-1)).toBe(`${E}2J${E}Ha`);
    releaseFrames(s);
    expect(module.create(s)).toBe(inkWriter);
  });

  it('synchronizes the streams Ink would', () => {
    const s = stream();
    anchorFrames(s);
    createLogUpdate(cursor, ink, (t) => t === s).create(s)('a\n');
    expect(s.writes.at(-1)).toBe(`${E}?2026h${E}2J${E}Ha${E}?2026l`);
    releaseFrames(s);
  });
});

describe('in a terminal emulator, the screen always shows the last frame', () => {
  const COLUMNS = 20;
  const ROWS = 6;
  /** A frame of plain and styled lines, some full-width or wider than the terminal, some blank. */
  function randomFrame(random: () => number): string {
    const height = 1 + Math.floor(random() * ROWS);
    const lines: string[] = [];
    for (let i = 0; i < height; i++) {
      const width = [0, 3, COLUMNS - 1, COLUMNS, COLUMNS + 7][Math.floor(random() * 5)];
      let line = '';
      for (let c = 0; c < width; c++) line += String.fromCharCode(97 + Math.floor(random() * 3));
      lines.push(random() < 0.3 ? `\u001b[1m${line}\u001b[22m` : line);
    }
    // Ink ends a frame shorter than the terminal with a newline.
    return lines.join('\n') + (height < ROWS ? '\n' : '');
  }
  /**
   * What the frame shows: styles dropped, and with auto-wrap off an over-long line stays on
   * its row, its characters past the margin each overwriting the last column.
   */
  const shown = (frame: string) =>
    frameLines(frame).map((styled) => {
      const l = styled.replace(/\u001b\[\d+m/g, '');
      return l.length <= COLUMNS ? l : l.slice(0, COLUMNS - 1) + l.at(-1);
    });

  it('after each of 300 random frames', async () => {
    const { default: xterm } = await import('@xterm/headless');
    const term = new xterm.Terminal({ cols: COLUMNS, rows: ROWS, allowProposedApi: true });
    const s: FrameStream = { columns: COLUMNS, rows: ROWS, write: (d: string) => term.write(d) };
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const log = createLineWriter(s, cursor);
    try {
      for (let k = 0; k < 300; k++) {
        const frame = randomFrame(random);
        log(frame);
        await new Promise<void>((resolve) => term.write('', resolve));
        const screen: string[] = [];
        for (let y = 0; y < ROWS; y++) screen.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
        const want = shown(frame);
        while (want.length < ROWS) want.push('');
        expect(screen, `frame ${k}`).toEqual(want);
      }
    } finally {
      term.dispose();
    }
  });
});

describe('through Ink, on an anchored terminal', () => {
  /** A terminal-like stdout that keeps its writes; Ink also listens to it for resizes. */
  function terminal() {
    const out = Object.assign(new EventEmitter(), { isTTY: true, columns: 40, rows: 10, writes: [] as string[] });
    return Object.assign(out, { write: (d: string) => out.writes.push(d) > 0 });
  }

  it('writes each frame once, its synchronized-update marks (where Ink sends them) inside it', async () => {
    const stdout = terminal();
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined });
    anchorFrames(stdout);
    try {
      // Ink renders on its own schedule: wait for each frame's text (a loaded machine is slow), not a fixed time.
      const shown = async (text: string) => {
        while (!stdout.writes.some((w) => w.includes(text))) await new Promise((r) => setTimeout(r, 10));
      };
      const app = render(createElement(Text, null, 'pass 1'), { stdout: stdout as never, stdin: stdin as never, patchConsole: false, exitOnCtrlC: false });
      await shown('pass 1');
      const before = stdout.writes.length;
      app.rerender(createElement(Text, null, 'pass 2'));
      await shown('pass 2');
      await new Promise((r) => setTimeout(r, 50));
      const frame = stdout.writes.slice(before);
      expect(frame).toHaveLength(1);
      expect(frame[0]).toContain('pass 2');
      expect(stdout.writes).not.toContain(`${E}?2026h`);
      expect(stdout.writes).not.toContain(`${E}?2026l`);
      app.unmount();
    } finally {
      releaseFrames(stdout);
    }
  });
});
