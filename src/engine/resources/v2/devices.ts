import { Code, LmctfyError } from '../../errors.js';
import { devicesWants } from '../devices.js';
import type { Resource } from '../types.js';

/** devices on cgroup v2: controlled by BPF programs, not files, which lmctfy does not load. */

function unimplemented(): LmctfyError {
  return new LmctfyError(Code.UNIMPLEMENTED, 'device restrictions need cgroup v1: cgroup v2 controls devices with BPF programs, which lmctfy does not load');
}

export const devicesV2: Resource = {
  controller: 'devices',
  wants: devicesWants,
  validate(spec) {
    if (spec.device !== undefined) throw unimplemented();
  },
  isolated: () => false,
  apply() {
    throw unimplemented();
  },
  read: () => undefined,
  stats: () => ({}),
};
