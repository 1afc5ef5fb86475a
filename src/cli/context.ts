import { ContainerApi } from '../engine/container-api.js';
import { openMachine, type ApiOptions } from '../engine/creation.js';
import type { Machine } from '../engine/kernel/machine.js';
import { cgroupVersionOption } from '../engine/backend.js';

/** The flags every command accepts that choose the machine's cgroups. */
export interface GlobalFlags {
  root?: string;
  cgroupVersion?: string;
}

/** --root / LMCTFY_ROOT and --cgroup-version / LMCTFY_CGROUP_VERSION → engine options. */
export function apiOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): ApiOptions {
  const root = flags.root ?? (env.LMCTFY_ROOT || undefined);
  const version = cgroupVersionOption(flags.cgroupVersion ?? (env.LMCTFY_CGROUP_VERSION || undefined), '--cgroup-version');
  return { root, version };
}

export function openApi(flags: GlobalFlags): ContainerApi {
  return ContainerApi.open(apiOptions(flags));
}

/** The machine alone, for a command that needs none of ContainerApi's other operations (create's bundle: creation.ts). */
export function openEngine(flags: GlobalFlags): Machine {
  return openMachine(apiOptions(flags));
}
