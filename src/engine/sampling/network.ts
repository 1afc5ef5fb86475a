import * as fs from 'node:fs';
import { depthOf } from '../names.js';
import { vethEnds, type VethEnds } from '../vhost/network.js';
import { stateDir, vhostsDir } from '../vhost/state.js';
import { lockKey } from '../lock.js';
import type { NetworkInterfaceStats, NetworkStats } from '../../messages/types.js';

/** One interface's line of /proc/net/dev: its receive and transmit counters as the host sees them. */
export interface NetDevCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/**
 * /proc/net/dev by interface name. Its columns: receive bytes, packets, errs, drop, fifo,
 * frame, compressed, multicast, then transmit bytes, packets, errs, drop, ... Lines that
 * do not parse are left out.
 */
export function parseNetDev(text: string): Map<string, NetDevCounters> {
  const out = new Map<string, NetDevCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || f.length < 16 || f.some((n) => !Number.isSafeInteger(n) || n < 0)) continue;
    out.set(name, { rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!, txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]! });
  }
  return out;
}

/**
 * A virtual host's interfaces as seen from inside, counted at the host ends of their veth
 * pairs: what the host end received the container sent (its tx), and the other way round.
 * An interface the host no longer has is left out.
 */
export function networkStats(ends: readonly VethEnds[], netdev: ReadonlyMap<string, NetDevCounters>): NetworkStats | undefined {
  const list: NetworkInterfaceStats[] = [];
  for (const e of ends) {
    const c = netdev.get(e.outside);
    if (!c) continue;
    list.push({
      name: e.inside,
      outside: e.outside,
      rx_bytes: c.txBytes,
      rx_packets: c.txPackets,
      rx_errors: c.txErrors,
      rx_dropped: c.txDropped,
      tx_bytes: c.rxBytes,
      tx_packets: c.rxPackets,
      tx_errors: c.rxErrors,
      tx_dropped: c.rxDropped,
    });
  }
  return list.length > 0 ? { interface: list } : undefined;
}

function readNetDev(): Map<string, NetDevCounters> {
  try {
    return parseNetDev(fs.readFileSync('/proc/net/dev', 'utf8'));
  } catch {
    return new Map();
  }
}

/** One container's network stats now; undefined unless it is a virtual host with a veth pair. */
export function readNetworkStats(scope: string, name: string): NetworkStats | undefined {
  if (depthOf(name) !== 1) return undefined;
  const ends = vethEnds(stateDir(scope, name));
  return ends.length > 0 ? networkStats(ends, readNetDev()) : undefined;
}

/**
 * Network stats pass by pass, for samplers: one listing of the virtual hosts' state dirs
 * and at most one read of /proc/net/dev per pass, whatever the number of containers. Only
 * top-level containers can be virtual hosts; a container's veth pair, fixed at create, is
 * kept in `known` (its reading state, gone with its cgroup) once found.
 */
export class PassNetwork {
  private keys: Set<string> = new Set();
  private netdev: Map<string, NetDevCounters> | undefined;

  constructor(private readonly scope: string) {}

  startPass(): void {
    this.netdev = undefined;
    try {
      this.keys = new Set(fs.readdirSync(vhostsDir()));
    } catch {
      this.keys = new Set();
    }
  }

  stats(name: string, known: { interfaces?: VethEnds[] }): NetworkStats | undefined {
    if (this.keys.size === 0 || depthOf(name) !== 1) return undefined;
    if (!known.interfaces) {
      const key = lockKey(this.scope, name);
      if (!this.keys.has(key)) return undefined;
      const ends = vethEnds(stateDir(this.scope, name));
      if (ends.length === 0) return undefined;
      known.interfaces = ends;
    }
    this.netdev ??= readNetDev();
    return networkStats(known.interfaces, this.netdev);
  }
}
