/**
 * A guard in front of `@hyperswarm/secret-stream` (DESIGN §3).
 *
 * secret-stream frames everything as a 24-bit little-endian length plus a body, and as soon as a length is
 * complete it allocates a buffer of that size for a body split across reads (`_onrawdata`), whatever the
 * length. One connection declaring 16 MiB before its handshake, times hundreds of connections, is memory we
 * would hand out to strangers. The guard reads the same framing from the raw bytes first and rejects a length
 * the moment its third byte arrives, before any body byte reaches secret-stream.
 *
 * Inbound frames, in order:
 *   1. Noise XX handshake messages: one for the initiator (message 2), two for the responder (messages 1, 3).
 *   2. secret-stream's header frame: the 32-byte stream id and the 24-byte secretstream header.
 *   3. Encrypted data frames: at least the secretstream overhead (an empty keep-alive), at most our cap.
 */
import {
  FRAME_LENGTH_PREFIX_BYTES,
  MAX_ENCRYPTED_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  SECRET_STREAM_FRAME_OVERHEAD_BYTES,
  SECRET_STREAM_HEADER_FRAME_BYTES,
} from './limits';
import { ProtocolError } from './wire';

const LARGEST_UINT24 = 0xffffff;

export interface FrameGuardOptions {
  isInitiator: boolean;
  /** Largest data frame body, encryption overhead included. Defaults to `MAX_ENCRYPTED_FRAME_BYTES`. */
  maxFrameBytes?: number;
  /**
   * The Noise handshake happened elsewhere (HyperDHT runs it over the DHT's own messages), so the stream starts
   * at the header frame.
   */
  handshakeDone?: boolean;
}

export class FrameGuard {
  private readonly handshakeFrames: number;
  private readonly maxDataFrameBytes: number;
  private completedFrames = 0;
  private lengthBytesRead = 0;
  private declaredLength = 0;
  /** Body bytes of the current frame still to pass. Every accepted frame has a body, so 0 means "reading a length". */
  private bodyBytesLeft = 0;
  private rejection: ProtocolError | null = null;

  constructor(opts: FrameGuardOptions) {
    this.handshakeFrames = opts.handshakeDone ? 0 : opts.isInitiator ? 1 : 2;
    this.maxDataFrameBytes = opts.maxFrameBytes ?? MAX_ENCRYPTED_FRAME_BYTES;
    const max = this.maxDataFrameBytes;
    const least = SECRET_STREAM_FRAME_OVERHEAD_BYTES;
    if (!Number.isInteger(max) || max < least || max > LARGEST_UINT24) {
      throw new RangeError(`maxFrameBytes ${max} is not an integer from ${least} to ${LARGEST_UINT24}`);
    }
  }

  /** Frames whose length and body have fully passed. */
  get framesSeen(): number {
    return this.completedFrames;
  }

  /**
   * Reads `chunk` without copying or keeping it, and throws a ProtocolError if it completes a length that the
   * current stage does not allow. Forward the chunk to secret-stream only when this returns. Once it has
   * thrown, it throws the same error on every later call: the stream stays rejected.
   */
  inspect(chunk: Uint8Array): void {
    if (this.rejection !== null) throw this.rejection;
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.bodyBytesLeft > 0) {
        const passed = Math.min(this.bodyBytesLeft, chunk.byteLength - offset);
        offset += passed;
        this.bodyBytesLeft -= passed;
        if (this.bodyBytesLeft === 0) this.completedFrames++;
        continue;
      }
      this.declaredLength += chunk[offset] * 256 ** this.lengthBytesRead; // little-endian
      this.lengthBytesRead++;
      offset++;
      if (this.lengthBytesRead === FRAME_LENGTH_PREFIX_BYTES) {
        this.checkLength(this.declaredLength);
        this.bodyBytesLeft = this.declaredLength;
        this.lengthBytesRead = 0;
        this.declaredLength = 0;
      }
    }
  }

  private checkLength(length: number): void {
    const problem = this.problemWithLength(length);
    if (problem === null) return;
    this.rejection = new ProtocolError(problem);
    throw this.rejection;
  }

  private problemWithLength(length: number): string | null {
    if (this.completedFrames < this.handshakeFrames) {
      if (length === 0) return 'empty frame during the handshake';
      if (length > MAX_HANDSHAKE_FRAME_BYTES) {
        return `frame of ${length} bytes exceeds the cap of ${MAX_HANDSHAKE_FRAME_BYTES} during the handshake`;
      }
      return null;
    }
    if (this.completedFrames === this.handshakeFrames) {
      if (length !== SECRET_STREAM_HEADER_FRAME_BYTES) {
        return `header frame of ${length} bytes, expected exactly ${SECRET_STREAM_HEADER_FRAME_BYTES}`;
      }
      return null;
    }
    const overhead = SECRET_STREAM_FRAME_OVERHEAD_BYTES;
    if (length < overhead) return `frame of ${length} bytes is shorter than the ${overhead}-byte encryption overhead`;
    if (length > this.maxDataFrameBytes) return `frame of ${length} bytes exceeds the cap of ${this.maxDataFrameBytes}`;
    return null;
  }
}
