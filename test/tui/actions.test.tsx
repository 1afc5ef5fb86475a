import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { STATUS_MS } from '../../src/ui/hooks/useConsole.js';
import { startConsole } from './harness.js';
import { KEY, drawn, lineWith, press, screen, selectedLine, settle, type } from './helpers.js';
import { container, fakeActions, sampleView } from './views.js';

afterEach(cleanup);

const TREE = sampleView([
  container('/'),
  container('/idle', { tasks: 0 }),
  container('/busy', { tasks: 2 }),
  container('/frozen', { state: 'FROZEN', tasks: 1 }),
  container('/web', { tasks: 0 }),
  container('/web/api', { tasks: 0 }),
]);

/** Starts the console with the selection on `name` (rows are in name order). */
async function at(name: string, options: Parameters<typeof startConsole>[1] = {}) {
  const started = await startConsole(TREE, options);
  const order = ['/', '/busy', '/frozen', '/idle', '/web', '/web/api'];
  for (let i = 0; i < order.indexOf(name); i++) await press(started.r, KEY.down);
  expect(selectedLine(started.r)).toContain(name === '/' ? '/' : name.slice(name.lastIndexOf('/') + 1));
  return started;
}

describe('create', () => {
  it('asks for a name, then a spec, validates it and creates the child', async () => {
    const { r, actions } = await at('/web');
    await press(r, 'c');
    expect(screen(r)).toContain('New child of /web, name:');
    await type(r, 'db');
    await press(r, KEY.enter);
    expect(screen(r)).toContain('Spec for /web/db:');
    await type(r, 'memory { limit: 1000 }');
    await press(r, KEY.enter);
    expect(actions.validateSpec).toHaveBeenCalledWith('memory { limit: 1000 }');
    await vi.waitFor(() => expect(screen(r)).toContain('created /web/db'));
    expect(actions.create).toHaveBeenCalledExactlyOnceWith('/web', 'db', 'memory { limit: 1000 }');
    expect(screen(r)).not.toContain('Spec for');
  });

  it('moves the selection to the new container when it appears', async () => {
    const { r, source } = await at('/web');
    await press(r, 'c');
    await type(r, 'db');
    await press(r, KEY.enter, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('created /web/db'));
    expect(selectedLine(r)).toContain('web');
    await drawn(r, () => source.emit(sampleView([...TREE.containers, container('/web/db')])));
    expect(selectedLine(r)).toMatch(/^› +db\s/);
  });

  it('unfolds the parent to show the new container', async () => {
    const { r, source } = await at('/web');
    await press(r, KEY.left, 'c');
    await type(r, 'db');
    await press(r, KEY.enter, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('created /web/db'));
    await drawn(r, () => source.emit(sampleView([...TREE.containers, container('/web/db')])));
    expect(selectedLine(r)).toMatch(/^› +db\s/);
    expect(lineWith(r, 'api')).toBeDefined();
  });

  it('shows an invalid spec and keeps the prompt, without calling create', async () => {
    const { r, actions } = await at('/web');
    await press(r, 'c');
    await type(r, 'db');
    await press(r, KEY.enter);
    await type(r, 'cpu {');
    await press(r, KEY.enter);
    expect(screen(r)).toContain('line 1: missing "}"');
    expect(screen(r)).toContain('Spec for /web/db: cpu {');
    expect(actions.create).not.toHaveBeenCalled();
    await type(r, ' }');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(actions.create).toHaveBeenCalledWith('/web', 'db', 'cpu { }'));
  });

  it('refuses an empty name and keeps asking', async () => {
    const { r } = await at('/web');
    await press(r, 'c', KEY.enter);
    expect(screen(r)).toContain('the name is empty');
    expect(screen(r)).toContain('New child of /web, name:');
  });

  it.each([
    ['at the name', 0],
    ['at the spec', 1],
  ])('Esc %s cancels without creating', async (_, enters) => {
    const { r, actions } = await at('/web');
    await press(r, 'c');
    await type(r, 'db');
    for (let i = 0; i < enters; i++) await press(r, KEY.enter);
    await press(r, KEY.escape);
    expect(screen(r)).not.toMatch(/New child|Spec for/);
    expect(screen(r)).toContain('cancelled');
    expect(actions.create).not.toHaveBeenCalled();
    await press(r, KEY.down);
    expect(selectedLine(r)).toContain('api');
  });

  it('edits the field: backspace and cursor movement', async () => {
    const { r, actions } = await at('/');
    await press(r, 'c');
    await type(r, 'dbx');
    await press(r, KEY.backspace, KEY.left, KEY.left);
    await type(r, 'n');
    await press(r, KEY.enter, KEY.enter);
    await vi.waitFor(() => expect(actions.create).toHaveBeenCalledWith('/', 'ndb', ''));
  });
});

describe('update', () => {
  it('opens the spec prefilled on one line and applies the edit', async () => {
    const { r, actions } = await at('/idle');
    await press(r, 'u');
    await vi.waitFor(() => expect(screen(r)).toContain('Spec for /idle: cpu { limit: 500 }'));
    expect(actions.specText).toHaveBeenCalledWith('/idle');
    await type(r, ' memory { limit: 1 }');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('updated /idle'));
    expect(actions.update).toHaveBeenCalledExactlyOnceWith('/idle', 'cpu { limit: 500 } memory { limit: 1 }');
  });

  it('reports a spec that cannot be read', async () => {
    const actions = fakeActions();
    actions.specText.mockRejectedValue(new LmctfyError(Code.NOT_FOUND, 'container /idle does not exist'));
    const { r } = await at('/idle', { actions });
    await press(r, 'u');
    await vi.waitFor(() => expect(screen(r)).toContain('NOT_FOUND: container /idle does not exist'));
    expect(screen(r)).not.toContain('Spec for');
  });
});

describe('pause, run, kill', () => {
  it('p pauses a running container', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('paused /busy'));
    expect(actions.pause).toHaveBeenCalledExactlyOnceWith('/busy');
    expect(actions.resume).not.toHaveBeenCalled();
  });

  it('p resumes a frozen container', async () => {
    const { r, actions } = await at('/frozen');
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('resumed /frozen'));
    expect(actions.resume).toHaveBeenCalledExactlyOnceWith('/frozen');
    expect(actions.pause).not.toHaveBeenCalled();
  });

  it('a second p before the next sample resumes what the first paused', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('paused /busy'));
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('resumed /busy'));
    expect(actions.pause).toHaveBeenCalledTimes(1);
    expect(actions.resume).toHaveBeenCalledExactlyOnceWith('/busy');
  });

  it('r runs a command and shows its pid', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'r');
    await type(r, 'sleep 100');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('started pid 4242 in /busy: sleep 100'));
    expect(actions.run).toHaveBeenCalledExactlyOnceWith('/busy', 'sleep 100');
  });

  it('C checkpoints into the directory typed, keeping the container running, and says where', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'C');
    await type(r, '/srv/ck');
    await press(r, KEY.enter);
    expect(screen(r)).toContain('After the checkpoint, /busy:');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('checkpointed /busy into /srv/ck'));
    expect(actions.checkpoint).toHaveBeenCalledExactlyOnceWith('/busy', '/srv/ck', true);
  });

  it('K asks which signal (TERM first), then whether to send it to every task', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'K');
    expect(screen(r)).toContain('Signal for all 2 tasks in /busy: [TERM]  KILL');
    await press(r, KEY.enter);
    expect(screen(r)).toContain('Send SIGTERM to all 2 tasks in /busy? [y/N]');
    await press(r, 'y');
    await vi.waitFor(() => expect(screen(r)).toContain('sent SIGTERM to all tasks in /busy'));
    expect(actions.signal).toHaveBeenCalledExactlyOnceWith('/busy', 'all', 'TERM');
  });

  it.each([
    ['→ once', [KEY.right], 'KILL'],
    ['→ twice', [KEY.right, KEY.right], 'HUP'],
    ['← from TERM wraps round', [KEY.left], 'USR2'],
    ['its number', ['4'], 'INT'],
  ])('K then %s chooses another signal', async (_, keys, signal) => {
    const { r, actions } = await at('/busy');
    await press(r, 'K', ...keys, KEY.enter, 'y');
    await vi.waitFor(() => expect(actions.signal).toHaveBeenCalledExactlyOnceWith('/busy', 'all', signal));
  });

  it.each([
    ['Esc at the choice', ['K', KEY.escape]],
    ['n at the question', ['K', KEY.enter, 'n']],
  ])('%s sends nothing', async (_, keys) => {
    const { r, actions } = await at('/busy');
    await press(r, ...keys);
    expect(screen(r)).toContain('cancelled');
    expect(actions.signal).not.toHaveBeenCalled();
  });
});

describe('safety', () => {
  it.each([
    ['/', 'Pause / and with it every container in the tree? [y/N]'],
    ['/web', 'Pause /web and its 1 child container? [y/N]'],
  ])('p on %s asks first', async (name, question) => {
    const { r, actions } = await at(name);
    await press(r, 'p');
    expect(screen(r)).toContain(question);
    expect(actions.pause).not.toHaveBeenCalled();
    await press(r, 'y');
    await vi.waitFor(() => expect(actions.pause).toHaveBeenCalledExactlyOnceWith(name));
  });

  it('p on a container with children, answered n, pauses nothing', async () => {
    const { r, actions } = await at('/web');
    await press(r, 'p', 'n');
    expect(screen(r)).toContain('cancelled');
    expect(actions.pause).not.toHaveBeenCalled();
  });

  it('d on / says at once that the root cannot be destroyed', async () => {
    const { r, actions } = await at('/');
    await press(r, 'd');
    expect(screen(r)).toContain('the root container / cannot be destroyed');
    expect(screen(r)).not.toContain('[y/N]');
    await press(r, KEY.down);
    expect(selectedLine(r)).toContain('busy');
    expect(actions.destroy).not.toHaveBeenCalled();
  });

  it('says when the selected container was destroyed elsewhere', async () => {
    const { r, source } = await at('/web/api');
    await drawn(r, () => source.emit(sampleView(TREE.containers.filter((c) => c.name !== '/web/api'))));
    expect(screen(r)).toContain('/web/api was destroyed elsewhere; showing /web');
    expect(selectedLine(r)).toMatch(/^› +web\s/);
  });

  it('a status message clears after a few seconds; a pending one stays until its outcome', async () => {
    // Virtual time that also runs on its own, so Ink and the helpers' waits go on as usual.
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const actions = fakeActions();
      let finish = () => undefined as void;
      actions.pause.mockImplementation(() => new Promise<void>((resolve) => (finish = resolve)));
      const { r } = await at('/busy', { actions });
      await press(r, 's');
      expect(screen(r)).toContain('sorted by CPU');
      vi.advanceTimersByTime(STATUS_MS / 2);
      await settle();
      expect(screen(r)).toContain('sorted by CPU');
      vi.advanceTimersByTime(STATUS_MS / 2);
      await vi.waitFor(() => expect(screen(r)).not.toContain('sorted by CPU'));
      await press(r, 'p');
      vi.advanceTimersByTime(2 * STATUS_MS);
      await settle();
      expect(screen(r)).toContain('pausing /busy…');
      finish();
      await vi.waitFor(() => expect(screen(r)).toContain('paused /busy'));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('destroy', () => {
  it('an empty container goes after one y', async () => {
    const { r, actions } = await at('/idle');
    await press(r, 'd');
    expect(screen(r)).toContain('Destroy /idle? [y/N]');
    await press(r, 'y');
    await vi.waitFor(() => expect(screen(r)).toContain('destroyed /idle'));
    expect(actions.destroy).toHaveBeenCalledExactlyOnceWith('/idle', false);
  });

  it.each([
    ['children', '/web', '/web has 1 child container. Destroy all of it?'],
    ['tasks', '/busy', '/busy has 2 tasks. Destroy all of it?'],
  ])('a container with %s needs a second y and is destroyed with force', async (_, name, question) => {
    const { r, actions } = await at(name);
    await press(r, 'd', 'y');
    expect(screen(r)).toContain(question);
    expect(actions.destroy).not.toHaveBeenCalled();
    await press(r, 'y');
    await vi.waitFor(() => expect(actions.destroy).toHaveBeenCalledExactlyOnceWith(name, true));
  });

  it.each([
    ['n at the first question', ['d', 'n']],
    ['Esc at the first question', ['d', KEY.escape]],
    ['n at the second question', ['d', 'y', 'n']],
    ['Esc at the second question', ['d', 'y', KEY.escape]],
  ])('%s destroys nothing', async (_, keys) => {
    const { r, actions } = await at('/web');
    await press(r, ...keys);
    expect(screen(r)).toContain('cancelled');
    expect(screen(r)).not.toContain('Destroy');
    expect(actions.destroy).not.toHaveBeenCalled();
  });

  it('the selection moves to the parent when the container vanishes, with no word of "elsewhere"', async () => {
    const { r, source } = await at('/web/api');
    await press(r, 'd', 'y');
    await vi.waitFor(() => expect(screen(r)).toContain('destroyed /web/api'));
    await drawn(r, () => source.emit(sampleView(TREE.containers.filter((c) => c.name !== '/web/api'))));
    expect(selectedLine(r)).toMatch(/^› +web\s/);
    expect(screen(r)).not.toContain('elsewhere');
  });
});

describe('processes, log and shell', () => {
  it('P lists the processes; K sends the chosen signal to the chosen one; Esc goes back', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'P');
    await vi.waitFor(() => expect(screen(r)).toContain('nginx: worker'));
    expect(actions.processes).toHaveBeenCalledWith('/busy');
    expect(lineWith(r, 'nginx: master')).toMatch(/31\s+root\s+S/);
    await press(r, 'j', 'K');
    expect(screen(r)).toMatch(/Signal for pid \d+ \(nginx: \w+\) in \/busy: \[TERM\]/);
    await press(r, KEY.right, KEY.enter, 'y');
    await vi.waitFor(() => expect(actions.signal).toHaveBeenCalledOnce());
    const [name, pid, signal] = vi.mocked(actions.signal).mock.calls[0];
    expect([name, signal]).toEqual(['/busy', 'KILL']);
    expect([31, 32]).toContain(pid);
    await press(r, KEY.escape);
    expect(screen(r)).not.toContain('nginx');
    await press(r, 'j');
    expect(selectedLine(r)).toContain('frozen');
  });

  it('l shows the log of detached commands', async () => {
    const { r, actions } = await at('/busy');
    await press(r, 'l');
    await vi.waitFor(() => expect(screen(r)).toContain('Log of /busy'));
    await vi.waitFor(() => expect(lineWith(r, 'world')).toBeDefined());
    expect(actions.log).toHaveBeenCalledWith('/busy', undefined);
    await press(r, 'l');
    expect(screen(r)).not.toContain('Log of /busy');
  });

  it('x hands the terminal over: the console ends, to start again once the command exits', async () => {
    const { r, source } = await at('/busy');
    await press(r, 'x');
    expect(screen(r)).toContain('Command in /busy:');
    await type(r, 'top');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(source.listenerCount()).toBe(0));
  });
});

describe('read-only', () => {
  it.each(['c', 'u', 'p', 'r', 'K', 'd', 'x'])('%s only says read-only', async (key) => {
    const { r, actions } = await at('/busy', { readOnly: true });
    await press(r, key);
    expect(screen(r)).toMatch(/read-only: \w+ is disabled/);
    expect(screen(r)).not.toMatch(/\[y\/N\]|name:|Spec for|Run in/);
    for (const fn of Object.values(actions)) expect(fn).not.toHaveBeenCalled();
  });

  it('shows read-only in the footer instead of the action keys', async () => {
    const { r } = await at('/', { readOnly: true });
    expect(screen(r)).toContain('read-only');
    expect(screen(r)).not.toContain('c create');
  });
});

describe('failures', () => {
  it('an LmctfyError shows as CODE: message and the screen stays', async () => {
    const actions = fakeActions();
    actions.pause.mockRejectedValue(new LmctfyError(Code.FAILED_PRECONDITION, 'cgroup is busy'));
    const { r } = await at('/busy', { actions });
    const rowsBefore = screen(r).split('\n').filter((l) => l.includes('RUNNING')).length;
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('FAILED_PRECONDITION: cgroup is busy'));
    expect(screen(r).split('\n').filter((l) => l.includes('RUNNING'))).toHaveLength(rowsBefore);
    expect(selectedLine(r)).toContain('busy');
    await press(r, KEY.down);
    expect(selectedLine(r)).toContain('frozen');
  });

  it('anything else thrown shows as INTERNAL', async () => {
    const actions = fakeActions();
    actions.run.mockImplementation(() => {
      throw new Error('spawn failed');
    });
    const { r } = await at('/busy', { actions });
    await press(r, 'r');
    await type(r, 'true');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('INTERNAL: spawn failed'));
  });

  it('a failed create keeps the selection where it was', async () => {
    const actions = fakeActions();
    actions.create.mockRejectedValue(new LmctfyError(Code.ALREADY_EXISTS, 'container /web/api already exists'));
    const { r } = await at('/web', { actions });
    await press(r, 'c');
    await type(r, 'api');
    await press(r, KEY.enter, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('ALREADY_EXISTS: container /web/api already exists'));
    expect(selectedLine(r)).toContain('web');
  });

  it('the detail panel lists actions and failures as events', async () => {
    const actions = fakeActions();
    actions.resume.mockRejectedValueOnce(new LmctfyError(Code.UNAVAILABLE, 'freezer missing'));
    const { r } = await at('/frozen', { actions });
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('UNAVAILABLE: freezer missing'));
    await press(r, 'p');
    await vi.waitFor(() => expect(screen(r)).toContain('resumed /frozen'));
    await press(r, KEY.enter);
    const lines = screen(r).split('\n');
    const newest = lines.findIndex((l) => /\d\d:\d\d:\d\d resumed \/frozen/.test(l));
    const older = lines.findIndex((l) => /\d\d:\d\d:\d\d UNAVAILABLE/.test(l));
    expect(newest).toBeGreaterThan(0);
    expect(older).toBeGreaterThan(newest);
  });
});
