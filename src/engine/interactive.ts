import type { ChildProcess } from 'node:child_process';
import { signalNumber } from './os-names.js';

/** The command a "shell" key runs when none is typed: the user's login shell, else /bin/sh. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): string[] {
  const shell = env.SHELL?.trim();
  return [shell ? shell : '/bin/sh'];
}

/** A child's end as a shell reports it: its exit code, or 128 + the signal that killed it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? signalNumber(signal) : 0);
}

/** Signals the terminal sends the whole foreground group: the command gets them, we must not die of them (as system(3) does). */
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/**
 * Waits for a foreground child that has the terminal (stdio inherited), ignoring Ctrl-C
 * and Ctrl-\ meanwhile: they reach the child through the terminal, and a caller such as
 * the console must survive them. Resolves with the child's exit status.
 */
export function waitInteractive(child: ChildProcess): Promise<number> {
  const ignore = () => undefined;
  for (const s of TERMINAL_SIGNALS) process.on(s, ignore);
  return new Promise<number>((resolve) => {
    const done = (status: number) => {
      for (const s of TERMINAL_SIGNALS) process.off(s, ignore);
      resolve(status);
    };
    if (child.exitCode !== null || child.signalCode !== null) done(exitStatus(child.exitCode, child.signalCode));
    else child.once('exit', (code, signal) => done(exitStatus(code, signal)));
  });
}
