import { admissionView, type AdmissionView } from './admission.js';
import type { ContainerApi } from './container-api.js';
import { blockDeviceName } from './kernel/block-devices.js';
import { readPressure } from './resources/files.js';
import type { PressureStats } from '../messages/types.js';

export type { CpuSettings } from './resources/types.js';
export type { AdmissionView } from './admission.js';
export { tierFrom, type CpuGroup } from './tier.js';

/** What the metrics exports look up beside a sampler's passes. */
export interface ExportReads {
  /** `/dev/sda` for 8:0; undefined when sysfs does not know the device. */
  deviceName(major: number, minor: number): string | undefined;
  /** The machine policy's budget and each container's tier (docs/POLICY.md); undefined with no policy. */
  admission?(): AdmissionView | undefined;
  /** The machine's PSI (/proc/pressure/{cpu,memory,io}); undefined on a kernel without it. */
  machinePressure?(): PressureStats | undefined;
}

/**
 * The figures cAdvisor's metrics name that a sampler's pass does not keep: IO devices are
 * kept by number (the raw CPU settings it does keep, SampleLimits.cpuKernel). The exports
 * read these as they write.
 */
export function exportReads(api: ContainerApi): ExportReads {
  const m = api.machine;
  return {
    deviceName: (major, minor) => blockDeviceName(m.io, major, minor),
    admission: () => admissionView(m),
    machinePressure() {
      const out: PressureStats = {};
      for (const r of ['cpu', 'memory', 'io'] as const) {
        const p = readPressure(m.io, `/proc/pressure/${r}`);
        if (p) out[r] = p;
      }
      return out.cpu || out.memory || out.io ? out : undefined;
    },
  };
}
