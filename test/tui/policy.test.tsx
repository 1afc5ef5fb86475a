/**
 * The machine policy in the console (docs/POLICY.md): the tier column, which comes and goes
 * with the width, and a refused create or update whose "why" (who holds the budget) is shown
 * whole on the status line, which takes up to three lines from the table for it.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { STATUS_MAX_LINES, statusLines } from '../../src/ui/view/status.js';
import { startConsole } from './harness.js';
import { KEY, lineWith, press, resize, screen, type } from './helpers.js';
import { container, fakeActions, sampleView } from './views.js';

afterEach(cleanup);

const TREE = sampleView([
  container('/'),
  container('/batch', { tier: 'BEST_EFFORT', tasks: 1 }),
  container('/db', { tier: 'PREMIER', tasks: 1 }),
  container('/web', { tier: 'NORMAL', tasks: 0 }),
  container('/web/api', { tasks: 0 }),
]);

const REFUSAL =
  "cannot create /web/db: memory: asked 700 MiB, 424 MiB left of the machine's 1 GiB (capacity 1 GiB − reserve 0 bytes) for NORMAL and the tiers above it; held by /db 600 MiB";

describe('tier column', () => {
  it('shows each container\'s tier beside its state where the width allows, and none at 80 columns', async () => {
    const { r } = await startConsole(TREE);
    await resize(r, 120, 24);
    expect(lineWith(r, 'NAME')).toMatch(/STATE +TIER +THROT%/);
    expect(lineWith(r, 'batch')).toMatch(/RUNNING +BEST /);
    expect(lineWith(r, 'db')).toMatch(/RUNNING +PREM /);
    expect(lineWith(r, 'api')).toMatch(/RUNNING +- /);
    await resize(r, 80, 24);
    expect(screen(r)).not.toContain('TIER');
    for (const line of screen(r).split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('a refused create or update', () => {
  it('create: the whole explanation on the status line at 80×24, the table giving up rows for it', async () => {
    const actions = fakeActions();
    actions.create.mockRejectedValue(new LmctfyError(Code.RESOURCE_EXHAUSTED, REFUSAL));
    const { r } = await startConsole(TREE, { actions });
    await resize(r, 80, 24);
    const before = screen(r).split('\n').length;
    await press(r, KEY.down, KEY.down, KEY.down);
    await press(r, 'c');
    await type(r, 'db');
    await press(r, KEY.enter);
    await type(r, 'memory:{reservation:734003200}');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('RESOURCE_EXHAUSTED'));
    const text = screen(r);
    // Every word of the refusal is on screen, in order, over up to three lines.
    const joined = text.split('\n').join(' ').replace(/ +/g, ' ');
    expect(joined).toContain(`RESOURCE_EXHAUSTED: ${REFUSAL}`);
    expect(joined).toContain('held by /db 600 MiB');
    expect(text.split('\n').length).toBeLessThanOrEqual(before);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('update: the same', async () => {
    const actions = fakeActions();
    actions.update.mockRejectedValue(new LmctfyError(Code.RESOURCE_EXHAUSTED, REFUSAL.replace('create /web/db', 'update /web')));
    const { r } = await startConsole(TREE, { actions });
    await resize(r, 80, 24);
    await press(r, KEY.down, KEY.down, KEY.down);
    await press(r, 'u');
    await vi.waitFor(() => expect(screen(r)).toContain('Spec'));
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('RESOURCE_EXHAUSTED'));
    expect(screen(r).split('\n').join(' ').replace(/ +/g, ' ')).toContain('held by /db 600 MiB');
  });
});

describe('statusLines', () => {
  it.each([
    ['fits', 'created /a', 20, ['created /a']],
    ['breaks between words', 'aaa bbb ccc', 7, ['aaa bbb', 'ccc']],
    ['cuts a word longer than a line', 'abcdefghij', 4, ['abcd', 'efgh', 'ij']],
    ['ends in … past the last line', 'a b c d e f g h', 3, ['a b', 'c d', 'e …']],
  ])('%s', (_what, text, width, lines) => {
    expect(statusLines(text, width)).toEqual(lines);
    expect(statusLines(text, width).length).toBeLessThanOrEqual(STATUS_MAX_LINES);
  });
});
