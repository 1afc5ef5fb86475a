import * as path from 'node:path';
import type { Command } from 'commander';
import { ContainerApi } from '../../engine/container-api.js';
import { checkpoint, migrate, restore } from '../../engine/checkpoint/index.js';
import { apiOptions, openApi } from '../context.js';
import { stdout } from '../output.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/** `checkpoint`, `restore` and `migrate`: a container's processes through criu (docs/CHECKPOINT.md). */
export function registerCheckpoint(program: Command): void {
  subcommand(program, 'checkpoint', "save a container's processes, spec and (virtual host) file changes and network into DIR with criu; the container ends unless --leave-running")
    .argument('<name>', 'container name')
    .argument('<dir>', 'a new or empty directory')
    .addOption(new NamedOption('--leave-running', 'keep the container and its processes running after the dump', 'leaveRunning'))
    .action(async (name: string, dir: string, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { leaveRunning?: boolean }>(cmd);
      const m = await checkpoint(openApi(f), name, dir, { leaveRunning: f.leaveRunning ?? false });
      stdout.write(`${m.name}: ${m.pids.length} process(es) checkpointed into ${path.resolve(dir)}${f.leaveRunning ? '' : '; the container is destroyed'}\n`);
    });

  subcommand(program, 'restore', 'make a container from a checkpoint DIR (same spec) and bring its processes back into it; refused when it exists')
    .argument('<name>', 'container name (the checkpointed one, or another)')
    .argument('<dir>', 'a directory lmctfy checkpoint wrote')
    .action(async (name: string, dir: string, _o, cmd: Command) => {
      const c = await restore(openApi(flagsOf(cmd)), name, dir);
      stdout.write(`${c.name}: restored from ${path.resolve(dir)}\n`);
    });

  subcommand(program, 'migrate', 'move a running container to another lmctfy root: checkpoint, then restore there')
    .argument('<name>', 'container name')
    .requiredOption('--to <root>', 'the lmctfy root to move it to (as --root takes it)')
    .action(async (name: string, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { to: string }>(cmd);
      const to = ContainerApi.open({ ...apiOptions(f), root: f.to });
      const c = await migrate(openApi(f), name, to);
      stdout.write(`${c.name}: migrated to root ${f.to}\n`);
    });
}
