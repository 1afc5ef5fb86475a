import * as fs from 'node:fs';
import { elfIsDynamic, BUSYBOX } from '../../src/engine/vhost/rootfs.js';

function staticBusybox(): boolean {
  try {
    return elfIsDynamic(fs.readFileSync(BUSYBOX)) === false;
  } catch {
    return false;
  }
}

const ci = process.env.CI === 'true' || process.env.LMCTFY_REQUIRE_CGROUPS === '1';

/**
 * Why a suite building a rootfs with `lmctfy rootfs build` is skipped, or undefined when it
 * runs. In CI it always runs: describeCgroups fails it without writable cgroups, and rootfs
 * build installs busybox-static.
 */
export const noRootfs = staticBusybox() || ci ? undefined : `no statically linked ${BUSYBOX} (apt-get install busybox-static; CI installs it)`;
