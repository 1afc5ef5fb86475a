import { describe, expect, it } from 'vitest';
import { networkStats, parseNetDev } from '../../src/engine/sampling/network.js';
import { deriveRates } from '../../src/stats/rates.js';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import type { RawContainerSample, SampleView } from '../../src/stats/model.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
vh1o:   5000      50    1    2    0     0          0         0    90000     70    3    4    0     0       0          0
broken: 1 2 3
  odd:  1 2 3 4 5 6 7 8 -9 10 11 12 13 14 15 16
`;

describe('parseNetDev', () => {
  it('reads the receive and transmit counters by interface, leaving out lines that do not parse', () => {
    const t = parseNetDev(NET_DEV);
    expect([...t.keys()]).toEqual(['lo', 'vh1o']);
    expect(t.get('vh1o')).toEqual({ rxBytes: 5000, rxPackets: 50, rxErrors: 1, rxDropped: 2, txBytes: 90000, txPackets: 70, txErrors: 3, txDropped: 4 });
  });
});

describe('networkStats', () => {
  it('swaps the host end\'s columns: what it transmitted the container received', () => {
    expect(networkStats([{ inside: 'eth0', outside: 'vh1o' }], parseNetDev(NET_DEV))).toEqual({
      interface: [{ name: 'eth0', outside: 'vh1o', rx_bytes: 90000, rx_packets: 70, rx_errors: 3, rx_dropped: 4, tx_bytes: 5000, tx_packets: 50, tx_errors: 1, tx_dropped: 2 }],
    });
  });
  it('leaves out an interface the host no longer has; none left: no network stats', () => {
    expect(networkStats([{ inside: 'eth0', outside: 'gone0' }], parseNetDev(NET_DEV))).toBeUndefined();
  });
});

const sample = (id: number, rx: number, tx: number, outside = 'vh1o'): RawContainerSample => ({
  name: '/vh',
  id,
  limits: {},
  stats: { network: { interface: [{ name: 'eth0', outside, rx_bytes: rx, tx_bytes: tx }] } },
});

describe('network rates', () => {
  it.each([
    ['traffic over 2 s', sample(1, 1000, 50), sample(1, 5000, 250), { netRxBytesPerSec: 2000, netTxBytesPerSec: 100 }],
    ['a counter that went backwards', sample(1, 5000, 50), sample(1, 1000, 250), { netTxBytesPerSec: 100 }],
    ['a new interface counts from 0', sample(1, 1000, 50, 'old0'), sample(1, 600, 20), { netRxBytesPerSec: 300, netTxBytesPerSec: 10 }],
    ['a recreated container', sample(1, 1000, 50), sample(2, 5000, 250), {}],
  ])('%s', (_what, prev, cur, want) => {
    expect(deriveRates(prev, cur, 2e9)).toEqual(want);
  });
});

describe('OpenMetrics', () => {
  it('cAdvisor\'s container_network_* families, labelled with the interface inside', () => {
    const view: SampleView = { timestamp: 't', monoNs: 0, intervalSec: 1, containers: [{ name: '/vh', depth: 1, raw: sample(1, 7, 9), rates: {} }] };
    const text = toOpenMetrics(view, { format: 'prometheus' });
    expect(text).toContain('# TYPE container_network_receive_bytes_total counter\ncontainer_network_receive_bytes_total{id="/vh",interface="eth0"} 7\n');
    expect(text).toContain('container_network_transmit_bytes_total{id="/vh",interface="eth0"} 9\n');
    expect(text).not.toContain('container_network_receive_packets_total');
  });
});
