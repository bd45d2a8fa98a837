import NoiseSecretStream from '@hyperswarm/secret-stream';
import type { DhtStream } from 'hyperdht';
import { FrameGuard } from '../../../shared/protocol/frame-guard';
import { MAX_ENCRYPTED_FRAME_BYTES } from '../../../shared/protocol/limits';

/**
 * The largest frame of the DHT's own secret stream: the session writes its messages straight into it, one
 * message a frame, so its cap is the one our own secret-stream has over TCP.
 */
export const MAX_DHT_FRAME_BYTES = MAX_ENCRYPTED_FRAME_BYTES;

type RawDataReader = { _onrawdata(data: Buffer): void };
const readRawData = (NoiseSecretStream.prototype as unknown as RawDataReader)._onrawdata;

/**
 * hyperdht's secret stream, with the FrameGuard in front of its frame reader: secret-stream allocates whatever
 * a 24-bit length asks for, and over the DHT anyone who finished the DHT's handshake could ask. The Noise
 * handshake went over DHT messages, so the stream starts at its header frame. A bad length destroys the stream
 * before a body byte is read; the error names the frame.
 */
class GuardedSecretStream extends NoiseSecretStream {
  // Made on first use: secret-stream may read its first bytes from inside its own constructor.
  private declare guard: FrameGuard | undefined;

  _onrawdata(data: Buffer): void {
    this.guard ??= new FrameGuard({ isInitiator: this.isInitiator, handshakeDone: true, maxFrameBytes: MAX_DHT_FRAME_BYTES });
    try {
      this.guard.inspect(data);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    readRawData.call(this, data);
  }
}

/** hyperdht's `createSecretStream` option, for both its servers and its dials. */
export function createGuardedSecretStream(isInitiator: boolean, rawStream: unknown, opts: object): DhtStream {
  return new GuardedSecretStream(isInitiator, rawStream as never, opts) as unknown as DhtStream;
}
