import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { FrameGuard } from '../../shared/protocol/frame-guard';
import { PrefaceSniffer } from '../../shared/protocol/preface';
import { PROTOCOL_VERSION } from '../../shared/protocol/limits';
import { DialError } from './errors';

/**
 * The stream secret-stream reads and writes instead of the socket. Every inbound chunk passes the FrameGuard
 * before secret-stream sees it, because secret-stream allocates whatever a 24-bit length prefix asks for. On the
 * dialing side it first checks the listener's preface. Outbound writes of one tick are corked into one syscall.
 */
export class GuardedRawStream extends EventEmitter {
  private readonly guard: FrameGuard;
  private prefaceSniffer: PrefaceSniffer | null;
  private corked = false;
  private violated = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: {
      isInitiator: boolean;
      expectPreface: boolean;
      onViolation: (reason: string, failure?: DialError) => void;
      onBytes: () => void;
      /** secret-stream destroys its raw stream with the error that ended it (a failed handshake, say). */
      onStreamError: (err: Error) => void;
    },
  ) {
    super();
    this.guard = new FrameGuard({ isInitiator: opts.isInitiator });
    this.prefaceSniffer = opts.expectPreface ? new PrefaceSniffer() : null;
    socket.on('data', (chunk: Buffer) => {
      if (this.violated) return;
      opts.onBytes();
      const forward = this.check(chunk, opts.onViolation);
      if (forward && forward.byteLength > 0) this.emit('data', forward);
    });
    socket.on('end', () => this.emit('end'));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => this.emit('close'));
    // Like a socket, start flowing once someone listens: secret-stream reads the handshake through 'data'
    // before its readable side ever asks for more. The listener may have paused the socket while sniffing.
    this.on('newListener', (event) => {
      if (event === 'data') process.nextTick(() => socket.resume());
    });
  }

  private check(chunk: Buffer, onViolation: (reason: string, failure?: DialError) => void): Buffer | null {
    let bytes = chunk;
    if (this.prefaceSniffer) {
      const result = this.prefaceSniffer.push(chunk);
      if (result.kind === 'need-more') return null;
      if (result.kind === 'foreign') {
        this.violated = true;
        onViolation('the other side is not a Peerline peer', new DialError('not-peerline', 'That address answered, but it is not a Peerline peer.'));
        return null;
      }
      this.prefaceSniffer = null;
      if (result.version !== PROTOCOL_VERSION) {
        this.violated = true;
        onViolation(
          `the other side speaks protocol version ${result.version}`,
          new DialError('version', `That peer speaks protocol version ${result.version}; this Peerline speaks version ${PROTOCOL_VERSION}. One of you needs to update.`),
        );
        return null;
      }
      bytes = Buffer.from(result.rest.buffer, result.rest.byteOffset, result.rest.byteLength);
    }
    try {
      this.guard.inspect(bytes);
    } catch (err) {
      this.violated = true;
      onViolation((err as Error).message, new DialError('handshake', `The handshake failed: ${(err as Error).message}.`));
      return null;
    }
    return bytes;
  }

  write(data: Buffer): boolean {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(err?: Error): void {
    if (err) this.opts.onStreamError(err);
    this.socket.destroy();
  }
}
