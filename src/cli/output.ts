/** lmctfy's output styles (docs/INTERFACE.md): -p pairs (default), -v values, -l long, --json. */
export type OutputStyle = 'pairs' | 'values' | 'long' | 'json';

export type Row = Record<string, string | number>;

export interface Out {
  write(text: string): void;
}

export const stdout: Out = { write: (t) => void process.stdout.write(t) };

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
