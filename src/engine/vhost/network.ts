/**
 * A virtual host's veth pair, bridge and address. The vhost helper makes them over rtnetlink
 * (native/vhost-net.h) before PID 1 starts; what it will make is recorded here first, in the
 * state dir's network.json, so teardown removes exactly that whatever step failed. Teardown
 * and bandwidth shaping (tc, only with limits) use iproute2.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { NetworkPlan } from './plan.js';
import { shapingSteps, type Limits } from './shaping.js';

interface Made {
  outside?: string;
  /** The inside end's name, for the stats (src/engine/sampling/network.ts). */
  inside?: string;
  /** The bridge joined. */
  bridge?: string;
  /** The ifb device egress shaping redirects to (shaping.ts), recorded before it is made. */
  ifb?: string;
  /** The bandwidth limits in force. */
  limits?: Limits;
}

/**
 * Bridges lmctfy made on demand are marked in `<vhosts dir>/bridges/<name>`: whichever
 * virtual host leaves one last removes it; a bridge made by someone else is left alone.
 */
function bridgeMark(state: string, bridge: string): string {
  return path.join(path.dirname(state), 'bridges', bridge);
}

function markBridge(state: string, bridge: string): void {
  const mark = bridgeMark(state, bridge);
  fs.mkdirSync(path.dirname(mark), { recursive: true, mode: 0o700 });
  fs.writeFileSync(mark, '');
}

const exists = (ifname: string) => fs.existsSync(`/sys/class/net/${ifname}`);
const isBridge = (ifname: string) => fs.existsSync(`/sys/class/net/${ifname}/bridge`);

/** Name clashes on the host, refused before anything is made. */
export function checkNetworkFree(plan: NetworkPlan, name: string): void {
  if (exists(plan.outside)) {
    throw new LmctfyError(Code.ALREADY_EXISTS, `cannot create virtual host ${name}: interface ${plan.outside} already exists on the host; choose another connection.veth_pair.outside`);
  }
  if (plan.bridge !== undefined && exists(plan.bridge) && !isBridge(plan.bridge)) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot create virtual host ${name}: ${plan.bridge} exists on the host and is not a bridge; choose another connection.bridge.name`);
  }
}

function run(cmd: string, args: string[], name: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`;
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot set up the network of virtual host ${name}: ${cmd} ${args.join(' ')}: ${why}${r.error ? ' (install iproute2 and util-linux)' : ''}`);
  }
}

function record(state: string, made: Made): void {
  fs.writeFileSync(path.join(state, 'network.json'), JSON.stringify(made));
}

/**
 * Records what the helper is about to make (the pair, the bridge joined), marking the bridge as
 * lmctfy's when it is missing, so a failure at any later step tears down exactly that.
 */
export function recordPlannedNetwork(plan: NetworkPlan, state: string): void {
  if (plan.bridge !== undefined && !exists(plan.bridge)) markBridge(state, plan.bridge);
  record(state, { outside: plan.outside, inside: plan.inside, ...(plan.bridge !== undefined ? { bridge: plan.bridge } : {}) });
}

function readMade(state: string): Made | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(state, 'network.json'), 'utf8')) as Made;
  } catch {
    return undefined;
  }
}

/** The bandwidth limits in force on a virtual host's veth pair; undefined when it has none. */
export function vethLimits(state: string): Limits | undefined {
  const made = readMade(state);
  return made?.outside === undefined ? undefined : (made.limits ?? {});
}

/**
 * Shapes the veth pair to `now` (shaping.ts) from the limits in force. The ifb device is
 * named after the state dir's key (unique per container, 15 characters) and recorded before
 * it is made, so teardown removes it whatever step failed.
 */
export function setLimits(state: string, name: string, now: Limits): void {
  const made = readMade(state);
  if (made?.outside === undefined) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `${name} has no veth pair to limit; network.ingress_limit and egress_limit need virtual_host.network.connection.veth_pair`);
  }
  const ifb = made.ifb ?? `lmi${path.basename(state).slice(0, 12)}`;
  if (now.egress !== undefined && made.ifb === undefined) record(state, { ...made, ifb });
  for (const [cmd, ...args] of shapingSteps(made.outside, ifb, made.limits ?? {}, now)) run(cmd!, args, name);
  const next: Made = { ...made, limits: now };
  if (now.egress === undefined) delete next.ifb;
  else next.ifb = ifb;
  record(state, next);
}

/** A virtual host's interface: its name inside and the host end of its veth pair. */
export interface VethEnds {
  inside: string;
  outside: string;
}

/** The veth pair of a virtual host's state dir (none without one, or before it was made). */
export function vethEnds(state: string): VethEnds[] {
  const made = readMade(state);
  return made?.outside !== undefined && made.inside !== undefined ? [{ inside: made.inside, outside: made.outside }] : [];
}

/**
 * Removes what setUpNetwork made: the outside end (which takes the inside one with it, if
 * the namespace has not already, and its qdiscs), the ifb device of egress shaping and a bridge lmctfy made once nothing else is on it.
 */
export function tearDownNetwork(state: string, name: string): void {
  const made = readMade(state);
  if (!made) return;
  for (const dev of [made.outside, made.ifb]) {
    if (dev === undefined || !exists(dev)) continue;
    try {
      run('ip', ['link', 'del', dev], name);
    } catch (e) {
      // Gone meanwhile with its namespace: that is what was wanted.
      if (exists(dev)) throw e;
    }
  }
  const mark = made.bridge === undefined ? undefined : bridgeMark(state, made.bridge);
  if (made.bridge === undefined || mark === undefined || !fs.existsSync(mark)) return;
  if (!isBridge(made.bridge)) {
    fs.rmSync(mark, { force: true });
  } else if (fs.readdirSync(`/sys/class/net/${made.bridge}/brif`).length === 0) {
    run('ip', ['link', 'del', made.bridge], name);
    fs.rmSync(mark, { force: true });
  }
}
