import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
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
