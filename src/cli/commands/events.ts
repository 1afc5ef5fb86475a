import type { Command } from 'commander';
import { Code } from '../../engine/errors.js';
import { followJournal, readJournal, type JournalRecord } from '../../engine/journal.js';
import { isWithin } from '../../engine/names.js';
import { parseTime } from '../../record/time.js';
import { openApi } from '../context.js';
import { stdout } from '../output.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/** Which records `events` prints: of NAME and its subtree (all with none, or `/`), at or after `since`. */
export function eventFilter(name: string | undefined, since: number | undefined): (r: JournalRecord) => boolean {
  return (r) => (since === undefined || r.time >= since) && (name === undefined || name === '/' || isWithin(r.container, name));
}

/** A detail value as one word: quoted as JSON when it has a space, a quote or an `=`. */
function word(v: string | number | boolean): string {
  const s = String(v);
  return s === '' || /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/**
 * One record as one line: time (ISO 8601, UTC), kind, container (`(machine)` for the machine
 * as a whole), what, then the tier, the result code of an action, who asked, the detail as
 * key=value words, and after `: ` the reason. Pure; the spec is only in `--json`.
 */
export function formatEventLine(r: JournalRecord): string {
  const parts = [new Date(r.time).toISOString(), r.kind.padEnd(8), r.container === '' ? '(machine)' : r.container, r.what];
  if (r.tier !== undefined) parts.push(r.tier);
  if (r.code !== undefined) parts.push(Code[r.code] ?? `code ${r.code}`);
  if (r.uid !== undefined) parts.push(`uid=${r.uid}`);
  if (r.pid !== undefined) parts.push(`pid=${r.pid}`);
  for (const [k, v] of Object.entries(r.detail ?? {})) parts.push(`${k}=${word(v)}`);
  const line = parts.join(' ');
  return r.reason === undefined ? line : `${line}: ${r.reason.replace(/\n/g, ' ')}`;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** `events [NAME]`: the root's journal (docs/JOURNAL.md), one line or one JSON object a record; `-f` keeps following it. */
export function registerEvents(program: Command): void {
  subcommand(program, 'events', "print the root's journal: actions, kernel events and the daemon's decisions, of NAME and its subtree (default: all)")
    .argument('[name]', 'container name: its records and its subtree\'s')
    .option('--since <time>', 'only records from then on: a time ago (90s, 10m ago), a time of today (03:12) or a date and time')
    .addOption(new NamedOption('-f, --follow', 'keep printing records as they are appended, until interrupted', 'follow'))
    .addHelpText(
      'after',
      `
One line a record: TIME KIND CONTAINER WHAT [TIER] [CODE] [uid= pid=] [key=value ...][: REASON];
--json prints the records as stored (NDJSON), spec included. See docs/JOURNAL.md.`,
    )
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { since?: string; follow?: boolean }>(cmd);
      const since = f.since === undefined ? undefined : parseTime(f.since, Date.now(), '--since');
      const api = openApi(f);
      // A container destroyed since keeps its records: the name is resolved, not looked up.
      const keep = eventFilter(name === undefined ? undefined : api.resolve(name), since);
      const scope = api.machine.trackingDir('/');
      const print = (records: JournalRecord[]) => {
        const lines = records.filter(keep).map((r) => (f.json ? JSON.stringify(r) : formatEventLine(r)));
        if (lines.length) stdout.write(`${lines.join('\n')}\n`);
      };
      const read = readJournal(scope);
      print(read.records);
      if (!f.follow) return;
      const stop = followJournal(scope, print, read.next);
      await new Promise<void>((resolve) => {
        for (const s of STOP_SIGNALS) process.once(s, () => resolve());
      });
      stop();
    });
}
