import { describe, expect, it } from 'vitest';
import { encodeMessage, ProtocolError } from '../../shared/protocol/codec';
import { PROTOCOL_VERSION } from '../../shared/protocol/limits';
import { ByeReason, MessageType, type HelloMessage } from '../../shared/protocol/messages';
import { SessionProtocol } from '../../electron/core/session-protocol';
import { canMoveTo } from '../../electron/core/session-state';

const hello: HelloMessage = { type: 'hello', protocolVersion: PROTOCOL_VERSION, name: 'Bob', appVersion: '1', listenPort: 8000, capabilities: [] };
const id = new Uint8Array(16).fill(1);

function opened(): SessionProtocol {
  const protocol = new SessionProtocol();
  protocol.receive(encodeMessage(hello));
  return protocol;
}

describe('session protocol', () => {
  it('opens on hello', () => {
    expect(new SessionProtocol().receive(encodeMessage(hello))).toEqual([{ kind: 'open', hello }]);
  });

  it('refuses anything before hello', () => {
    expect(() => new SessionProtocol().receive(encodeMessage({ type: 'chat', id, sentAt: 1, text: 'hi' }))).toThrow(ProtocolError);
  });

  it('refuses a hello of another protocol version', () => {
    expect(() => new SessionProtocol().receive(encodeMessage({ ...hello, protocolVersion: PROTOCOL_VERSION + 1 }))).toThrow(/protocol version/);
  });

  it('refuses a second hello', () => {
    expect(() => opened().receive(encodeMessage(hello))).toThrow('a second hello');
  });

  it('answers a ping with a pong of the same nonce', () => {
    expect(opened().receive(encodeMessage({ type: 'ping', nonce: 42 }))).toEqual([{ kind: 'send', message: { type: 'pong', nonce: 42 } }]);
  });

  it('hands up chat, acks, typing and bye', () => {
    const protocol = opened();
    expect(protocol.receive(encodeMessage({ type: 'chat', id, sentAt: 5, text: 'hi' }))).toEqual([{ kind: 'chat', message: { type: 'chat', id, sentAt: 5, text: 'hi' } }]);
    expect(protocol.receive(encodeMessage({ type: 'ack', ids: [id] }))).toEqual([{ kind: 'acked', ids: [id] }]);
    expect(protocol.receive(encodeMessage({ type: 'typing', active: true }))).toEqual([{ kind: 'typing', active: true }]);
    const bye = { type: 'bye' as const, code: ByeReason.Quit, reason: 'later' };
    expect(protocol.receive(encodeMessage(bye))).toEqual([{ kind: 'bye', message: bye }]);
  });

  it('hands up a read receipt', () => {
    expect(opened().receive(encodeMessage({ type: 'read', upTo: id }))).toEqual([{ kind: 'read', upTo: id }]);
  });

  it('refuses a read receipt before hello, like any other message', () => {
    expect(() => new SessionProtocol().receive(encodeMessage({ type: 'read', upTo: id }))).toThrow('expected hello first, got read');
  });

  it('closes on a malformed read receipt', () => {
    expect(() => opened().receive(Uint8Array.of(MessageType.Read, 1, 2, 3))).toThrow(ProtocolError);
  });

  it('ignores a message type from a newer version', () => {
    expect(opened().receive(Uint8Array.of(200, 1, 2, 3))).toEqual([]);
  });

  it('throws only ProtocolError on garbage', () => {
    const protocol = opened();
    for (const garbage of [new Uint8Array(0), Uint8Array.of(2, 0, 0), Uint8Array.of(3, 0xff, 0xff)]) {
      expect(() => protocol.receive(garbage)).toThrow(ProtocolError);
    }
  });
});

describe('session states', () => {
  it('move only forward', () => {
    expect(canMoveTo('connecting', 'handshaking')).toBe(true);
    expect(canMoveTo('handshaking', 'open')).toBe(true);
    expect(canMoveTo('open', 'closing')).toBe(true);
    expect(canMoveTo('closing', 'closed')).toBe(true);
    expect(canMoveTo('open', 'handshaking')).toBe(false);
    expect(canMoveTo('closed', 'open')).toBe(false);
    expect(canMoveTo('closing', 'open')).toBe(false);
  });
});
