import { constants } from 'node:os';

// Looked up when needed, never at module load: reading node:os's constants at load time
// would load node:os in every command (the CLI bundle loads it lazily).

/** The name of an errno number (`ENOENT`), or `errno N` for one this Node does not know. */
export function errnoName(n: number): string {
  for (const [name, v] of Object.entries(constants.errno)) if (v === n) return name;
  return `errno ${n}`;
}

/** A signal's number (SIGKILL: 9); 0 for a name this Node does not know. */
export function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}
