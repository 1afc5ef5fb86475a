import { writeSync } from 'node:fs';

/** lmctfy's output styles (docs/INTERFACE.md): -p pairs (default), -v values, -l long, --json. */
export type OutputStyle = 'pairs' | 'values' | 'long' | 'json';

export type Row = Record<string, string | number>;

export interface Out {
  write(text: string): void;
}

/**
 * Writes straight to the file descriptor, as process.stdout does on Linux for files, pipes
 * and terminals (synchronously), without making Node's stream of it: that loads ~25 of
 * Node's internal modules, a measurable share of a short command's start (BENCHMARKS.md
 * section 5). A descriptor someone made non-blocking hands the rest, in order, to Node's
 * stream, which waits; a reader that went away ends the process quietly, as src/cli/entry.ts
 * does for the stream.
 */
function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): Out {
  let fallback: NodeJS.WriteStream | undefined;
  return {
    write(text) {
      if (fallback) {
        fallback.write(text);
        return;
      }
      const bytes = Buffer.from(text);
      let at = 0;
      try {
        while (at < bytes.length) at += writeSync(fd, bytes, at);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') process.exit();
        if (code !== 'EAGAIN') throw e;
        fallback = stream();
        fallback.write(bytes.subarray(at));
      }
    },
  };
}

export const stdout: Out = fdWriter(1, () => process.stdout);
export const stderr: Out = fdWriter(2, () => process.stderr);

/** Renders rows of key/value data in the chosen style; JSON is an array of objects. */
export function formatRows(rows: Row[], style: OutputStyle): string {
  switch (style) {
    case 'json':
      return JSON.stringify(rows) + '\n';
    case 'values':
      return rows.map((r) => Object.values(r).join(' ') + '\n').join('');
    case 'long':
      return rows.map((r) => Object.entries(r).map(([k, v]) => `${k.padEnd(20)} | ${v}\n`).join('') + '\n').join('');
    case 'pairs':
      return rows.map((r) => Object.entries(r).map(([k, v]) => `${k}="${String(v).replace(/["\\]/g, '\\$&')}"`).join(' ') + '\n').join('');
  }
}

/** The style flags as typed: -p pairs, -v values, -l long, --json. */
export interface OutputFlags {
  pairs?: boolean;
  values?: boolean;
  long?: boolean;
  json?: boolean;
}

export function styleOf(flags: OutputFlags): OutputStyle {
  if (flags.json) return 'json';
  if (flags.long) return 'long';
  if (flags.values) return 'values';
  return 'pairs';
}
