import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import type { ForegroundCommand } from '../../engine/container.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/** One argument with a space runs under /bin/sh -c (orig); otherwise argv is used as given. */
export function commandArgv(args: string[]): string[] {
  if (args.length === 1 && /\s/.test(args[0]!)) return ['/bin/sh', '-c', args[0]!];
  return args;
}

function parseIds(values: string[], what: string): number[] {
  return values.map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new LmctfyError(Code.INVALID_ARGUMENT, `invalid ${what} "${v}": expected a positive integer`);
    return n;
  });
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** The commands that start, move, find and kill the tasks of containers. */
export function registerProcesses(program: Command): void {
  subcommand(program, 'run', 'run a command inside a container (foreground; -n detached, prints its pid)', { rows: true })
    .argument('<name>', 'container name')
    .argument('<command...>', 'the command and its arguments (everything after NAME belongs to it)')
    .addOption(new NamedOption('-n', 'no wait: run detached in a new session with stdio on /dev/null and print its pid', 'detached'))
    .addOption(new NamedOption('--output <file>', "append the command's stdout and stderr to FILE (e.g. with -n)", 'outputFile'))
    .passThroughOptions()
    .action(async (name: string, args: string[], _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { detached?: boolean; outputFile?: string }>(cmd);
      const argv = commandArgv(args[0] === '--' ? args.slice(1) : args);
      const container = openApi(f).get(name);
      if (f.detached) {
        const child = await container.run(argv, { detached: true, output: f.outputFile });
        child.unref();
        stdout.write(formatRows([{ pid: child.pid! }], styleOf(f)));
        return;
      }
      // Forwarding starts before the command does: run resolves only once the exec is
      // confirmed, and a signal arriving in between must reach the command, not kill us.
      let child: ForegroundCommand | undefined;
      const pending: NodeJS.Signals[] = [];
      const forward = (sig: NodeJS.Signals) => (child ? child.kill(sig) : pending.push(sig));
      for (const s of FORWARDED) process.on(s, forward);
      try {
        const started = await container.runForeground(argv, { output: f.outputFile });
        child = started;
        for (const s of pending) started.kill(s);
        process.exitCode = await started.exitStatus;
      } finally {
        for (const s of FORWARDED) process.off(s, forward);
      }
    });

  subcommand(program, 'enter', 'move tasks into a container (default: the calling shell)')
    .argument('<name>', 'container name')
    .argument('[tids...]', 'thread ids to move')
    .addHelpText('after', '\nInto a virtual host: only tasks already inside it (run starts a command inside).')
    .action(async (name: string, tids: string[], _o, cmd: Command) => {
      const f = flagsOf(cmd);
      const ids = tids.length ? parseIds(tids, 'tid') : [process.ppid];
      await openApi(f).get(name).enter(ids);
    });

  subcommand(program, 'detect', 'print the container of a process (default: the calling shell)', { rows: true })
    .argument('[pid]', 'process id')
    .action(async (pid: string | undefined, _o, cmd: Command) => {
      const f = flagsOf(cmd);
      const target = pid === undefined ? undefined : parseIds([pid], 'pid')[0];
      stdout.write(formatRows([{ name: openApi(f).detect(target) }], styleOf(f)));
    });

  subcommand(program, 'killall', 'SIGKILL every process and thread in a container')
    .argument('<name>', 'container name')
    .action(async (name: string, _o, cmd: Command) => {
      await openApi(flagsOf(cmd)).get(name).killAll();
    });
}
