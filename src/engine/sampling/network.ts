import * as fs from 'node:fs';
import { depthOf } from '../names.js';
import { vethEnds, type VethEnds } from '../vhost/network.js';
import { readSaved, stateDir, vhostsDir } from '../vhost/state.js';
import type { VirtualHostInfo } from './types.js';
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

const NAMESPACES: Record<string, string> = { m: 'mnt', p: 'pid', i: 'ipc', u: 'uts', n: 'net', U: 'user' };

/**
 * What a virtual host's state dir says it is, and whether that is final (its veth pair, when
 * it asks for one, is made: create writes it before PID 1 runs); undefined when `name` is not one.
 */
export function virtualHostInfo(scope: string, name: string): { info: VirtualHostInfo; settled: boolean } | undefined {
  const saved = readSaved(scope, name);
  if (!saved) return undefined;
  const info: VirtualHostInfo = {
    namespaces: [...(saved.namespaces ?? '')].map((l) => NAMESPACES[l] ?? l),
    interfaces: vethEnds(stateDir(scope, name)),
  };
  const vh = saved.virtual_host;
  if (vh.virtual_hostname !== undefined) info.hostname = vh.virtual_hostname;
  if (vh.network?.virtual_ip?.ip !== undefined) info.ip = vh.network.virtual_ip.ip;
  if (saved.filesystem?.rootfs !== undefined) info.rootfs = saved.filesystem.rootfs;
  return { info, settled: info.interfaces.length > 0 || vh.network?.connection?.veth_pair === undefined };
}

/** One container's network stats now; undefined unless it is a virtual host with a veth pair. */
export function readNetworkStats(scope: string, name: string): NetworkStats | undefined {
  if (depthOf(name) !== 1) return undefined;
  const ends = vethEnds(stateDir(scope, name));
  return ends.length > 0 ? networkStats(ends, readNetDev()) : undefined;
}

/**
 * Virtual hosts pass by pass, for samplers: at most one listing of the virtual hosts' state
 * dirs (when a top-level container is read: a pass that carries them lists nothing) and one
 * read of /proc/net/dev per pass, whatever the number of containers. Only
 * top-level containers can be virtual hosts; what a container is (fixed at create, its veth
 * pair made before PID 1 runs) is kept in `known` (its reading state, gone with its cgroup)
 * once its interfaces are up, or at once when it has none to wait for.
 */
export class PassVirtualHosts {
  /** This pass's listing, made at its first top-level read. */
  private keys: Set<string> | undefined;
  private netdev: Map<string, NetDevCounters> | undefined;

  constructor(private readonly scope: string) {}

  startPass(): void {
    this.netdev = undefined;
    this.keys = undefined;
  }

  private listed(): Set<string> {
    if (this.keys) return this.keys;
    try {
      this.keys = new Set(fs.readdirSync(vhostsDir()));
    } catch {
      this.keys = new Set();
    }
    return this.keys;
  }

  /** A virtual host's description and network stats; undefined for another container. */
  read(name: string, known: { virtualHost?: VirtualHostInfo }): { info: VirtualHostInfo; network?: NetworkStats } | undefined {
    if (depthOf(name) !== 1) return undefined;
    const keys = this.listed();
    if (keys.size === 0) return undefined;
    let info = known.virtualHost;
    if (!info) {
      if (!keys.has(lockKey(this.scope, name))) return undefined;
      const found = virtualHostInfo(this.scope, name);
      if (!found) return undefined;
      info = found.info;
      // A veth pair still being made is looked for again next pass.
      if (found.settled) known.virtualHost = info;
    }
    if (info.interfaces.length === 0) return { info };
    this.netdev ??= readNetDev();
    const network = networkStats(info.interfaces, this.netdev);
    return network ? { info, network } : { info };
  }
}
