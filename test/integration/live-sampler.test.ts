import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { LiveSampler as LiveSamplerType } from '../../src/stats/live.js';
import type { SampleView } from '../../src/stats/model.js';

// The built bundle: only there does LiveSampler find its worker (dist/sampler-worker.js).
const { LiveSampler } = (await import(path.resolve('dist/index.js'))) as { LiveSampler: typeof LiveSamplerType };

describeCgroups('the console’s sampler, in its worker thread', () => {
  const t = testRoot('live');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
  });
  afterAll(() => t.cleanup());

  /** Starts a sampler and resolves with each pass's names until `until` says stop. */
  const run = (workerHeapMb: number | undefined, until: (names: string[], errors: string[]) => Promise<boolean> | boolean) => {
    const live = new LiveSampler({ api: { root: t.root }, root: '/', intervalMs: 50, sampler: { type: 'counters' }, workerHeapMb });
    const errors: string[] = [];
    live.onError((e) => errors.push(e.message));
    // The worker is unref'd, as the console's own loop keeps the process alive.
    const keepAlive = setInterval(() => undefined, 1000);
    return new Promise<string[]>((resolve, reject) => {
      let busy = false;
      live.subscribe(async (view: SampleView) => {
        if (busy) return;
        busy = true;
        try {
          if (await until(view.containers.map((c) => c.name), errors)) resolve(errors);
        } catch (e) {
          reject(e);
        }
        busy = false;
      });
      live.start();
    }).finally(() => {
      live.stop();
      clearInterval(keepAlive);
    });
  };

  it('sees a container made while it runs on one of the next passes (from its events, not a re-validation)', async () => {
    let since: number | undefined;
    const errors = await run(undefined, async (names) => {
      if (names.includes('/later')) return true;
      if (since === undefined) {
        since = 0;
        await api.create('later');
      } else if (++since > 3) throw new Error('not seen within 3 passes of its creation');
      return false;
    });
    expect(errors).toEqual([]);
    await api.destroy('later');
  });

  it('a worker out of memory says so, and sampling goes on on the main thread', async () => {
    let passes = 0;
    const errors = await run(1, () => ++passes >= 3);
    expect(errors).toEqual([expect.stringMatching(/^sampling worker stopped \(.*memory.*\); sampling on the main thread$/)]);
  });

  /** Where each of the first `count` passes was read, with a budget of `workerOverMs`. */
  const placesOf = (workerOverMs: number, count: number) => {
    const live = new LiveSampler({ api: { root: t.root }, root: '/', intervalMs: 20, sampler: { type: 'counters' }, workerOverMs });
    const keepAlive = setInterval(() => undefined, 1000);
    const places: string[] = [];
    return new Promise<string[]>((resolve) => {
      live.subscribe((view: SampleView) => {
        expect(view.containers.map((c) => c.name)).toContain('/');
        places.push(live.where());
        if (places.length === count) resolve(places);
      });
      live.start();
    }).finally(() => {
      live.stop();
      clearInterval(keepAlive);
    });
  };

  it('with a pass budget, starts on the main thread and stays there while passes cost less', async () => {
    expect(await placesOf(10_000, 6)).toEqual(Array(6).fill('thread'));
  });

  it('moves to the worker once passes cost more, and passes go on', async () => {
    // A budget no pass can meet: the second pass is over it many times, the worker reads the third on.
    const places = await placesOf(-1, 6);
    expect(places).toEqual(['thread', 'thread', 'worker', 'worker', 'worker', 'worker']);
  });
});
