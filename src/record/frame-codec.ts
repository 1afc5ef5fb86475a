import { Code, LmctfyError } from '../engine/errors.js';
import type { HostSample, RawContainerSample, RawSample } from '../stats/model.js';
import { ByteReader, ByteWriter, unzigzag, zigzag } from './bytes.js';
import { EMPTY_ARRAY, EMPTY_OBJECT, flatten, unflatten, type Leaf } from './flatten.js';

/**
 * Sampling passes as frames (docs/RECORDING.md). A keyframe holds every container's leaves
 * whole; a delta frame only what changed since the previous frame: containers gone, new
 * ones, and per changed container the leaves that moved, an integer as its difference. An
 * idle container costs nothing in a delta frame. Encoder and decoder keep the same state,
 * started afresh at each keyframe, so a reader needs only the frames from the keyframe
 * before the moment it wants.
 */

const enum Tag {
  Removed = 0,
  Int = 1,
  Float = 2,
  Str = 3,
  True = 4,
  False = 5,
  Null = 6,
  EmptyArray = 7,
  EmptyObject = 8,
}

/** The host's figures travel as one more entity, under a name no container can have. */
const HOST = '\0host';

interface Entity {
  name: string;
  paths: string[];
  values: Leaf[];
  index: Map<string, number>;
  /** The encoder's JSON of the entity's last sample: an equal one is skipped without flattening it. */
  json?: string;
}

/** What the encoder and the decoder both hold between frames. */
class CodecState {
  entities: Entity[] = [];
  byName = new Map<string, number>();
  order: number[] = [];

  reset(): void {
    this.entities = [];
    this.byName.clear();
    this.order = [];
  }

  add(name: string): number {
    const i = this.entities.length;
    this.entities.push({ name, paths: [], values: [], index: new Map() });
    this.byName.set(name, i);
    return i;
  }
}

function writeLeaf(w: ByteWriter, v: Leaf, prev: Leaf | undefined): void {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      const z = zigzag(v - (typeof prev === 'number' && Number.isSafeInteger(prev) ? prev : 0));
      if (z !== undefined) {
        w.u8(Tag.Int);
        w.varint(z);
        return;
      }
    }
    w.u8(Tag.Float);
    w.f64(v);
  } else if (typeof v === 'string') {
    w.u8(Tag.Str);
    w.string(v);
  } else if (v === true) w.u8(Tag.True);
  else if (v === false) w.u8(Tag.False);
  else if (v === null) w.u8(Tag.Null);
  else w.u8(Array.isArray(v) ? Tag.EmptyArray : Tag.EmptyObject);
}

/** A leaf, or undefined for a removed one. */
function readLeaf(r: ByteReader, prev: Leaf | undefined): Leaf | undefined {
  const tag = r.u8();
  switch (tag) {
    case Tag.Removed:
      return undefined;
    case Tag.Int:
      return unzigzag(r.varint()) + (typeof prev === 'number' && Number.isSafeInteger(prev) ? prev : 0);
    case Tag.Float:
      return r.f64();
    case Tag.Str:
      return r.string();
    case Tag.True:
      return true;
    case Tag.False:
      return false;
    case Tag.Null:
      return null;
    case Tag.EmptyArray:
      return EMPTY_ARRAY;
    case Tag.EmptyObject:
      return EMPTY_OBJECT;
    default:
      throw new LmctfyError(Code.DATA_LOSS, `record frame holds an unknown value tag ${tag}`);
  }
}

function sameLeaf(a: Leaf | undefined, b: Leaf): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** A container's sample without its name, as the leaves stored for it. */
function containerLeaves(c: RawContainerSample): Map<string, Leaf> {
  const { name: _name, ...rest } = c;
  return flatten(rest);
}

export class FrameEncoder {
  private readonly state = new CodecState();
  /** Paths as written (length and UTF-8): the same few hundred recur in every container and frame. */
  private readonly pathBytes = new Map<string, Buffer>();

  private path(w: ByteWriter, path: string): void {
    let b = this.pathBytes.get(path);
    if (!b) {
      const pw = new ByteWriter();
      pw.string(path);
      b = Buffer.from(pw.bytes());
      this.pathBytes.set(path, b);
    }
    w.append(b);
  }

  /** Encodes a pass: a keyframe when asked (the state starts afresh), else a delta against the previous pass. */
  encode(raw: RawSample, key: boolean): Buffer {
    const s = this.state;
    const w = new ByteWriter();
    w.f64(raw.monoNs);
    // Leaves are made only for what may have changed: a sample equal to the last one is skipped.
    const entities: Array<[string, string, () => Map<string, Leaf>]> = raw.containers.map((c) => [c.name, JSON.stringify(c), () => containerLeaves(c)]);
    const host = raw.host;
    if (host) entities.push([HOST, JSON.stringify(host), () => flatten(host)]);
    if (key) {
      s.reset();
      w.varint(entities.length);
      for (const [name, json, leavesOf] of entities) {
        const e = s.entities[s.add(name)]!;
        const leaves = leavesOf();
        e.json = json;
        w.string(name);
        w.varint(leaves.size);
        for (const [path, v] of leaves) {
          e.index.set(path, e.paths.length);
          e.paths.push(path);
          e.values.push(v);
          this.path(w, path);
          writeLeaf(w, v, undefined);
        }
      }
      s.order = raw.containers.map((c) => s.byName.get(c.name)!);
      return w.bytes();
    }
    const present = new Set(entities.map(([n]) => n));
    const removed = [...s.byName].filter(([n]) => !present.has(n)).map(([, i]) => i);
    w.varint(removed.length);
    for (const i of removed) {
      w.varint(i);
      s.byName.delete(s.entities[i]!.name);
    }
    const fresh = entities.filter(([n]) => !s.byName.has(n));
    w.varint(fresh.length);
    for (const [n] of fresh) {
      w.string(n);
      s.add(n);
    }
    const changes = new ByteWriter();
    let changed = 0;
    for (const [name, json, leavesOf] of entities) {
      const i = s.byName.get(name)!;
      const e = s.entities[i]!;
      if (e.json === json) continue;
      e.json = json;
      const leaves = leavesOf();
      // [leaf index, its path when new, the new leaf or undefined when removed, the old leaf]
      const edits: Array<[number, string | undefined, Leaf | undefined, Leaf | undefined]> = [];
      for (const [path, v] of leaves) {
        const at = e.index.get(path);
        if (at === undefined) {
          edits.push([e.paths.length, path, v, undefined]);
          e.index.set(path, e.paths.length);
          e.paths.push(path);
          e.values.push(v);
        } else if (e.values[at] === undefined || !sameLeaf(e.values[at], v)) {
          edits.push([at, undefined, v, e.values[at]]);
          e.values[at] = v;
        }
      }
      // Leaves the pass no longer has (a file that vanished, a histogram gone).
      if (leaves.size < e.paths.length) {
        for (let at = 0; at < e.paths.length; at++) {
          if (e.values[at] === undefined || leaves.has(e.paths[at]!)) continue;
          edits.push([at, undefined, undefined, e.values[at]]);
          (e.values as Array<Leaf | undefined>)[at] = undefined;
        }
      }
      if (edits.length === 0) continue;
      changed++;
      changes.varint(i);
      changes.varint(edits.length);
      for (const [at, path, v, prev] of edits) {
        changes.varint(at);
        if (path !== undefined) this.path(changes, path);
        if (v === undefined) changes.u8(Tag.Removed);
        else writeLeaf(changes, v, prev);
      }
    }
    w.varint(changed);
    w.append(changes.bytes());
    const order = raw.containers.map((c) => s.byName.get(c.name)!);
    const sameOrder = order.length === s.order.length && order.every((v, k) => v === s.order[k]);
    w.u8(sameOrder ? 0 : 1);
    if (!sameOrder) {
      w.varint(order.length);
      for (const i of order) w.varint(i);
      s.order = order;
    }
    return w.bytes();
  }
}

export class FrameDecoder {
  private readonly state = new CodecState();
  /** The sample object of each entity as last built: unchanged ones are handed out again. */
  private built = new Map<number, RawContainerSample | HostSample>();
  private ready = false;

  /** Decodes the next frame; a delta needs every frame since its keyframe decoded before it. */
  decode(payload: Buffer, key: boolean, timeMs: number): RawSample {
    const s = this.state;
    const r = new ByteReader(payload);
    const monoNs = r.f64();
    if (key) {
      s.reset();
      this.built.clear();
      const n = r.varint();
      for (let k = 0; k < n; k++) {
        const e = s.entities[s.add(r.string())]!;
        const m = r.varint();
        for (let j = 0; j < m; j++) {
          const path = r.string();
          e.index.set(path, e.paths.length);
          e.paths.push(path);
          e.values.push(readLeaf(r, undefined) ?? null);
        }
      }
      s.order = s.entities.filter((e) => e.name !== HOST).map((e) => s.byName.get(e.name)!);
      this.ready = true;
    } else {
      if (!this.ready) throw new LmctfyError(Code.INTERNAL, 'a delta frame was decoded before its keyframe');
      for (let k = r.varint(); k > 0; k--) {
        const i = r.varint();
        const e = s.entities[i];
        if (!e) throw new LmctfyError(Code.DATA_LOSS, `record frame removes entity ${i}, which is not there`);
        s.byName.delete(e.name);
        this.built.delete(i);
      }
      for (let k = r.varint(); k > 0; k--) s.add(r.string());
      for (let k = r.varint(); k > 0; k--) {
        const i = r.varint();
        const e = s.entities[i];
        if (!e) throw new LmctfyError(Code.DATA_LOSS, `record frame changes entity ${i}, which is not there`);
        this.built.delete(i);
        for (let m = r.varint(); m > 0; m--) {
          const at = r.varint();
          if (at === e.paths.length) {
            const path = r.string();
            e.index.set(path, at);
            e.paths.push(path);
            e.values.push(readLeaf(r, undefined) ?? null);
          } else if (at < e.paths.length) {
            (e.values as Array<Leaf | undefined>)[at] = readLeaf(r, e.values[at]);
          } else throw new LmctfyError(Code.DATA_LOSS, `record frame names leaf ${at} of ${e.paths.length}`);
        }
      }
      if (r.u8() === 1) {
        const order: number[] = [];
        for (let k = r.varint(); k > 0; k--) order.push(r.varint());
        s.order = order;
      }
    }
    const containers = s.order.map((i) => this.sample(i) as RawContainerSample);
    const raw: RawSample = { timestamp: new Date(timeMs).toISOString(), monoNs, containers };
    const host = s.byName.get(HOST);
    if (host !== undefined) raw.host = this.sample(host) as HostSample;
    return raw;
  }

  private sample(i: number): RawContainerSample | HostSample {
    let b = this.built.get(i);
    if (b) return b;
    const e = this.state.entities[i]!;
    const leaves: Array<[string, Leaf]> = [];
    for (let at = 0; at < e.paths.length; at++) if (e.values[at] !== undefined) leaves.push([e.paths[at]!, e.values[at]!]);
    const obj = unflatten(leaves);
    b = (e.name === HOST ? obj : { name: e.name, ...obj }) as RawContainerSample | HostSample;
    this.built.set(i, b);
    return b;
  }
}
