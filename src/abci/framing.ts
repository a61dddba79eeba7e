import { ConsortiaError } from "../errors.js";
import { AbciErrors } from "./errors.js";

/**
 * CometBFT's socket framing (libs/protoio): every message is an unsigned LEB128 ("uvarint")
 * length followed by that many bytes of protobuf. Go's reader refuses a varint longer than 10
 * bytes or overflowing 64 bits, and any length above its size limit; we refuse the same.
 */

/** Default limit on one frame: above CometBFT's 100 MiB block cap plus request overhead. */
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;

const MAX_VARINT_BYTES = 10;

export function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** Writes `n` (a non-negative safe integer) as a uvarint at `out[pos]`; returns the new position. */
export function writeUvarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[pos++] = n;
  return pos;
}

/** Concatenates length-prefixed frames into one buffer, so a batch of responses is one socket write. */
export function encodeFrames(payloads: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of payloads) total += uvarintSize(p.length) + p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of payloads) {
    pos = writeUvarint(out, pos, p.length);
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Incremental frame splitter. Chunks are kept as a list and joined only when a frame spans
 * several of them, so a 20 MB FinalizeBlock arriving in 64 KiB reads is copied once, not
 * quadratically; a frame inside one chunk is a zero-copy view.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  private buffered = 0;
  /** Payload length of the frame whose prefix has been consumed, or -1. */
  private expected = -1;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet returned as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and appends every frame now complete to `out`, in order. Throws on a
   * malformed prefix, after appending the frames that preceded it (they were well formed).
   */
  push(chunk: Uint8Array, out: Uint8Array[]): void {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.expected < 0) {
        const len = this.readPrefix();
        if (len < 0) break;
        this.expected = len;
      }
      if (this.buffered < this.expected) break;
      out.push(this.take(this.expected));
      this.expected = -1;
    }
  }

  /** Consumes a complete uvarint prefix and returns it, or -1 (nothing consumed) if incomplete. */
  private readPrefix(): number {
    let value = 0;
    let scale = 1;
    let ci = 0;
    let off = this.head;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      let chunk = this.chunks[ci];
      while (chunk !== undefined && off >= chunk.length) {
        chunk = this.chunks[++ci];
        off = 0;
      }
      if (chunk === undefined) return -1;
      const b = chunk[off++]!;
      if (i === MAX_VARINT_BYTES - 1 && b > 1) {
        throw new ConsortiaError(AbciErrors.ABCI_MALFORMED_FRAME, "frame length prefix overflows 64 bits");
      }
      value += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) {
        if (value > this.maxFrameBytes) {
          throw new ConsortiaError(
            AbciErrors.ABCI_FRAME_TOO_LARGE,
            `frame length ${value} exceeds maxFrameBytes ${this.maxFrameBytes}`,
            { length: value, max: this.maxFrameBytes },
          );
        }
        this.skip(i + 1);
        return value;
      }
    }
    throw new ConsortiaError(AbciErrors.ABCI_MALFORMED_FRAME, "frame length prefix longer than 10 bytes");
  }

  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      const avail = first.length - this.head;
      if (n < avail) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.skip(n);
      return view;
    }
    const out = new Uint8Array(n);
    let pos = 0;
    while (pos < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length - this.head, n - pos);
      out.set(c.subarray(this.head, this.head + part), pos);
      pos += part;
      this.skip(part);
    }
    return out;
  }
}
