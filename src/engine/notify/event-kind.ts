import { Code, LmctfyError } from '../errors.js';
import type { EventSpec } from '../../messages/types.js';

export type NotificationType = 'oom' | 'memory_threshold' | 'container_empty';

/** The one event an EventSpec asks for, checked; `holdKiller`: the kernel's OOM killer stays off while it is registered (the daemon's, never an EventSpec's). */
export type WantedEvent = { type: 'oom'; holdKiller?: true } | { type: 'memory_threshold'; usage: number } | { type: 'container_empty' };

export function wantedEvent(spec: EventSpec): WantedEvent {
  const set = (['oom', 'memory_threshold', 'container_empty'] as const).filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (set.length !== 1) {
    throw new LmctfyError(
      Code.INVALID_ARGUMENT,
      set.length === 0
        ? 'EventSpec must set one of oom, memory_threshold or container_empty'
        : `EventSpec must set exactly one of oom, memory_threshold or container_empty, got ${set.join(' and ')}`,
    );
  }
  const type = set[0]!;
  if (type !== 'memory_threshold') return { type };
  const usage = spec.memory_threshold!.usage;
  if (usage === undefined || !Number.isSafeInteger(usage) || usage < 0) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `EventSpec memory_threshold.usage must be a byte count ≥ 0, got ${String(usage)}`);
  }
  return { type, usage };
}
