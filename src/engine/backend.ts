import { Code, LmctfyError } from './errors.js';
import type { ContainerApi } from './container-api.js';
import type { CgroupVersion } from './kernel/layout.js';

/**
 * A cgroup version asked for by name ("1" or "2"), for ApiOptions.version; undefined when
 * none is asked. `what` names the option in the error (a flag, an environment variable).
 */
export function cgroupVersionOption(text: string | undefined, what: string): CgroupVersion | undefined {
  if (text === undefined) return undefined;
  if (text !== '1' && text !== '2') throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} must be 1 or 2, got "${text}"`);
  return Number(text) as CgroupVersion;
}

/** What the machine mounts and which backend lmctfy drives, for a human: "hybrid, v1 backend". */
export function describeBackend(api: ContainerApi): string {
  return `${api.machine.layout.mode}, v${api.machine.version} backend`;
}

/**
 * The kernel's directory of container `name`, for a human: the cgroup that says it exists
 * (freezer on v1, the unified dir on v2), as `detect` names lmctfy's root.
 */
export function describeCgroupPath(api: ContainerApi, name: string): string {
  return api.machine.trackingDir(api.resolve(name));
}
