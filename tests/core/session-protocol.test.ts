import { describe, expect, it } from 'vitest';
import type { ChannelSpec, RegisteredChannel } from '../../electron/core/channels';
import { CHAT_CHANNEL } from '../../electron/core/features/chat/codec';
import { SessionProtocol } from '../../electron/core/session-protocol';
import { canMoveTo } from '../../electron/core/session-state';
import { encodeChannelFrame, encodeChannelFrameParts, ProtocolError } from '../../shared/protocol/codec';
import { PROTOCOL_VERSION } from '../../shared/protocol/limits';
import { ByeReason, FIRST_NEWER_SESSION_CODE, type HelloMessage } from '../../shared/protocol/messages';
import { encodeMessage, MessageType } from '../helpers/wire';

const hello: HelloMessage = { type: 'hello', protocolVersion: PROTOCOL_VERSION, name: 'Bob', appVersion: '1', listenPort: 8000, capabilities: [] };
const id = new Uint8Array(16).fill(1);

/** A second channel, as a later feature adds one: its messages are one byte, echoed back as they are. */
const ECHO: ChannelSpec<number> = {
  name: 'echo/1',
  codec: {
    encode: (value) => Uint8Array.of(value),
    decode: (bytes) => {
      if (bytes.byteLength !== 1) throw new ProtocolError('an echo is one byte');
      return bytes[0] === 0 ? null : bytes[0]!;
    },
  },
};

const chat: RegisteredChannel = { spec: CHAT_CHANNEL as ChannelSpec<unknown>, handlers: { message: () => {} } };
const echo: RegisteredChannel = { spec: ECHO as ChannelSpec<unknown>, handlers: { message: () => {} } };

function protocolOffering(...channels: RegisteredChannel[]): SessionProtocol {
  const protocol = new SessionProtocol(new Map(channels.map((channel) => [channel.spec.name, channel])));
  protocol.offer();
  return protocol;
}

function opened(capabilities: string[] = []): SessionProtocol {
  const protocol = protocolOffering(chat, echo);
  protocol.receive(encodeMessage({ ...hello, capabilities }));
  return protocol;
}

describe('session protocol', () => {
  it('opens on hello', () => {
    expect(protocolOffering(chat).receive(encodeMessage(hello))).toEqual([{ kind: 'open', hello }]);
  });

  it('refuses anything before hello', () => {
    expect(() => protocolOffering(chat).receive(encodeMessage({ type: 'chat', id, sentAt: 1, text: 'hi' }))).toThrow(ProtocolError);
  });

  it('refuses a hello of another protocol version', () => {
    expect(() => protocolOffering(chat).receive(encodeMessage({ ...hello, protocolVersion: PROTOCOL_VERSION + 1 }))).toThrow(/protocol version/);
  });

  it('refuses a second hello', () => {
    expect(() => opened().receive(encodeMessage(hello))).toThrow('a second hello');
  });

  it('answers a ping with a pong of the same nonce', () => {
    expect(opened().receive(encodeMessage({ type: 'ping', nonce: 42 }))).toEqual([{ kind: 'send', message: { type: 'pong', nonce: 42 } }]);
  });

  it('hands up chat, acks and typing on the chat channel, and bye', () => {
    const protocol = opened();
    expect(protocol.receive(encodeMessage({ type: 'chat', id, sentAt: 5, text: 'hi' }))).toEqual([
      { kind: 'channel', channel: chat, message: { type: 'chat', id, sentAt: 5, text: 'hi' } },
    ]);
    expect(protocol.receive(encodeMessage({ type: 'ack', ids: [id] }))).toEqual([{ kind: 'channel', channel: chat, message: { type: 'ack', ids: [id] } }]);
    expect(protocol.receive(encodeMessage({ type: 'typing', active: true }))).toEqual([{ kind: 'channel', channel: chat, message: { type: 'typing', active: true } }]);
    const bye = { type: 'bye' as const, code: ByeReason.Quit, reason: 'later' };
    expect(protocol.receive(encodeMessage(bye))).toEqual([{ kind: 'bye', message: bye }]);
  });

  it('hands up a read receipt', () => {
    expect(opened().receive(encodeMessage({ type: 'read', upTo: id }))).toEqual([{ kind: 'channel', channel: chat, message: { type: 'read', upTo: id } }]);
  });

  it('refuses a read receipt before hello, like any other message', () => {
    expect(() => protocolOffering(chat).receive(encodeMessage({ type: 'read', upTo: id }))).toThrow('expected hello first, got a chat/1 message');
  });

  it('closes on a malformed read receipt', () => {
    expect(() => opened().receive(Uint8Array.of(MessageType.Read, 1, 2, 3))).toThrow(ProtocolError);
  });

  it('ignores a message type from a newer version, even before hello', () => {
    expect(opened().receive(Uint8Array.of(200, 1, 2, 3))).toEqual([]);
    expect(protocolOffering(chat).receive(Uint8Array.of(FIRST_NEWER_SESSION_CODE))).toEqual([]);
    // A chat message type this version does not know is ignored by the chat channel.
    expect(opened().receive(Uint8Array.of(0x1f, 1, 2))).toEqual([]);
  });

  it('throws only ProtocolError on garbage', () => {
    const protocol = opened();
    for (const garbage of [new Uint8Array(0), Uint8Array.of(2, 0, 0), Uint8Array.of(3, 0xff, 0xff)]) {
      expect(() => protocol.receive(garbage)).toThrow(ProtocolError);
    }
  });
});

describe('channels on a session', () => {
  it('offers every registered channel in the order registered, and frames them by that index', () => {
    const protocol = new SessionProtocol(new Map([[chat.spec.name, chat], [echo.spec.name, echo]]));
    expect(protocol.offer()).toEqual(['chat/1', 'echo/1']);
    expect(protocol.indexOf('chat/1')).toBeNull();
    expect(protocol.indexOf('echo/1')).toBe(1);
  });

  it('a peer whose hello lists no capabilities (Peerline 0.1) speaks chat and nothing else', () => {
    const protocol = opened([]);
    expect(protocol.speaks('chat/1')).toBe(true);
    expect(protocol.speaks('echo/1')).toBe(false);
  });

  it('speaks the channels both hellos list, and reads a channel frame by the index in the sender\'s hello', () => {
    // The peer lists echo first: its index 0 is echo, whatever our own order.
    const protocol = opened(['echo/1', 'chat/1']);
    expect(protocol.speaks('echo/1')).toBe(true);
    expect(protocol.receive(encodeChannelFrame(0, Uint8Array.of(9)))).toEqual([{ kind: 'channel', channel: echo, message: 9 }]);
    expect(protocol.receive(encodeMessage({ type: 'typing', active: false }))).toEqual([{ kind: 'channel', channel: chat, message: { type: 'typing', active: false } }]);
  });

  it('ignores a channel only the peer speaks, and a message type a channel does not know', () => {
    const protocol = opened(['chat/1', 'files/9']);
    expect(protocol.speaks('files/9')).toBe(false);
    expect(protocol.receive(encodeChannelFrame(1, Uint8Array.of(1, 2, 3)))).toEqual([]);
    const withEcho = opened(['echo/1']);
    expect(withEcho.receive(encodeChannelFrame(0, Uint8Array.of(0)))).toEqual([]);
  });

  it('a peer without chat in its hello gets no chat: its base-channel messages are ignored', () => {
    const protocol = opened(['echo/1']);
    expect(protocol.speaks('chat/1')).toBe(false);
    expect(protocol.receive(encodeMessage({ type: 'chat', id, sentAt: 5, text: 'hi' }))).toEqual([]);
  });

  it('closes on a channel index the peer never listed, and on a malformed channel message', () => {
    expect(() => opened(['echo/1']).receive(encodeChannelFrame(5, Uint8Array.of(1)))).toThrow(/channel index 5 names none of the peer's 1 channels/);
    expect(() => opened(['echo/1']).receive(encodeChannelFrame(0, Uint8Array.of(1, 2)))).toThrow('an echo is one byte');
    expect(() => opened(['echo/1']).receive(Uint8Array.of(MessageType.Channel, 0))).toThrow('empty channel message');
    expect(() => opened(['echo/1']).receive(Uint8Array.of(MessageType.Channel))).toThrow(/truncated channel index/);
  });

  it('never frames a base-channel message that would read as the session\'s own', () => {
    for (const code of [MessageType.Hello, MessageType.Ping, MessageType.Pong, MessageType.Bye, MessageType.Channel, 200]) {
      expect(() => encodeChannelFrame(null, Uint8Array.of(code, 0))).toThrow(RangeError);
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

describe('channel frames from parts', () => {
  it('are the frame of the parts put together, built in the buffer the sink gives', () => {
    const given: Uint8Array[] = [];
    const alloc = (length: number) => {
      const buffer = new Uint8Array(length);
      given.push(buffer);
      return buffer;
    };
    const frame = encodeChannelFrameParts(3, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)], true, alloc);
    expect(frame).toBe(given[0]);
    expect(frame).toEqual(encodeChannelFrame(3, Uint8Array.of(1, 2, 3), true));
  });
});

