import type { ContainerView } from '../../stats/model.js';
import type { Section } from './detail.js';
import { formatBytes } from './format.js';

/**
 * A virtual host in the console (docs/VIRTUAL-HOSTS.md): its mark beside the name in the
 * tree, and its section of the detail panel.
 */

/**
 * " ⌂10.200.0.2 vh1" after a virtual host's name: its address, then its hostname (the address
 * first, as a narrow name column cuts from the end); '' for other containers.
 */
export function vhostMark(view: ContainerView): string {
  const vh = view.raw.virtualHost;
  if (!vh) return '';
  return ` ${HOUSE}${[vh.ip, vh.hostname].filter((p) => p !== undefined).join(' ')}`;
}

export const HOUSE = '⌂';

const perSec = (bytes: number | undefined) => (bytes === undefined ? '-' : `${formatBytes(bytes)}/s`);

/** Namespaces, root file system, interfaces and the network rates (in and out as seen from inside); undefined for other containers. */
export function virtualHostSection(view: ContainerView): Section | undefined {
  const vh = view.raw.virtualHost;
  if (!vh) return undefined;
  const lines = [
    { text: `host ${vh.hostname ?? '(the host\'s name)'}  ns ${vh.namespaces.join(' ')}` },
    { text: `root ${vh.rootfs ?? '(the host\'s root)'}` },
  ];
  const total = { rx: 0, tx: 0, counted: false };
  for (const i of view.raw.stats.network?.interface ?? []) {
    total.rx += i.rx_bytes ?? 0;
    total.tx += i.tx_bytes ?? 0;
    total.counted = true;
  }
  for (const e of vh.interfaces) lines.push({ text: [e.inside, vh.ip, `(host end ${e.outside})`].filter((p) => p !== undefined).join(' ') });
  if (vh.interfaces.length === 0) lines.push({ text: vh.namespaces.includes('net') ? 'net: loopback only' : "net: the host's" });
  else {
    const sum = (bytes: number) => (total.counted ? ` (${formatBytes(bytes)})` : '');
    lines.push({ text: `in ${perSec(view.rates.netRxBytesPerSec)}${sum(total.rx)}  out ${perSec(view.rates.netTxBytesPerSec)}${sum(total.tx)}` });
  }
  return { title: 'Virtual host', lines };
}
