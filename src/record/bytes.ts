import { Code, LmctfyError } from '../engine/errors.js';

/**
 * The byte-level pieces of the store's format (docs/RECORDING.md): unsigned LEB128 varints
 * up to 2^53 (done with arithmetic: JavaScript's bit operators stop at 32 bits), zigzag for
 * signed deltas, little-endian float64, and length-prefixed UTF-8 strings.
 */
export class ByteWriter {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  /** A non-negative safe integer. */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.room(n);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
  }

  append(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new LmctfyError(Code.DATA_LOSS, `record frame ends inside a value (byte ${this.pos} of ${this.buf.length})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new LmctfyError(Code.DATA_LOSS, `record frame holds a varint longer than 8 bytes at byte ${this.pos}`);
    }
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  done(): boolean {
    return this.pos >= this.buf.length;
  }
}

/** Signed integer to unsigned (0, -1, 1, -2, ... → 0, 1, 2, 3, ...); undefined past the safe range. */
export function zigzag(v: number): number | undefined {
  const z = v >= 0 ? v * 2 : -v * 2 - 1;
  return Number.isSafeInteger(z) ? z : undefined;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib and gzip compute it) of the given bytes. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
