import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { followJournal, type JournalRecord } from '../../engine/journal.js';
import { isWithin } from '../../engine/names.js';
import { openNotificationHub } from '../../engine/notify/index.js';
import type { EventSpec } from '../../messages/types.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf, type Row } from '../output.js';
import { flagsOf, subcommand, type CommandFlags } from './options.js';

/** `memory oom` / `memory threshold BYTES` → the EventSpec to register. */
export function notifySpec(resource: string, event: string, bytes: string | undefined): EventSpec {
  if (resource !== 'memory') throw new LmctfyError(Code.INVALID_ARGUMENT, `notify: unknown resource "${resource}"; expected memory or daemon`);
  if (event === 'oom') {
    if (bytes !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `notify memory oom takes no byte count, got "${bytes}"`);
    return { oom: {} };
  }
  if (event === 'threshold') {
    if (bytes === undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, 'notify memory threshold needs a byte count: notify memory threshold NAME BYTES');
    const usage = Number(bytes);
    if (!/^\d+$/.test(bytes) || !Number.isSafeInteger(usage)) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `notify memory threshold: invalid byte count "${bytes}"; expected a whole number of bytes`);
    }
    return { memory_threshold: { usage } };
  }
  throw new LmctfyError(Code.INVALID_ARGUMENT, `notify memory: unknown event "${event}"; expected oom or threshold`);
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** A daemon decision as the row `notify daemon decision` prints: the status first, as every notify row. */
export function decisionRow(r: JournalRecord): Row {
  const row: Row = { notification_status: 'OK', time: new Date(r.time).toISOString(), container: r.container, what: r.what };
  if (r.tier !== undefined) row.tier = r.tier;
  if (r.reason !== undefined) row.reason = r.reason;
  return row;
}

/**
 * `notify daemon decision NAME`: waits for the root's daemon to decide something about NAME
 * or its subtree (a reclaim, an eviction, ...), as it appends the decision to the journal
 * (docs/JOURNAL.md); `--follow` prints every decision until interrupted.
 */
async function notifyDecision(f: CommandFlags & { follow?: boolean }, event: string, name: string, bytes: string | undefined): Promise<void> {
  if (event !== 'decision') throw new LmctfyError(Code.INVALID_ARGUMENT, `notify daemon: unknown event "${event}"; expected decision`);
  if (bytes !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `notify daemon decision takes no byte count, got "${bytes}"`);
  const api = openApi(f);
  const container = api.get(name).name;
  const style = styleOf(f);
  const write = (r: JournalRecord) => stdout.write(f.follow && style === 'json' ? `${JSON.stringify(decisionRow(r))}\n` : formatRows([decisionRow(r)], style));
  let stop = () => {};
  let onSignal: (sig: NodeJS.Signals) => void = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      onSignal = (sig) => (f.follow ? resolve() : reject(new LmctfyError(Code.CANCELLED, `stopped by ${sig} while waiting for a daemon decision on ${container}`)));
      for (const s of STOP_SIGNALS) process.once(s, onSignal);
      stop = followJournal(api.machine.trackingDir('/'), (records) => {
        for (const r of records) {
          if (r.kind !== 'decision' || !isWithin(r.container, container)) continue;
          write(r);
          if (!f.follow) return resolve();
        }
      });
    });
  } finally {
    stop();
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

export function registerNotify(program: Command): void {
  subcommand(
    program,
    'notify',
    'block until a container event: notify memory oom NAME | notify memory threshold NAME BYTES | notify daemon decision NAME [--follow]',
    { rows: true },
  )
    .argument('<resource>', 'memory, or daemon for the decisions of lmctfy daemon')
    .argument('<event>', 'oom or threshold (memory); decision (daemon)')
    .argument('<name>', 'container name (daemon decision: it and its subtree)')
    .argument('[bytes]', 'threshold: memory usage in bytes whose crossing (either way) is the event')
    .option('--follow', 'daemon decision: print every decision until interrupted, instead of the first')
    .action(async (resource: string, event: string, name: string, bytes: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { follow?: boolean }>(cmd);
      if (resource === 'daemon') return notifyDecision(f, event, name, bytes);
      if (f.follow) throw new LmctfyError(Code.INVALID_ARGUMENT, '--follow is for notify daemon decision: a memory notification is the first event');
      const spec = notifySpec(resource, event, bytes);
      const api = openApi(f);
      const container = api.get(name);
      const hub = openNotificationHub(api);
      let onSignal: (sig: NodeJS.Signals) => void = () => {};
      try {
        await new Promise<void>((resolve, reject) => {
          onSignal = (sig) => reject(new LmctfyError(Code.CANCELLED, `stopped by ${sig} while waiting for ${event} on ${container.name}`));
          for (const s of STOP_SIGNALS) process.once(s, onSignal);
          hub.register(container.name, spec, (ev) => (ev.status ? reject(ev.status) : resolve()));
        });
      } finally {
        for (const s of STOP_SIGNALS) process.off(s, onSignal);
        hub.close();
      }
      stdout.write(formatRows([{ notification_status: 'OK' }], styleOf(f)));
    });
}
