import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { openNotificationHub } from '../../engine/notify/index.js';
import type { EventSpec } from '../../messages/types.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import { flagsOf, subcommand } from './options.js';

/** `memory oom` / `memory threshold BYTES` → the EventSpec to register. */
export function notifySpec(resource: string, event: string, bytes: string | undefined): EventSpec {
  if (resource !== 'memory') throw new LmctfyError(Code.INVALID_ARGUMENT, `notify: unknown resource "${resource}"; expected memory`);
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

export function registerNotify(program: Command): void {
  subcommand(program, 'notify', 'block until a container event: notify memory oom NAME | notify memory threshold NAME BYTES', { rows: true })
    .argument('<resource>', 'memory')
    .argument('<event>', 'oom or threshold')
    .argument('<name>', 'container name')
    .argument('[bytes]', 'threshold: memory usage in bytes whose crossing (either way) is the event')
    .action(async (resource: string, event: string, name: string, bytes: string | undefined, _o, cmd: Command) => {
      const f = flagsOf(cmd);
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
