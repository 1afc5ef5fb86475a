import { Code, LmctfyError } from '../errors.js';

/**
 * The line protocol spoken with the lmctfy-notify helper (native/notify-helper.c).
 * Commands: `add ID oom DIR`, `add ID oomguard DIR`, `add ID threshold BYTES DIR`, `del ID` (DIR is the rest of
 * the line). Replies: `ok ID`, `event ID`, `gone ID`, `error ID|- MESSAGE`.
 */
export type HelperWatch = { type: 'oom'; holdKiller?: true } | { type: 'memory_threshold'; usage: number };

export type HelperReply =
  | { kind: 'ok' | 'event' | 'gone'; id: number }
  | { kind: 'error'; id: number | undefined; message: string };

export function addCommand(id: number, dir: string, watch: HelperWatch): string {
  // A newline would end the command early; cgroup paths lmctfy builds never hold one.
  if (dir.includes('\n') || dir === '') {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `cannot watch cgroup dir ${JSON.stringify(dir)}: empty or contains a newline`);
  }
  const what = watch.type === 'oom' ? (watch.holdKiller ? 'oomguard' : 'oom') : `threshold ${watch.usage}`;
  return `add ${id} ${what} ${dir}\n`;
}

export function delCommand(id: number): string {
  return `del ${id}\n`;
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** One reply line (without its newline); undefined for a line the helper never prints. */
export function parseReply(line: string): HelperReply | undefined {
  const sp = line.indexOf(' ');
  if (sp < 0) return undefined;
  const verb = line.slice(0, sp);
  const rest = line.slice(sp + 1);
  if (verb === 'ok' || verb === 'event' || verb === 'gone') {
    const id = parseId(rest);
    return id === undefined ? undefined : { kind: verb, id };
  }
  if (verb === 'error') {
    const sp2 = rest.indexOf(' ');
    const idText = sp2 < 0 ? rest : rest.slice(0, sp2);
    const message = sp2 < 0 ? '' : rest.slice(sp2 + 1);
    if (idText === '-') return { kind: 'error', id: undefined, message };
    const id = parseId(idText);
    return id === undefined ? undefined : { kind: 'error', id, message };
  }
  return undefined;
}

/** Splits a stream of text into complete lines, keeping the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';

  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop()!;
    return parts;
  }
}
