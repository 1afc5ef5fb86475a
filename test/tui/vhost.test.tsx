import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { DetailPanel } from '../../src/ui/components/DetailPanel.js';
import { nameCell, nameCellLength } from '../../src/ui/view/row-parts.js';
import type { ContainerView, VirtualHostInfo } from '../../src/stats/model.js';
import { indexTree, visibleRows } from '../../src/ui/view/tree.js';
import { vhostMark, virtualHostSection } from '../../src/ui/view/vhost.js';
import { mount, resize, screen } from './helpers.js';
import { container, fakeActions } from './views.js';

afterEach(cleanup);

const WEB: VirtualHostInfo = {
  hostname: 'web1',
  ip: '10.200.0.2',
  rootfs: '/srv/busybox',
  namespaces: ['mnt', 'pid', 'ipc', 'uts', 'net'],
  interfaces: [{ inside: 'eth0', outside: 'vh1o' }],
};

function vhost(info: VirtualHostInfo, rates: ContainerView['rates'] = {}): ContainerView {
  const view = container('/web', { memory: 5e6 });
  view.raw.virtualHost = info;
  view.raw.stats.network = { interface: [{ name: 'eth0', outside: 'vh1o', rx_bytes: 3 * 1024 ** 2, tx_bytes: 2048 }] };
  view.rates = { ...view.rates, ...rates };
  return view;
}

const rowOf = (view: ContainerView) => visibleRows(indexTree([view]), { collapsed: new Set(), filter: '', sort: 'name' })[0]!;

describe('the tree', () => {
  it('marks a virtual host with its address and hostname; other containers have no mark', () => {
    expect(vhostMark(vhost(WEB))).toBe(' ⌂10.200.0.2 web1');
    expect(vhostMark(vhost({ namespaces: ['mnt', 'pid', 'ipc'], interfaces: [] }))).toBe(' ⌂');
    expect(vhostMark(container('/plain'))).toBe('');
    const row = rowOf(vhost(WEB));
    expect(nameCell(row)).toBe('  /web ⌂10.200.0.2 web1');
    expect(nameCellLength(row)).toBe(nameCell(row).length);
  });
});

describe('the detail section', () => {
  it('namespaces, rootfs, interface and the network rates with their totals', () => {
    expect(virtualHostSection(vhost(WEB, { netRxBytesPerSec: 1024, netTxBytesPerSec: 0 }))?.lines.map((l) => l.text)).toEqual([
      'host web1  ns mnt pid ipc uts net',
      'root /srv/busybox',
      'eth0 10.200.0.2 (host end vh1o)',
      'in 1.0 KiB/s (3.0 MiB)  out 0 B/s (2.0 KiB)',
    ]);
  });
  it('without a rootfs, hostname or veth pair it says what it shares', () => {
    const bare = vhost({ namespaces: ['mnt', 'pid', 'ipc', 'net'], interfaces: [] });
    expect(virtualHostSection(bare)?.lines.map((l) => l.text)).toEqual(["host (the host's name)  ns mnt pid ipc net", "root (the host's root)", 'net: loopback only']);
    expect(virtualHostSection(container('/plain'))).toBeUndefined();
  });
  it('shows in the panel at 80 columns, and not for other containers', async () => {
    const draw = async (view: ContainerView) => {
      const r = mount(<DetailPanel row={rowOf(view)} history={undefined} events={[]} actions={fakeActions()} revision={0} width={80} height={12} />);
      await resize(r, 80, 13);
      return screen(r);
    };
    const shown = await draw(vhost(WEB, { netRxBytesPerSec: 2048 }));
    expect(shown).toContain('Virtual host');
    expect(shown).toContain('in 2.0 KiB/s (3.0 MiB)  out - (2.0 KiB)');
    expect(await draw(container('/plain'))).not.toContain('Virtual host');
  });
});
