import { Code, LmctfyError } from '../engine/errors.js';
import type { RawContainerSample, RawSample } from './model.js';

/**
 * Raw passes as they cross from the sampling worker to the console: JSON text in which a
 * container whose sample is the same as in the previous message is only its name. An idle
 * container's counters do not move, so in a mostly idle tree a pass is a few hundred bytes
 * of names instead of thousands of objects to clone, and the receiver keeps the previous
 * objects (which also lets memoised views see them unchanged). RawSample is plain data
 * (numbers, strings, arrays, objects), which JSON carries whole.
 */
export class PassEncoder {
  private previous = new Map<string, string>();

  encode(raw: RawSample): string {
    const next = new Map<string, string>();
    const parts = raw.containers.map((c) => {
      const json = JSON.stringify(c);
      next.set(c.name, json);
      return this.previous.get(c.name) === json ? JSON.stringify(c.name) : json;
    });
    this.previous = next;
    const head = JSON.stringify({ timestamp: raw.timestamp, monoNs: raw.monoNs, host: raw.host });
    return `${head.slice(0, -1)},"containers":[${parts.join(',')}]}`;
  }
}

/** The receiving half of PassEncoder: fed every message, in order. */
export class PassDecoder {
  private previous = new Map<string, RawContainerSample>();

  decode(text: string): RawSample {
    const parsed = JSON.parse(text) as RawSample & { containers: (RawContainerSample | string)[] };
    const next = new Map<string, RawContainerSample>();
    const containers = parsed.containers.map((c) => {
      if (typeof c !== 'string') {
        next.set(c.name, c);
        return c;
      }
      const sample = this.previous.get(c);
      if (!sample) throw new LmctfyError(Code.INTERNAL, `a sampling pass names ${c}, which no earlier pass held`);
      next.set(sample.name, sample);
      return sample;
    });
    this.previous = next;
    const raw: RawSample = { timestamp: parsed.timestamp, monoNs: parsed.monoNs, containers };
    if (parsed.host) raw.host = parsed.host;
    return raw;
  }
}
