import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { render } from 'ink';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/ui/components/App.js';
import { anchorFrames, releaseFrames } from '../../src/ui/render/line-writer.js';
import { CLOCK_CELL } from '../../src/ui/render/live-clock.js';
import { formatClock } from '../../src/ui/view/format.js';
import { ManualSource, container, fakeActions, sampleView } from './views.js';

/** A terminal that keeps each write. */
function terminal() {
  const out = Object.assign(new EventEmitter(), { isTTY: true, columns: 120, rows: 20, writes: [] as string[] });
  return Object.assign(out, { write: (d: string) => out.writes.push(d) > 0 });
}

const tree = (cpu: number, at: string) => sampleView([container('/'), container('/web', { cpu, memory: 1 << 20, tasks: 2 }), container('/batch', { cpu: 0, tasks: 1 })], at);

describe('the header’s clock on a screen the line writer draws', () => {
  it('a pass that moves nothing else rewrites the clock’s line alone; a pass that moves a row draws that row', async () => {
    const stdout = terminal();
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined });
    anchorFrames(stdout);
    const source = new ManualSource();
    const app = render(<App source={source} actions={fakeActions()} readOnly={false} />, { stdout: stdout as never, stdin: stdin as never, patchConsole: false, exitOnCtrlC: false });
    // Ink renders on its own schedule: wait for a write holding the text, not a fixed time.
    const shown = async (text: string, from = 0) => {
      while (!stdout.writes.slice(from).some((w) => w.includes(text))) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      while (source.listenerCount() === 0) await new Promise((r) => setTimeout(r, 10));
      const times = ['2024-01-01T12:00:00Z', '2024-01-01T12:00:01Z', '2024-01-01T12:00:02Z'];
      source.emit(tree(5, times[0]));
      await shown(`sample ${formatClock(times[0])}`);
      await shown('web');

      const before = stdout.writes.length;
      source.emit(tree(5, times[1]));
      // Written synchronously, with no frame from Ink.
      expect(stdout.writes.slice(before)).toHaveLength(1);
      const clockOnly = stdout.writes[before];
      expect(clockOnly).toContain(`sample ${formatClock(times[1])}  3 containers`);
      expect(clockOnly).not.toContain('web');
      expect(clockOnly.split('\u001b[2K')).toHaveLength(2);

      const moved = stdout.writes.length;
      source.emit(tree(42, times[2]));
      await shown('42.0%', moved);
      await shown(`sample ${formatClock(times[2])}`, moved);

      // Nothing on screen is ever the clock's placeholder.
      expect(stdout.writes.join('')).not.toContain(CLOCK_CELL);
    } finally {
      app.unmount();
      releaseFrames(stdout);
    }
  });

  it('for a screen reader, whose text Ink writes itself, the header holds the time as text', async () => {
    const stdout = terminal();
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined });
    anchorFrames(stdout);
    const source = new ManualSource();
    const app = render(<App source={source} actions={fakeActions()} readOnly={false} />, {
      stdout: stdout as never,
      stdin: stdin as never,
      patchConsole: false,
      exitOnCtrlC: false,
      isScreenReaderEnabled: true,
    });
    try {
      while (source.listenerCount() === 0) await new Promise((r) => setTimeout(r, 10));
      source.emit(tree(5, '2024-01-01T12:00:00Z'));
      const time = formatClock('2024-01-01T12:00:00Z');
      while (!stdout.writes.some((w) => w.includes(time))) await new Promise((r) => setTimeout(r, 10));
      expect(stdout.writes.join('')).not.toContain(CLOCK_CELL);
    } finally {
      app.unmount();
      releaseFrames(stdout);
    }
  });
});
