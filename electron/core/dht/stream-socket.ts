import { EventEmitter } from 'node:events';
import type { DhtStream } from 'hyperdht';
import type { SessionPath } from '../../../shared/session-path';

/**
 * A DHT stream as the session layer sees a transport: addresses for admission, 'connect' once open, 'error' and
 * 'close', `destroy`. Its bytes are not read here: hyperdht's stream is already a Noise secret-stream whose
 * handshake proved the peer's key (the DHT's key pair is the identity's), so the session runs on `stream`
 * itself, with no preface and no second handshake of its own.
 */
export class StreamSocket extends EventEmitter {
  /** A dial learns while connecting whether it had to punch a hole. */
  punched = false;
  private ended = false;

  constructor(
    /** hyperdht's secret stream, behind the frame guard; the session reads and writes it. */
    readonly stream: DhtStream,
    /** Whether the stream's packets go through a relay now (a relayed session may later move to a punched hole). */
    private readonly relayed: (stream: DhtStream) => boolean,
  ) {
    super();
    stream.on('open', () => this.emit('connect'));
    stream.on('error', (err: Error) => {
      // Nobody listening is nobody to tell: an unheard 'error' must not end the process.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    stream.on('close', () => {
      this.ended = true;
      this.emit('close');
    });
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

  /** The key the DHT's handshake proved: the peer's identity key. */
  get remotePublicKey(): Buffer | null {
    return this.stream.remotePublicKey;
  }

  get destroyed(): boolean {
    return this.ended || this.stream.destroyed;
  }

  setNoDelay(): this {
    return this;
  }

  destroy(err?: Error): this {
    this.stream.destroy(err);
    return this;
  }
}
