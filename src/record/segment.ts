import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { Code, LmctfyError } from '../engine/errors.js';
import { crc32 } from './bytes.js';

/**
 * One segment file of a store (docs/RECORDING.md): a header naming the format and its
 * version, then frames, each written with one write(2): a frame is whole or, after a kill,
 * cut at the end of the file, never interleaved. Each frame carries its length and a CRC-32,
 * so a reader stops at the first one that is cut or damaged and says where.
 */
export const SEGMENT_MAGIC = 'LMCTFYRS';
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
const FRAME_MAGIC = 0x4c524631; // "LRF1"
export const FRAME_HEADER_BYTES = 21;

export const enum FrameType {
  Key = 1,
  Delta = 2,
  Journal = 3,
}
/** Set on the type byte when the payload is deflated. */
const COMPRESSED = 0x80;

export interface FrameHead {
  type: FrameType;
  timeMs: number;
  /** Where the frame starts in its segment. */
  offset: number;
  /** Header and payload. */
  bytes: number;
}

export function segmentHeader(startMs: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.write(SEGMENT_MAGIC, 0, 'latin1');
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt32LE(Math.floor(startMs / 1000), 12);
  return b;
}

/** Checks a segment's header; a newer version is refused with what to do. */
export function checkSegmentHeader(b: Buffer, file: string): void {
  if (b.length < SEGMENT_HEADER_BYTES || b.toString('latin1', 0, 8) !== SEGMENT_MAGIC) {
    throw new LmctfyError(Code.DATA_LOSS, `${file} is not an lmctfy record segment (no ${SEGMENT_MAGIC} header)`);
  }
  const v = b.readUInt16LE(8);
  if (v > FORMAT_VERSION) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `${file} is record format version ${v}; this lmctfy reads versions up to ${FORMAT_VERSION}: replay it with a newer lmctfy`);
  }
}

/** A frame as written: header, then the payload, deflated when that makes it smaller. */
export function encodeFrame(type: FrameType, timeMs: number, payload: Buffer): Buffer {
  let body = payload;
  let t: number = type;
  if (payload.length > 64) {
    const z = zlib.deflateRawSync(payload, { level: 6 });
    if (z.length < payload.length) {
      body = z;
      t |= COMPRESSED;
    }
  }
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt32LE(FRAME_MAGIC, 0);
  head.writeUInt32LE(body.length, 4);
  head.writeUInt8(t, 12);
  head.writeDoubleLE(timeMs, 13);
  head.writeUInt32LE(crc32(head.subarray(12), body), 8);
  return Buffer.concat([head, body]);
}

/** Where reading a segment stopped short, and why. */
export interface Damage {
  file: string;
  offset: number;
  why: string;
}

/** The head of the frame at `offset` of `buf` (a window on a segment starting at `base`), or why there is none; its payload may lie past `buf`. */
export function frameHeadAt(buf: Buffer, offset: number, base = 0): FrameHead | string {
  const at = offset - base;
  if (at + FRAME_HEADER_BYTES > buf.length) return 'the file ends inside a frame header (cut while written)';
  if (buf.readUInt32LE(at) !== FRAME_MAGIC) return 'no frame starts here (overwritten or not a record)';
  const len = buf.readUInt32LE(at + 4);
  const type = buf.readUInt8(at + 12) & ~COMPRESSED;
  if (type < FrameType.Key || type > FrameType.Journal) return `unknown frame type ${type}`;
  return { type, timeMs: buf.readDoubleLE(at + 13), offset, bytes: FRAME_HEADER_BYTES + len };
}

/** The payload of a frame whose head was read from `buf`, checked against its CRC; a string says why not. */
export function framePayload(buf: Buffer, head: FrameHead, base = 0): Buffer | string {
  const at = head.offset - base;
  const body = buf.subarray(at + FRAME_HEADER_BYTES, at + head.bytes);
  if (crc32(buf.subarray(at + 12, at + FRAME_HEADER_BYTES), body) !== buf.readUInt32LE(at + 8)) return 'checksum mismatch (damaged)';
  if ((buf.readUInt8(at + 12) & COMPRESSED) === 0) return body;
  try {
    return zlib.inflateRawSync(body);
  } catch (e) {
    return `payload does not inflate: ${(e as Error).message}`;
  }
}

/** Reads `len` bytes of `file` at `pos` (fewer at its end). */
export function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  const n = fs.readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}
