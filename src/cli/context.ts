import { Code, LmctfyError } from '../engine/errors.js';
import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import type { CgroupVersion } from '../engine/kernel/layout.js';

/** The flags every command accepts that choose the machine's cgroups. */
export interface GlobalFlags {
  root?: string;
  cgroupVersion?: string;
}

/** --root / LMCTFY_ROOT and --cgroup-version / LMCTFY_CGROUP_VERSION → engine options. */
export function apiOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): ApiOptions {
  const root = flags.root ?? (env.LMCTFY_ROOT || undefined);
  const v = flags.cgroupVersion ?? (env.LMCTFY_CGROUP_VERSION || undefined);
  let version: CgroupVersion | undefined;
  if (v !== undefined) {
    if (v !== '1' && v !== '2') throw new LmctfyError(Code.INVALID_ARGUMENT, `--cgroup-version must be 1 or 2, got "${v}"`);
    version = Number(v) as CgroupVersion;
  }
  return { root, version };
}

export function openApi(flags: GlobalFlags): ContainerApi {
  return ContainerApi.open(apiOptions(flags));
}
