import { decodeMessage, ProtocolError } from '../../shared/protocol/codec';
import { BULK_CREDIT_GRANT_BYTES, BULK_CREDIT_WINDOW_BYTES, PROTOCOL_VERSION } from '../../shared/protocol/limits';
import { BASE_CHANNEL, LEGACY_CAPABILITIES, type ByeMessage, type CreditMessage, type HelloMessage, type SessionMessage } from '../../shared/protocol/messages';
import type { ChannelRegistry, RegisteredChannel } from './channels';

/** What the connection around the protocol must do after a message arrives. */
export type SessionAction =
  | { kind: 'send'; message: SessionMessage }
  | { kind: 'open'; hello: HelloMessage }
  | { kind: 'channel'; channel: RegisteredChannel; message: unknown; bulkBytes?: number }
  | { kind: 'credit'; bytes: number }
  | { kind: 'bye'; message: ByeMessage };

/**
 * The rules of a secure session, without any I/O: `hello` comes first and only once, pings are answered, the
 * channels both hellos list are spoken, and their messages are decoded by their own codecs and handed up.
 * Malformed or out-of-order input throws ProtocolError, which closes the connection; a channel this peer does
 * not speak, or a message type a channel does not know, is a newer peer's and is ignored. Bulk frames are held to
 * the credit granted: the first window at once, then more as the connection reports them handled (`handled`).
 */
export class SessionProtocol {
  private helloReceived = false;
  private byeReceived = false;
  /** Our capabilities as our hello listed them: a channel's index here names it in the frames we send. */
  private offered: string[] = [];
  private remoteCapabilities: readonly string[] = [];
  private readonly spoken = new Map<string, RegisteredChannel>();
  /** Bulk bytes the peer may still send before it needs more credit. */
  private bulkCredit = BULK_CREDIT_WINDOW_BYTES;
  /** Bulk bytes handled since the last grant. */
  private bulkToGrant = 0;

  constructor(private readonly registry: ChannelRegistry) {}

  /** The capabilities for our hello; the channels registered now are the ones this session can speak. */
  offer(): string[] {
    this.offered = [...this.registry.keys()];
    return [...this.offered];
  }

  /** Whether both peers speak `channel` on this session (known once the session is open). */
  speaks(channel: string): boolean {
    return this.spoken.has(channel);
  }

  /** How our frames name `channel`: null for the base channel's control frames, else its index in our hello. */
  indexOf(channel: string, bulk = false): number | null {
    return channel === BASE_CHANNEL && !bulk ? null : this.offered.indexOf(channel);
  }

  receive(bytes: Uint8Array): SessionAction[] {
    // bye is the peer's last word: what it sends after it is not delivered (and cannot be acknowledged).
    if (this.byeReceived) return [];
    const message = decodeMessage(bytes);
    if (message.type === 'unknown') return [];
    if (!this.helloReceived) {
      if (message.type !== 'hello') throw new ProtocolError(`expected hello first, got ${message.type === 'channel' ? `a ${this.nameOf(message.index)} message` : message.type}`);
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        throw new ProtocolError(`hello speaks protocol version ${message.protocolVersion}, this peer speaks ${PROTOCOL_VERSION}`);
      }
      this.helloReceived = true;
      this.negotiate(message.capabilities);
      return [{ kind: 'open', hello: message }];
    }
    switch (message.type) {
      case 'hello':
        throw new ProtocolError('a second hello');
      case 'ping':
        return [{ kind: 'send', message: { type: 'pong', nonce: message.nonce } }];
      case 'pong':
        return [];
      case 'bye':
        this.byeReceived = true;
        return [{ kind: 'bye', message }];
      case 'credit':
        return [{ kind: 'credit', bytes: message.bytes }];
      case 'channel':
        if (!message.bulk) return this.channelMessage(message.index, message.payload);
        return this.bulkMessage(bytes.byteLength, message.index, message.payload);
    }
  }

  /**
   * A bulk frame: within the credit, or the peer ignores flow control. Its bytes come back as credit once the
   * connection reports it handled; a frame of a channel we do not speak is handled at once.
   */
  private bulkMessage(frameBytes: number, index: number | null, payload: Uint8Array): SessionAction[] {
    if (frameBytes > this.bulkCredit) throw new ProtocolError(`bulk beyond the credit granted (${frameBytes} bytes, ${this.bulkCredit} left)`);
    this.bulkCredit -= frameBytes;
    const actions = this.channelMessage(index, payload);
    if (actions.length === 0) {
      const credit = this.handled(frameBytes);
      return credit ? [{ kind: 'send', message: credit }] : [];
    }
    return actions.map((action) => ({ ...action, bulkBytes: frameBytes }) as SessionAction);
  }

  /** `frameBytes` of bulk have been handled: the credit to grant the peer now, when a quarter window is due. */
  handled(frameBytes: number): CreditMessage | null {
    this.bulkToGrant += frameBytes;
    if (this.bulkToGrant < BULK_CREDIT_GRANT_BYTES) return null;
    const credit: CreditMessage = { type: 'credit', bytes: this.bulkToGrant };
    this.bulkCredit += this.bulkToGrant;
    this.bulkToGrant = 0;
    return credit;
  }

  private negotiate(capabilities: readonly string[]): void {
    this.remoteCapabilities = capabilities.length === 0 ? LEGACY_CAPABILITIES : capabilities;
    for (const name of this.offered) {
      const channel = this.registry.get(name);
      if (channel && this.remoteCapabilities.includes(name)) this.spoken.set(name, channel);
    }
  }

  /** The channel a frame names: by its index in the peer's hello (unknown before it), or the base channel. */
  private nameOf(index: number | null): string {
    if (index === null) return BASE_CHANNEL;
    return this.remoteCapabilities[index] ?? `channel #${index}`;
  }

  private channelMessage(index: number | null, payload: Uint8Array): SessionAction[] {
    if (index !== null && index >= this.remoteCapabilities.length) {
      throw new ProtocolError(`channel index ${index} names none of the peer's ${this.remoteCapabilities.length} channels`);
    }
    const channel = this.spoken.get(this.nameOf(index));
    if (!channel) return [];
    const message = channel.spec.codec.decode(payload);
    return message === null ? [] : [{ kind: 'channel', channel, message }];
  }
}
