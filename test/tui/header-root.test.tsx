import { cleanup } from 'ink-testing-library';
import { afterEach, expect, it, vi } from 'vitest';
import { App } from '../../src/ui/components/App.js';
import type { ConsoleHeader } from '../../src/ui/source.js';
import { drawn, mount, resize, screen } from './helpers.js';
import { HEADER, ManualSource, fakeActions, namesView } from './views.js';

afterEach(cleanup);

const PATH = '/sys/fs/cgroup/freezer/process_api/d0fd8eb38ef4a5b22444c43c7ca09860/lmctfy-x';

/** A source that knows the kernel's path of its tree, as the live one does. */
class DelegatedSource extends ManualSource {
  override header(): ConsoleHeader {
    return { ...HEADER, cgroupPath: PATH };
  }
}

it.each([120, 200])('the console header names the delegated cgroup, fitted to %s columns (issue 12.6)', async (columns) => {
  const source = new DelegatedSource();
  const r = mount(<App source={source} actions={fakeActions()} readOnly={false} />);
  await vi.waitFor(() => expect(source.listenerCount()).toBe(1));
  await resize(r, columns, 30);
  await drawn(r, () => source.emit(namesView('/', '/a')));
  const first = screen(r).split('\n')[0]!;
  expect(first).toMatch(/root \/ = \/sys\/fs\S*lmctfy-x$/);
  expect(first.length).toBeLessThanOrEqual(columns);
});

it.each([
  [['/'], '1 container '],
  [['/', '/a'], '2 containers '],
])('the header counts %j as %j', async (names, text) => {
  const source = new ManualSource();
  const r = mount(<App source={source} actions={fakeActions()} readOnly={false} />);
  await vi.waitFor(() => expect(source.listenerCount()).toBe(1));
  await drawn(r, () => source.emit(namesView(...names)));
  expect(screen(r).split('\n')[1]).toContain(text);
});
