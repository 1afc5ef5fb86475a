import { afterAll, beforeAll, expect, it } from 'vitest';
import { followConsoleJournal } from '../../src/cli/top.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { appendJournal, type JournalRecord } from '../../src/engine/journal.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { until } from './notify-procs.js';

describeCgroups("the console's journal (real cgroups)", () => {
  const t = testRoot('consjournal');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('mine', {});
    await api.create('tree', { cpu: { limit: 200 } });
    expect(lmctfy(t.root, ['create', 'tree/leaf', 'cpu:{limit:100}']).code).toBe(0);
  });
  afterAll(() => t.cleanup());

  it("gives the watched tree's past records once, then what is appended; not this process's own actions", async () => {
    const got: Array<{ records: readonly JournalRecord[]; past: boolean }> = [];
    const stop = followConsoleJournal(api, '/tree', (records, past) => got.push({ records, past }));
    try {
      expect(got).toHaveLength(1);
      expect(got[0]!.past).toBe(true);
      // /tree was created by this process (left out), /tree/leaf by the CLI; /mine is outside.
      expect(got[0]!.records.map((r) => `${r.what} ${r.container}`)).toEqual(['create /tree/leaf']);
      const scope = api.machine.trackingDir('/');
      appendJournal(scope, { time: Date.now(), kind: 'decision', what: 'evict', container: '/mine' });
      appendJournal(scope, { time: Date.now(), kind: 'decision', what: 'evict', container: '/tree/leaf', tier: 'BEST_EFFORT' });
      await until(() => got.length > 1, 'the appended decision');
      expect(got.slice(1).flatMap((g) => g.records.map((r) => `${g.past} ${r.what} ${r.container}`))).toEqual(['false evict /tree/leaf']);
    } finally {
      stop();
    }
  });
});
