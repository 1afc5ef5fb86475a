import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { startConsole } from './harness.js';
import { KEY, press } from './helpers.js';
import { container, fakeActions, sampleView } from './views.js';

// Chalk decides its colour level when first imported; the test process has no terminal.
vi.hoisted(() => {
  process.env['FORCE_COLOR'] = '1';
});

const MiB = 1024 * 1024;
const ESC = '\u001b';
const RED = `${ESC}[31m`;
const YELLOW = `${ESC}[33m`;
const CYAN = `${ESC}[36m`;
const INVERSE = `${ESC}[7m`;

const VIEW = sampleView([
  container('/'),
  container('/full', { memory: 99 * MiB, memoryLimit: 100 * MiB }),
  container('/high', { memory: 85 * MiB, memoryLimit: 100 * MiB }),
  container('/ice', { state: 'FROZEN' }),
  container('/ok', { memory: 10 * MiB, memoryLimit: 100 * MiB }),
]);

afterEach(() => {
  cleanup();
  delete process.env['NO_COLOR'];
});

/** Every frame Ink wrote, as one string. */
function allOutput(frames: string[]): string {
  return frames.join('\n');
}

describe('colour', () => {
  it('marks thresholds, FROZEN and the selection', async () => {
    const { r } = await startConsole(VIEW);
    const frame = r.lastFrame() ?? '';
    expect(frame).toContain(RED);
    expect(frame).toContain(YELLOW);
    expect(frame).toContain(CYAN);
    expect(frame).toContain(INVERSE);
  });

  it('shows a failed action in red', async () => {
    const actions = fakeActions();
    actions.pause.mockRejectedValue(new LmctfyError(Code.PERMISSION_DENIED, 'not yours'));
    const { r } = await startConsole(VIEW, { actions });
    await press(r, 'p', 'y');
    await vi.waitFor(() => expect(r.lastFrame()).toContain(`${RED}PERMISSION_DENIED: not yours`));
  });

  it('writes no escape sequence at all under NO_COLOR', async () => {
    process.env['NO_COLOR'] = '1';
    const { r } = await startConsole(VIEW);
    await press(r, KEY.down, KEY.enter, 'd', 'y');
    await press(r, KEY.escape, '/', 'x', KEY.escape, '?', 'x');
    expect(r.frames.length).toBeGreaterThan(5);
    expect(allOutput(r.frames)).not.toContain(ESC);
    expect(r.lastFrame()).toMatch(/^›     full /m);
  });

  it('treats an empty NO_COLOR as unset', async () => {
    process.env['NO_COLOR'] = '';
    const { r } = await startConsole(VIEW);
    expect(r.lastFrame()).toContain(RED);
  });
});
