/**
 * Bandwidth limits of a virtual host's veth pair (ContainerSpec.network, docs/VIRTUAL-HOSTS.md),
 * shaped on the host side so root inside cannot lift them: traffic into the container by an
 * htb on the host end's egress; traffic out of it by redirecting the host end's ingress to
 * an ifb device (u32 + mirred) and an htb there. This kernel builds neither `police` nor the
 * cgroup net classifier, so shaping is per interface, not per cgroup.
 */
import type { ContainerSpec } from '../../messages/types.js';
import { Code, LmctfyError } from '../errors.js';

/** Bits per second in each direction, as seen from inside; absent: no limit. */
export interface Limits {
  ingress?: number;
  egress?: number;
}

/** Slowest rate taken: below it htb's rate tables lose their precision. */
export const MIN_RATE = 8000;
/** Fastest: tc's 64-bit rates go higher, but nothing here carries a terabit. */
export const MAX_RATE = 1e12;

/** The limits a spec's network section asks for (0 or absent: none), checked. Pure. */
export function limitsOf(network: ContainerSpec['network']): Limits {
  const out: Limits = {};
  for (const [field, key] of [['ingress_limit', 'ingress'], ['egress_limit', 'egress']] as const) {
    const v = network?.[field];
    if (v === undefined || v === 0) continue;
    if (!Number.isInteger(v) || v < MIN_RATE || v > MAX_RATE) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `network.${field} ${v} is not a rate between ${MIN_RATE} and ${MAX_RATE} bits per second (0: no limit)`);
    }
    out[key] = v;
  }
  return out;
}

/** The limits after an update: diff changes the fields given (0 lifts one), replace sets exactly the spec's. Pure. */
export function limitsAfter(was: Limits, network: ContainerSpec['network'], policy: 'diff' | 'replace'): Limits {
  const asked = limitsOf(network);
  if (policy === 'replace') return asked;
  const out: Limits = { ...was };
  if (network?.ingress_limit !== undefined) out.ingress = asked.ingress;
  if (network?.egress_limit !== undefined) out.egress = asked.egress;
  if (out.ingress === undefined) delete out.ingress;
  if (out.egress === undefined) delete out.egress;
  return out;
}

/** A limit back in the spec's shape, for `lmctfy spec`. */
export function limitsToSpec(l: Limits): ContainerSpec['network'] | undefined {
  if (l.ingress === undefined && l.egress === undefined) return undefined;
  return { ...(l.ingress === undefined ? {} : { ingress_limit: l.ingress }), ...(l.egress === undefined ? {} : { egress_limit: l.egress }) };
}

/** One htb class carrying everything at `rate`: a root qdisc whose default class is 1:1. */
function htb(dev: string, rate: number, fresh: boolean): string[][] {
  const verb = fresh ? 'add' : 'change';
  const bits = `${rate}bit`;
  const cls = ['tc', 'class', verb, 'dev', dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', bits, 'ceil', bits];
  return fresh ? [['tc', 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1'], cls] : [cls];
}

/**
 * The commands (tc and ip argv) that take a veth's host end `outside` from limits `was` to
 * `now`, with `ifb` the device egress shaping uses. Pure: nothing changes when both agree.
 */
export function shapingSteps(outside: string, ifb: string, was: Limits, now: Limits): string[][] {
  const steps: string[][] = [];
  if (now.ingress === undefined) {
    if (was.ingress !== undefined) steps.push(['tc', 'qdisc', 'del', 'dev', outside, 'root']);
  } else if (now.ingress !== was.ingress) {
    steps.push(...htb(outside, now.ingress, was.ingress === undefined));
  }
  if (now.egress === undefined) {
    if (was.egress !== undefined) steps.push(['tc', 'qdisc', 'del', 'dev', outside, 'ingress'], ['ip', 'link', 'del', ifb]);
  } else if (was.egress !== undefined) {
    if (now.egress !== was.egress) steps.push(...htb(ifb, now.egress, false));
  } else {
    steps.push(
      ['ip', 'link', 'add', ifb, 'type', 'ifb'],
      ['ip', 'link', 'set', ifb, 'up'],
      ...htb(ifb, now.egress, true),
      ['tc', 'qdisc', 'add', 'dev', outside, 'handle', 'ffff:', 'ingress'],
      ['tc', 'filter', 'add', 'dev', outside, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', ifb],
    );
  }
  return steps;
}
