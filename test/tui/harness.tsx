import { expect, vi } from 'vitest';
import { App } from '../../src/ui/components/App.js';
import type { ConsoleActions } from '../../src/ui/source.js';
import type { SampleView } from '../../src/stats/model.js';
import { drawn, mount, type Rendered } from './helpers.js';
import { ManualSource, fakeActions } from './views.js';

export interface Started<A extends ConsoleActions> {
  source: ManualSource;
  actions: A;
  r: Rendered;
}

/** Mounts the console on a hand-driven source and draws `view` as its first pass. */
export async function startConsole<A extends ConsoleActions = ReturnType<typeof fakeActions>>(
  view: SampleView | undefined,
  options: { readOnly?: boolean; actions?: A } = {},
): Promise<Started<A>> {
  const source = new ManualSource();
  const actions = options.actions ?? (fakeActions() as unknown as A);
  const r = mount(<App source={source} actions={actions} readOnly={options.readOnly ?? false} />);
  await vi.waitFor(() => expect(source.listenerCount()).toBe(1));
  if (view) await drawn(r, () => source.emit(view));
  return { source, actions, r };
}
