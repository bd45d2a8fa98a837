import { Duplex } from 'node:stream';
import type { DhtStream } from 'hyperdht';
import type { SessionPath } from '../../../shared/session-path';

/**
 * A DHT stream dressed as a TCP socket, so the session layer runs on it unchanged: admission by remote address,
 * the preface, Peerline's own Noise session (which proves the same key the DHT dialed), frame caps and budgets.
 * Emits 'connect' once the DHT stream is open, like a socket; back-pressure goes both ways.
 */
export class StreamSocket extends Duplex {
  /** A dial learns while connecting whether it had to punch a hole. */
  punched = false;

  constructor(
    private readonly stream: DhtStream,
    /** Whether the stream's packets go through a relay now (a relayed session may later move to a punched hole). */
    private readonly relayed: (stream: DhtStream) => boolean,
  ) {
    super({ allowHalfOpen: true });
    stream.on('open', () => this.emit('connect'));
    stream.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stream.pause();
    });
    stream.on('end', () => this.push(null));
    stream.on('error', (err: Error) => this.destroy(err));
    stream.on('close', () => this.destroy());
  }

  /** How the bytes travel now. */
  get path(): SessionPath {
    if (this.relayed(this.stream)) return 'relayed';
    return this.punched ? 'holepunched' : 'udp';
  }

  /** The peer's UDP address as the DHT reached it (known once connected). */
  get remoteAddress(): string | undefined {
    return this.stream.rawStream?.remoteHost ?? undefined;
  }

  get remotePort(): number | undefined {
    return this.stream.rawStream?.remotePort ?? undefined;
  }

  /** The key the DHT's handshake proved: the session must prove the same one. */
  get remotePublicKey(): Buffer | null {
    return this.stream.remotePublicKey;
  }

  setNoDelay(): this {
    return this;
  }

  override _read(): void {
    this.stream.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.stream.write(chunk)) done();
    else this.stream.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.stream.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.stream.destroy();
    done(err);
  }
}
