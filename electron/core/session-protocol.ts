import { decodeMessage, ProtocolError } from '../../shared/protocol/codec';
import { PROTOCOL_VERSION } from '../../shared/protocol/limits';
import type { ByeMessage, ChatMessage, HelloMessage, PeerMessage } from '../../shared/protocol/messages';

/** What the connection around the protocol must do after a message arrives. */
export type SessionAction =
  | { kind: 'send'; message: PeerMessage }
  | { kind: 'open'; hello: HelloMessage }
  | { kind: 'chat'; message: ChatMessage }
  | { kind: 'acked'; ids: Uint8Array[] }
  | { kind: 'typing'; active: boolean }
  | { kind: 'read'; upTo: Uint8Array }
  | { kind: 'bye'; message: ByeMessage };

/**
 * The rules of a secure session, without any I/O: `hello` comes first and only once, pings are answered, and
 * everything else is handed up as an action. Malformed or out-of-order input throws ProtocolError, which closes
 * the connection; a message type from a newer version is ignored.
 */
export class SessionProtocol {
  private helloReceived = false;
  private byeReceived = false;

  receive(bytes: Uint8Array): SessionAction[] {
    // bye is the peer's last word: what it sends after it is not delivered (and cannot be acknowledged).
    if (this.byeReceived) return [];
    const message = decodeMessage(bytes);
    if (message.type === 'unknown') return [];
    if (!this.helloReceived) {
      if (message.type !== 'hello') throw new ProtocolError(`expected hello first, got ${message.type}`);
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        throw new ProtocolError(`hello speaks protocol version ${message.protocolVersion}, this peer speaks ${PROTOCOL_VERSION}`);
      }
      this.helloReceived = true;
      return [{ kind: 'open', hello: message }];
    }
    switch (message.type) {
      case 'hello':
        throw new ProtocolError('a second hello');
      case 'ping':
        return [{ kind: 'send', message: { type: 'pong', nonce: message.nonce } }];
      case 'pong':
        return [];
      case 'chat':
        return [{ kind: 'chat', message }];
      case 'ack':
        return [{ kind: 'acked', ids: message.ids }];
      case 'typing':
        return [{ kind: 'typing', active: message.active }];
      case 'read':
        return [{ kind: 'read', upTo: message.upTo }];
      case 'bye':
        this.byeReceived = true;
        return [{ kind: 'bye', message }];
    }
  }
}
