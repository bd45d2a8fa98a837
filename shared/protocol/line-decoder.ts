/**
 * Splits a plain-text peer's bytes (netcat, a few lines of Python) into lines (DESIGN §3).
 *
 * Bytes are decoded only once a line is complete, so a multi-byte character split across reads decodes whole.
 * Decoding is lenient: a plain peer's broken UTF-8 becomes U+FFFD rather than a dropped connection. A
 * byte-order mark at the start of a line, as some Windows tools send, is dropped.
 */
import { MAX_PLAIN_LINE_BYTES } from './limits';
import { ProtocolError } from './wire';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

const lenientUtf8Decoder = new TextDecoder('utf-8');

export class LineDecoder {
  /** Pieces of the unfinished line, in order; joined once when the line ends, never on every push. */
  private pendingPieces: Uint8Array[] = [];
  private pendingByteCount = 0;
  private rejection: ProtocolError | null = null;

  /**
   * `maxLineBytes` caps a line's bytes before its newline, a carriage return included, whether the line
   * arrives whole or in pieces.
   */
  constructor(private readonly maxLineBytes: number = MAX_PLAIN_LINE_BYTES) {}

  /** Bytes of the unfinished line held so far. */
  get pendingBytes(): number {
    return this.pendingByteCount;
  }

  /**
   * Returns the lines this chunk completes, without their line ending; empty lines are dropped. Throws a
   * ProtocolError, and keeps throwing it, once a line outgrows the cap: the caller cuts the peer off.
   */
  push(chunk: Uint8Array): string[] {
    if (this.rejection !== null) throw this.rejection;
    const lines: string[] = [];
    let lineStart = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, lineStart)) {
      const line = this.takeLine(chunk.subarray(lineStart, newline));
      if (line !== '') lines.push(line);
      lineStart = newline + 1;
    }
    if (lineStart < chunk.byteLength) this.hold(chunk.subarray(lineStart));
    return lines;
  }

  /**
   * Returns the unfinished line and forgets it, for a peer that sends a line without a newline and waits (the
   * caller calls this after `PLAIN_IDLE_FLUSH_MS` of silence). Null when nothing, or only a CR, is pending.
   */
  flush(): string | null {
    if (this.rejection !== null) throw this.rejection;
    const line = this.takeLine(new Uint8Array(0));
    return line === '' ? null : line;
  }

  /** Copies the piece: the caller may reuse its buffer, and a view would pin the whole chunk. */
  private hold(piece: Uint8Array): void {
    this.enforceCap(this.pendingByteCount + piece.byteLength);
    this.pendingPieces.push(piece.slice());
    this.pendingByteCount += piece.byteLength;
  }

  /** The pending pieces plus `lastPiece`, decoded, with a trailing CR removed; the pending line is cleared. */
  private takeLine(lastPiece: Uint8Array): string {
    const byteLength = this.pendingByteCount + lastPiece.byteLength;
    this.enforceCap(byteLength);
    const bytes = this.pendingPieces.length === 0 ? lastPiece : this.joinPending(lastPiece, byteLength);
    this.pendingPieces = [];
    this.pendingByteCount = 0;
    const withoutCarriageReturn = bytes[bytes.byteLength - 1] === CARRIAGE_RETURN ? bytes.subarray(0, -1) : bytes;
    return lenientUtf8Decoder.decode(withoutCarriageReturn);
  }

  private joinPending(lastPiece: Uint8Array, byteLength: number): Uint8Array {
    const joined = new Uint8Array(byteLength);
    let offset = 0;
    for (const piece of [...this.pendingPieces, lastPiece]) {
      joined.set(piece, offset);
      offset += piece.byteLength;
    }
    return joined;
  }

  private enforceCap(lineBytes: number): void {
    if (lineBytes <= this.maxLineBytes) return;
    this.pendingPieces = []; // a rejected peer's bytes are not worth keeping in memory
    this.pendingByteCount = 0;
    this.rejection = new ProtocolError(`plain-text line of more than ${this.maxLineBytes} bytes without a newline`);
    throw this.rejection;
  }
}
