import { Code, LmctfyError } from '../engine/errors.js';
import type { HostSample, RawContainerSample, RawSample } from '../stats/model.js';
import { ByteReader, ByteWriter, unzigzag, zigzag } from './bytes.js';
import { EMPTY_ARRAY, EMPTY_OBJECT, PathJoins, PathKeys, flatten, unflatten, type Leaf } from './flatten.js';

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
  /** The sample object the encoder last wrote for it: the same object again is skipped unread. */
  last?: object;
  /** The encoder's pass that last saw it. */
  seen?: number;
  /**
   * False while paths, values and index are shared with what the last keyframe wrote of
   * it (KeyEntity): the encoder copies them before its first change.
   */
  owned?: boolean;
}

/** An entity as a keyframe wrote it: the same object at the next keyframe is copied, not flattened again. */
interface KeyEntity {
  obj: object;
  /** Its leaf count and leaves as written. */
  body: Buffer;
  paths: string[];
  values: Leaf[];
  index: Map<string, number>;
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
function containerLeaves(c: RawContainerSample, joins: PathJoins): Map<string, Leaf> {
  return flatten(c, joins, 'name');
}

export class FrameEncoder {
  private readonly state = new CodecState();
  /** Paths as written (length and UTF-8): the same few hundred recur in every container and frame. */
  private readonly pathBytes = new Map<string, Buffer>();
  private readonly joins = new PathJoins();

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

  /** What the last keyframe wrote of each entity, by name. */
  private keyed = new Map<string, KeyEntity>();
  private pass = 0;
  /** The last frame's containers, in its order (the state's `order` holds their entities). */
  private written: readonly RawContainerSample[] = [];

  /**
   * Encodes a pass: a keyframe when asked (the state starts afresh), else a delta against the
   * previous pass. A sample object handed over is never changed afterwards by its giver:
   * the very object written last time (a sampler keeps a still container's reading) is
   * skipped without a look inside, and a keyframe copies what it wrote of it before.
   */
  encode(raw: RawSample, key: boolean): Buffer {
    const w = new ByteWriter();
    w.f64(raw.monoNs);
    if (key) this.keyframe(w, raw);
    else this.delta(w, raw);
    return w.bytes();
  }

  private keyframe(w: ByteWriter, raw: RawSample): void {
    const s = this.state;
    s.reset();
    const keyed = new Map<string, KeyEntity>();
    const host = raw.host;
    w.varint(raw.containers.length + (host ? 1 : 0));
    const put = (name: string, obj: object, leavesOf: () => Map<string, Leaf>) => {
      const e = s.entities[s.add(name)]!;
      e.last = obj;
      w.string(name);
      let k = this.keyed.get(name);
      if (k?.obj !== obj) {
        const leaves = leavesOf();
        const body = new ByteWriter();
        body.varint(leaves.size);
        const paths: string[] = [];
        const values: Leaf[] = [];
        const index = new Map<string, number>();
        for (const [path, v] of leaves) {
          this.path(body, path);
          writeLeaf(body, v, undefined);
          index.set(path, paths.length);
          paths.push(path);
          values.push(v);
        }
        k = { obj, body: Buffer.from(body.bytes()), paths, values, index };
      }
      keyed.set(name, k);
      w.append(k.body);
      e.paths = k.paths;
      e.values = k.values;
      e.index = k.index;
      e.owned = false;
    };
    for (const c of raw.containers) put(c.name, c, () => containerLeaves(c, this.joins));
    if (host) put(HOST, host, () => flatten(host, this.joins));
    this.keyed = keyed;
    s.order = raw.containers.map((c) => s.byName.get(c.name)!);
    this.written = raw.containers.slice();
  }

  /**
   * A delta of a pass holding the last frame's containers, each in its place (the same
   * object, or one of the same name): what a steady pass gives. Each is then the entity at
   * its place in the last frame's order; none is new, none gone, the order unchanged; and
   * only the objects not handed over last time are looked into. The very bytes the general
   * delta writes for such a pass. False, writing nothing, for any other pass.
   */
  private steadyDelta(w: ByteWriter, raw: RawSample): boolean {
    const s = this.state;
    const cs = raw.containers;
    const last = this.written;
    if (cs.length !== last.length || s.order.length !== cs.length) return false;
    const moved: number[] = [];
    for (let k = 0; k < cs.length; k++) {
      if (cs[k] === last[k]) continue;
      if (cs[k]!.name !== last[k]!.name) return false;
      moved.push(k);
    }
    const host = raw.host;
    const hostAt = s.byName.get(HOST);
    // The entities not seen: the host's alone, when this pass has none.
    const hostGone = host === undefined && hostAt !== undefined;
    w.varint(hostGone ? 1 : 0);
    if (hostGone) {
      w.varint(hostAt);
      s.byName.delete(HOST);
    }
    const newHost = host !== undefined && hostAt === undefined;
    w.varint(newHost ? 1 : 0);
    if (newHost) {
      w.string(HOST);
      s.add(HOST);
    }
    const changes = new ByteWriter();
    let changed = 0;
    for (const k of moved) {
      const c = cs[k]!;
      if (this.change(changes, s.order[k]!, c, () => containerLeaves(c, this.joins))) changed++;
    }
    if (host && this.change(changes, s.byName.get(HOST)!, host, () => flatten(host, this.joins))) changed++;
    w.varint(changed);
    w.append(changes.bytes());
    w.u8(0);
    this.written = cs.slice();
    return true;
  }

  private delta(w: ByteWriter, raw: RawSample): void {
    if (this.steadyDelta(w, raw)) return;
    const s = this.state;
    const pass = ++this.pass;
    const cs = raw.containers;
    const host = raw.host;
    // Each container's entity number, -1 for one not seen before.
    const at = new Array<number>(cs.length);
    const fresh: number[] = [];
    cs.forEach((c, k) => {
      const i = s.byName.get(c.name);
      if (i === undefined) {
        at[k] = -1;
        fresh.push(k);
      } else {
        at[k] = i;
        s.entities[i]!.seen = pass;
      }
    });
    const hostAt = s.byName.get(HOST);
    if (host && hostAt !== undefined) s.entities[hostAt]!.seen = pass;
    const removed: number[] = [];
    for (const i of s.byName.values()) if (s.entities[i]!.seen !== pass) removed.push(i);
    w.varint(removed.length);
    for (const i of removed) {
      w.varint(i);
      s.byName.delete(s.entities[i]!.name);
    }
    const newHost = host !== undefined && hostAt === undefined;
    w.varint(fresh.length + (newHost ? 1 : 0));
    for (const k of fresh) {
      w.string(cs[k]!.name);
      at[k] = s.add(cs[k]!.name);
    }
    if (newHost) {
      w.string(HOST);
      s.add(HOST);
    }
    const changes = new ByteWriter();
    let changed = 0;
    cs.forEach((c, k) => {
      if (this.change(changes, at[k]!, c, () => containerLeaves(c, this.joins))) changed++;
    });
    if (host && this.change(changes, s.byName.get(HOST)!, host, () => flatten(host, this.joins))) changed++;
    w.varint(changed);
    w.append(changes.bytes());
    const sameOrder = at.length === s.order.length && at.every((v, k) => v === s.order[k]);
    w.u8(sameOrder ? 0 : 1);
    if (!sameOrder) {
      w.varint(at.length);
      for (const i of at) w.varint(i);
      s.order = at;
    }
    this.written = cs.slice();
  }

  /** Writes the leaves of entity `i` that moved since it was last written; false when none did. */
  private change(out: ByteWriter, i: number, obj: object, leavesOf: () => Map<string, Leaf>): boolean {
    const e = this.state.entities[i]!;
    if (e.last === obj) return false;
    e.last = obj;
    const leaves = leavesOf();
    // [leaf index, its path when new, the new leaf or undefined when removed, the old leaf]
    const edits: Array<[number, string | undefined, Leaf | undefined, Leaf | undefined]> = [];
    const own = () => {
      if (e.owned) return;
      e.paths = e.paths.slice();
      e.values = e.values.slice();
      e.index = new Map(e.index);
      e.owned = true;
    };
    for (const [path, v] of leaves) {
      const at = e.index.get(path);
      if (at === undefined) {
        own();
        edits.push([e.paths.length, path, v, undefined]);
        e.index.set(path, e.paths.length);
        e.paths.push(path);
        e.values.push(v);
      } else if (e.values[at] === undefined || !sameLeaf(e.values[at], v)) {
        own();
        edits.push([at, undefined, v, e.values[at]]);
        e.values[at] = v;
      }
    }
    // Leaves the pass no longer has (a file that vanished, a histogram gone).
    if (leaves.size < e.paths.length) {
      for (let at = 0; at < e.paths.length; at++) {
        if (e.values[at] === undefined || leaves.has(e.paths[at]!)) continue;
        own();
        edits.push([at, undefined, undefined, e.values[at]]);
        (e.values as Array<Leaf | undefined>)[at] = undefined;
      }
    }
    if (edits.length === 0) return false;
    out.varint(i);
    out.varint(edits.length);
    for (const [at, path, v, prev] of edits) {
      out.varint(at);
      if (path !== undefined) this.path(out, path);
      if (v === undefined) out.u8(Tag.Removed);
      else writeLeaf(out, v, prev);
    }
    return true;
  }
}

export class FrameDecoder {
  private readonly state = new CodecState();
  /** The sample object of each entity as last built: unchanged ones are handed out again. */
  private built = new Map<number, RawContainerSample | HostSample>();
  private ready = false;
  private readonly keys = new PathKeys();
  private monoNs = 0;

  /** Decodes the next frame; a delta needs every frame since its keyframe decoded before it. */
  decode(payload: Buffer, key: boolean, timeMs: number): RawSample {
    this.apply(payload, key);
    const s = this.state;
    const containers = s.order.map((i) => this.sample(i) as RawContainerSample);
    const raw: RawSample = { timestamp: new Date(timeMs).toISOString(), monoNs: this.monoNs, containers };
    const host = s.byName.get(HOST);
    if (host !== undefined) raw.host = this.sample(host) as HostSample;
    return raw;
  }

  /** Takes in the next frame without building its sample: for the frames a reader passes on its way to the one it wants. */
  apply(payload: Buffer, key: boolean): void {
    const s = this.state;
    const r = new ByteReader(payload);
    this.monoNs = r.f64();
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
  }

  private sample(i: number): RawContainerSample | HostSample {
    let b = this.built.get(i);
    if (b) return b;
    const e = this.state.entities[i]!;
    const leaves: Array<[string, Leaf]> = [];
    for (let at = 0; at < e.paths.length; at++) if (e.values[at] !== undefined) leaves.push([e.paths[at]!, e.values[at]!]);
    const obj = unflatten(leaves, this.keys);
    b = (e.name === HOST ? obj : { name: e.name, ...obj }) as RawContainerSample | HostSample;
    this.built.set(i, b);
    return b;
  }
}
