import { Code, LmctfyError } from '../../engine/errors.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import type { LineShape } from '../plain-line.js';
import type { CommandFlags } from './options.js';

export interface ListFlags extends CommandFlags {
  recursive?: boolean;
}

/** `list`'s line as list.ts registers it with commander, for its bundle's own parser (src/cli/plain-line.ts). */
export const LIST_LINE: LineShape = { command: 'list', valued: {}, switches: { '-r': 'recursive' }, required: 1, optional: 1 };

/**
 * What `lmctfy list` does once its line is parsed, without commander: the command's
 * registration (list.ts) and its bundle (src/cli/entries/list.ts) both call it.
 */
export async function listContainer(what: string, name: string | undefined, f: ListFlags): Promise<void> {
  const api = openApi(f);
  const c = api.get(name ?? '.');
  const recursive = f.recursive ?? false;
  let rows;
  if (what === 'containers') rows = c.listSubcontainers({ recursive }).map((n) => ({ name: n }));
  else if (what === 'pids') rows = c.listProcesses({ recursive }).map((p) => ({ pid: p }));
  else if (what === 'tids') rows = c.listThreads({ recursive }).map((t) => ({ tid: t }));
  else throw new LmctfyError(Code.INVALID_ARGUMENT, `list: unknown kind "${what}"; expected containers, pids or tids`);
  stdout.write(formatRows(rows, styleOf(f)));
}
