import { Code, LmctfyError } from './errors.js';
import type { CgroupVersion, V1Controller } from './kernel/layout.js';
import { resourcesFor } from './resources/index.js';
import type { CgroupHandle, Resource, ResourceSet } from './resources/types.js';
import type { ContainerSpec } from '../messages/types.js';

/** Spec fields that name an isolatable resource, and the hierarchy that says it is isolated. */
export const RESOURCE_KEYS = { cpu: 'cpu', memory: 'memory', pids: 'pids', blockio: 'blkio', device: 'devices' } as const;
export type ResourceKey = keyof typeof RESOURCE_KEYS;

// virtual_host, filesystem and network (a virtual host's bandwidth) are checked by the virtual hosts' planner (vhost/plan.ts).
const UNSUPPORTED_TOP: Array<keyof ContainerSpec> = ['monitoring', 'security_spec'];

/** Resource fields present in a spec, in a stable order. */
export function specKeys(spec: ContainerSpec): ResourceKey[] {
  return (Object.keys(RESOURCE_KEYS) as ResourceKey[]).filter((k) => spec[k] !== undefined);
}

/** Rejects spec sections lmctfy cannot honour on this machine: never silently dropped. */
export function checkSpecSupported(spec: ContainerSpec, version: CgroupVersion): void {
  const resources = resourcesFor(version);
  for (const key of UNSUPPORTED_TOP) {
    const v = spec[key];
    if (v !== undefined && (typeof v !== 'object' || Object.keys(v as object).length > 0)) {
      throw new LmctfyError(Code.UNIMPLEMENTED, `ContainerSpec.${key} is not supported by this lmctfy`);
    }
  }
  resources.checkSpec(spec);
  if (spec.children_limit !== undefined && (!Number.isInteger(spec.children_limit) || spec.children_limit < -1)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `ContainerSpec.children_limit: ${spec.children_limit} is not -1 (unlimited) or a count`);
  }
  for (const key of ['owner', 'owner_group'] as const) {
    const v = spec[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xfffffffe)) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `ContainerSpec.${key}: ${v} is not a valid id`);
    }
  }
  for (const r of resources.all) if (r.wants(spec)) r.validate(spec);
}

/** Resource keys the container isolates now. */
export function isolatedKeys(h: CgroupHandle): Set<ResourceKey> {
  const out = new Set<ResourceKey>();
  for (const r of h.resources.all) {
    const key = KEY_OF.get(r.controller);
    if (key !== undefined && r.isolated(h)) out.add(key);
  }
  return out;
}

const KEY_OF = new Map((Object.entries(RESOURCE_KEYS) as Array<[ResourceKey, V1Controller]>).map(([k, c]) => [c, k]));

/** Resources to apply for a spec; with `isolated` (replace), also those that must go back to defaults. */
export function resourcesToApply(resources: ResourceSet, spec: ContainerSpec, isolated?: Set<ResourceKey>): Resource[] {
  return resources.all.filter(
    (r) => r.wants(spec) || (isolated !== undefined && [...isolated].some((k) => RESOURCE_KEYS[k] === r.controller)),
  );
}

export { TRACKING_CONTROLLERS } from './kernel/hierarchies.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges spec or stats fragments produced by the per-controller handlers. Fragments
 * are fresh objects owned by the caller, so they are merged in place rather than copied:
 * this runs for every container on every sampling pass.
 */
export function mergeFragments(fragments: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>) => {
    for (const k in from) {
      const v = from[k];
      if (v === undefined) continue;
      const cur = into[k];
      if (isPlainObject(cur) && isPlainObject(v)) merge(cur, v);
      else into[k] = v;
    }
  };
  for (const f of fragments) merge(out, f as Record<string, unknown>);
  return out;
}
