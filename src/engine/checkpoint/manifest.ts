/**
 * The checkpoint directory's own file, `lmctfy-checkpoint.json` (docs/CHECKPOINT.md): what
 * restore needs besides criu's images: the container's spec, the dumped pids, and for a
 * virtual host its network. Parsing is pure and checks every field, so a damaged directory
 * fails with one line naming what is wrong before anything is made.
 */
import { Code, LmctfyError } from '../errors.js';
import { formatJson, parseJson } from '../../messages/json.js';
import type { ContainerSpec } from '../../messages/types.js';
import type { NetworkPlan } from '../vhost/plan.js';
import { parseSavedTmpfs, type SavedTmpfs } from './tmpfs.js';

export const MANIFEST = 'lmctfy-checkpoint.json';
export const IMAGES = 'images';
/** The overlay's upper dir of a virtual host, as a tar with its trusted.* xattrs (overlay whiteouts). */
export const UPPER_TAR = 'upper.tar';
/**
 * 2: a virtual host's net namespace is not in criu's images but made again from the spec
 * (netns.ts). 3: nor its tmpfs mounts, which lmctfy archives itself (`vhost.tmpfs`, tmpfs.ts).
 * Restore reads both.
 */
const FORMAT = 'lmctfy-checkpoint/3';
const READS = ['lmctfy-checkpoint/2', FORMAT];

export interface Manifest {
  /** The container's absolute name where it was checkpointed. */
  name: string;
  /** The lmctfy root it lived under (`--root`), and the machine. */
  root: string;
  host: string;
  /** ISO time of the dump. */
  created: string;
  /** The criu version that wrote the images: restore needs a compatible one. */
  criu: string;
  /** The process tree's root pid and every pid dumped (on the host; plain containers restore with the same pids). */
  rootPid: number;
  pids: number[];
  spec: ContainerSpec;
  /** Present for a virtual host. */
  vhost?: { network?: NetworkPlan; rootfs?: string; tmpfs?: SavedTmpfs[] };
}

/** The spec as the manifest holds it (its JSON form through the message schema): the costly part of formatManifest, done apart. */
export function manifestSpec(spec: ContainerSpec): unknown {
  return JSON.parse(formatJson('ContainerSpec', spec)) as unknown;
}

export function formatManifest(m: Manifest, spec: unknown = manifestSpec(m.spec)): string {
  return `${JSON.stringify({ format: FORMAT, ...m, spec }, null, 2)}\n`;
}

function bad(where: string, what: string): LmctfyError {
  return new LmctfyError(Code.INVALID_ARGUMENT, `${where} is not an lmctfy checkpoint: ${what}`);
}

const isPid = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;

/** The manifest in `text` (from `where`), every field checked. */
export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(where, `its ${MANIFEST} is not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(where, `its ${MANIFEST} is not a JSON object`);
  const o = raw as Record<string, unknown>;
  if (o.format === 'lmctfy-checkpoint/1') throw bad(where, `its ${MANIFEST} has format "lmctfy-checkpoint/1" (an earlier lmctfy's, whose images hold a virtual host's network); checkpoint the container again`);
  if (!READS.includes(o.format as string)) throw bad(where, `its ${MANIFEST} has format ${JSON.stringify(o.format)}, not "${FORMAT}"`);
  for (const key of ['name', 'root', 'host', 'created', 'criu'] as const) {
    if (typeof o[key] !== 'string' || o[key] === '') throw bad(where, `its ${MANIFEST} has no ${key}`);
  }
  if (!(o.name as string).startsWith('/')) throw bad(where, `its ${MANIFEST} name ${JSON.stringify(o.name)} is not an absolute container name`);
  if (!isPid(o.rootPid)) throw bad(where, `its ${MANIFEST} has no rootPid`);
  if (!Array.isArray(o.pids) || o.pids.length === 0 || !o.pids.every(isPid) || !o.pids.includes(o.rootPid)) {
    throw bad(where, `its ${MANIFEST} pids are not a list of pids holding rootPid`);
  }
  if (typeof o.spec !== 'object' || o.spec === null) throw bad(where, `its ${MANIFEST} has no spec`);
  let spec: ContainerSpec;
  try {
    spec = parseJson<ContainerSpec>('ContainerSpec', JSON.stringify(o.spec));
  } catch (e) {
    throw bad(where, `its ${MANIFEST} spec is not a ContainerSpec (${(e as Error).message})`);
  }
  const m: Manifest = {
    name: o.name as string,
    root: o.root as string,
    host: o.host as string,
    created: o.created as string,
    criu: o.criu as string,
    rootPid: o.rootPid,
    pids: o.pids as number[],
    spec,
  };
  if (o.vhost !== undefined) {
    if (typeof o.vhost !== 'object' || o.vhost === null) throw bad(where, `its ${MANIFEST} vhost is not an object`);
    const v = o.vhost as Record<string, unknown>;
    if (v.network !== undefined && (typeof v.network !== 'object' || v.network === null || typeof (v.network as NetworkPlan).outside !== 'string' || typeof (v.network as NetworkPlan).inside !== 'string')) {
      throw bad(where, `its ${MANIFEST} vhost.network has no outside and inside interface names`);
    }
    const mac = (v.network as NetworkPlan | undefined)?.mac;
    if (mac !== undefined && (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac))) {
      throw bad(where, `its ${MANIFEST} vhost.network.mac ${JSON.stringify(mac)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
    }
    const tmpfs = v.tmpfs === undefined ? undefined : parseSavedTmpfs(v.tmpfs);
    if (typeof tmpfs === 'string') throw bad(where, `its ${MANIFEST} ${tmpfs}`);
    m.vhost = { network: v.network as NetworkPlan | undefined, rootfs: typeof v.rootfs === 'string' ? v.rootfs : undefined, ...(tmpfs ? { tmpfs } : {}) };
  }
  return m;
}
