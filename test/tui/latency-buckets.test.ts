import { describe, expect, it } from 'vitest';
import { OPEN_BUCKET, type HistogramMap } from '../../src/messages/types.js';
import type { ContainerView } from '../../src/stats/model.js';
import { SCHEDSTAT_BUCKET_EDGES_US } from '../../src/stats/histogram.js';
import { latencySection } from '../../src/ui/view/detail.js';

const view = (histograms: HistogramMap[]): ContainerView => ({
  name: '/c',
  depth: 1,
  raw: { name: '/c', id: 1, limits: {}, stats: {}, histogramSource: 'schedstat' },
  rates: {},
  histograms,
});

/** The bucket labels the panel draws, in order. */
const labels = (h: HistogramMap) => latencySection(view([h]), 60, 40).lines.slice(1).map((l) => l.text.trim().split(/\s+/)[0]);

describe('latency panel bucket labels', () => {
  it('the last finite bucket and the open one read apart: ≤100ms, then >100ms', () => {
    const stat = [...SCHEDSTAT_BUCKET_EDGES_US.map((bucket) => ({ bucket, value: 0 })), { bucket: OPEN_BUCKET, value: 0 }];
    stat.at(-2)!.value = 3;
    stat.at(-1)!.value = 2;
    expect(labels({ type: 'ONCPU', stat })).toEqual(['≤100ms', '>100ms']);
  });

  it('a kernel histogram without an open bucket ends on a closed one, labelled by its upper edge', () => {
    expect(labels({ type: 'SERVE', stat: [{ bucket: 1000, value: 1 }, { bucket: 5000, value: 2 }] })).toEqual(['≤1ms', '≤5ms']);
  });
});
