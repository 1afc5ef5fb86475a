import * as path from 'node:path';
import type { Command } from 'commander';
import { buildRootfs } from '../../engine/vhost/rootfs.js';
import { stdout } from '../output.js';
import { subcommand } from './options.js';

/** `rootfs build DIR`: a minimal busybox root file system for virtual hosts (docs/VIRTUAL-HOSTS.md). */
export function registerRootfs(program: Command): void {
  const rootfs = program.command('rootfs').description('root file systems for virtual hosts (filesystem.rootfs)');
  subcommand(rootfs, 'build', "make a minimal root file system in DIR from Debian's busybox-static (installed when missing, as root)")
    .argument('<dir>', 'a new or empty directory')
    .action((dir: string) => {
      const abs = path.resolve(dir);
      const n = buildRootfs(abs);
      stdout.write(`${abs}: busybox with ${n} applets; use it as filesystem:{rootfs:'${abs}'}\n`);
    });
}
