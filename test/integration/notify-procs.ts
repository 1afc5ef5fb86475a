/** /proc lookups for the notification tests: helper processes and fd counts. */
import * as fs from 'node:fs';

/** Pids of live processes named `comm` whose parent is `ppid`. */
export function childrenNamed(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (Z: exited, not yet reaped), fields[1] the parent pid.
      if (name === comm && Number(fields[1]) === ppid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

export function fdCount(pid: number | 'self'): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** utime+stime of a pid in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until `pred` holds. `ms` only guards against a hang (the test's own timeout is
 * 30 s): it says nothing about how fast things are, which a loaded machine decides.
 */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
