import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { render } from 'ink';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../src/ui/components/App.js';
import { anchorFrames, releaseFrames } from '../../src/ui/render/line-writer.js';
import { ManualSource, container, fakeActions, sampleView } from './views.js';

// Chalk decides its colour level when first imported; the test process has no terminal.
vi.hoisted(() => {
  process.env['FORCE_COLOR'] = '1';
});

const MiB = 1024 * 1024;
type Term = InstanceType<(typeof import('@xterm/headless'))['Terminal']>;

/** A terminal-like stdout drawn into a headless xterm, keeping its writes. */
async function xtermStdout(columns: number, rows: number, extraColumns: number) {
  const { default: xterm } = await import('@xterm/headless');
  // A terminal's line discipline turns each newline into a carriage return and a newline.
  const term: Term = new xterm.Terminal({ cols: columns + extraColumns, rows, allowProposedApi: true, convertEol: true });
  const out = Object.assign(new EventEmitter(), { isTTY: true, columns, rows, writes: [] as string[] });
  const stdout = Object.assign(out, {
    write: (d: string) => {
      out.writes.push(d);
      term.write(d);
      return true;
    },
  });
  return { stdout, term };
}

/** Each screen line's first `columns` cells as text, then as their styles (foreground, inverse, bold, dim). */
async function screenOf(term: Term, columns: number): Promise<string[]> {
  await new Promise<void>((resolve) => term.write('', resolve));
  const lines: string[] = [];
  const buffer = term.buffer.active;
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    if (!line) continue;
    let styles = '';
    for (let x = 0; x < columns; x++) {
      const cell = line.getCell(x)!;
      styles += `${cell.getFgColorMode()}:${cell.getFgColor()}${cell.isInverse() ? 'i' : ''}${cell.isBold() ? 'b' : ''}${cell.isDim() ? 'd' : ''} `;
    }
    lines.push(line.translateToString(true, 0, columns), styles);
  }
  return lines;
}

/** A tree whose busy containers' figures move each pass; every third pass one of them crosses 80 % of its limit (yellow). */
function tree(pass: number) {
  const at = new Date(Date.UTC(2024, 0, 1, 12, 0, pass)).toISOString();
  const busy = (i: number) => container(`/g0/c${i}`, { cpu: (pass * 7 + i * 13) % 90, memory: (pass % 3 === 0 && i === 2 ? 90 : 10 + i) * MiB, memoryLimit: 100 * MiB, tasks: 1 });
  return sampleView([container('/'), container('/g0', { cpu: pass % 50, tasks: 4 }), ...[0, 1, 2, 3].map(busy), container('/idle', { tasks: 0 }), container('/ice', { state: 'FROZEN' })], at);
}

async function startApp(columns: number, rows: number, anchored: boolean) {
  // Ink's own writer moves the cursor relative to where it thinks it is, which a full-width
  // line (pending wrap) puts off: its terminal has a column more than the frames.
  const { stdout, term } = await xtermStdout(columns, rows, anchored ? 0 : 1);
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined });
  if (anchored) anchorFrames(stdout);
  const source = new ManualSource();
  const app = render(<App source={source} actions={fakeActions()} readOnly={false} />, { stdout: stdout as never, stdin: stdin as never, patchConsole: false, exitOnCtrlC: false });
  while (source.listenerCount() === 0) await new Promise((r) => setTimeout(r, 10));
  const stop = () => {
    app.unmount();
    releaseFrames(stdout);
    term.dispose();
  };
  return { stdout, stdin, term, source, stop };
}

/** Until the writes stop: Ink renders on its own schedule. */
async function settled(...outs: Array<{ writes: string[] }>): Promise<void> {
  let count = -1;
  for (;;) {
    const now = outs.reduce((n, o) => n + o.writes.length, 0);
    if (now === count) return;
    count = now;
    await new Promise((r) => setTimeout(r, 60));
  }
}

const DOWN = '\u001b[B';

describe('rows drawn without a render leave the screen a full frame would', () => {
  for (const [columns, rows] of [
    [80, 24],
    [200, 30],
  ]) {
    it(`at ${columns}x${rows}: passes, selection moves, a sort and the process list`, async () => {
      // The line writer with the row fast path, against Ink's own writer, which gets a frame from React every pass.
      const fast = await startApp(columns, rows, true);
      const full = await startApp(columns, rows, false);
      // History for the sparklines, moving with each pass.
      const history = (pass: number) => {
        for (const { source } of [fast, full]) {
          for (let i = 0; i < 4; i++) source.histories.set(`/g0/c${i}`, { cpuPercent: Array.from({ length: 30 }, (_, k) => ((pass + k) * (i + 3)) % 100), memoryUsage: [] });
        }
      };
      const keys: Record<number, string> = { 3: DOWN, 5: DOWN + DOWN, 7: 's', 9: 'p', 11: DOWN, 13: '\u001b' };
      let drawnAlone = 0;
      try {
        for (let pass = 0; pass < 16; pass++) {
          history(pass);
          const before = fast.stdout.writes.length;
          for (const app of [fast, full]) app.source.emit(tree(pass));
          // A pass that moved only rows is written at once, without waiting for a frame from Ink.
          if (fast.stdout.writes.length > before) drawnAlone++;
          await settled(fast.stdout, full.stdout);
          const key = keys[pass];
          if (key !== undefined) {
            for (const app of [fast, full]) app.stdin.write(key);
            await settled(fast.stdout, full.stdout);
          }
          expect(await screenOf(fast.term, columns), `pass ${pass}`).toEqual(await screenOf(full.term, columns));
        }
        expect(drawnAlone).toBeGreaterThan(5);
      } finally {
        fast.stop();
        full.stop();
      }
    });
  }
});
