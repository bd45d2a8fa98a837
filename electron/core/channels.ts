/**
 * Named, versioned wire channels, in the spirit of Holepunch's protomux. A feature declares its channel once
 * (`chat/1`, later `files/1`, `group/1`) with its own codec, and registers handlers with the PeerNode; every
 * session then speaks the channels both peers list in their hellos. The connection core knows sessions and
 * channels, never a feature's message kinds: a feature's new message touches only that feature's files.
 */
import type { SessionKey } from '../../shared/ids';
import type { ConnectionMode } from './session-state';

export interface ChannelCodec<M> {
  encode(message: M): Uint8Array;
  /**
   * For messages that carry bulk bytes (a file chunk): the encoding as consecutive parts, the bytes themselves
   * not copied, so that its frame is assembled with one copy. Their concatenation is `encode(message)`.
   */
  encodeParts?(message: M): readonly Uint8Array[];
  /**
   * One message of the channel. Null for a type code this version does not know (a newer peer's), which is
   * ignored; malformed bytes throw ProtocolError, which closes the session with the reason.
   */
  decode(bytes: Uint8Array): M | null;
}

/** How a channel speaks with a plain-text peer, if it can: every line is one of its messages. */
export interface PlainTextAdapter<M> {
  fromLine(text: string): M;
  /** The line that carries `message`, or null for a message a plain-text peer cannot take. */
  toLine(message: M): string | null;
}

export interface ChannelSpec<M> {
  /** `name/version`, as listed in `hello.capabilities`. */
  readonly name: string;
  readonly codec: ChannelCodec<M>;
  readonly plainText?: PlainTextAdapter<M>;
}

/** One channel of one session, as the feature that owns the channel sees it. */
export interface ChannelSession<M> {
  /** The session's key: the remote public key in hex, or `plain:HOST:PORT` for a plain-text peer. */
  readonly key: SessionKey;
  readonly mode: ConnectionMode;
  /** The session is open: it carries messages. */
  readonly open: boolean;
  /** Sends on the control lane, ahead of any bulk; false when the session cannot carry it (closed, or plain text). */
  send(message: M): boolean;
  /**
   * Sends on the bulk lane: after every control frame, as the socket drains and the receiver grants credit.
   * False if the session ended first. The message is encoded only when it is about to go, so what it holds
   * (a chunk's bytes) must stay as it is until the promise settles.
   */
  sendBulk(message: M): Promise<boolean>;
  /** The socket is full: a producer of bulk should wait for `drained()`. */
  readonly congested: boolean;
  drained(): Promise<void>;
  /** Ends the session politely, telling the peer why. */
  close(reason: string): void;
}

export interface ChannelHandlers<M> {
  /** The session became the peer's current one (after any tie-break between two): what waited can go now. */
  opened?(session: ChannelSession<M>): void;
  /**
   * A message arrived. For one sent on the bulk lane, the sender's credit comes back once a promise returned
   * here settles: a feature that writes chunks to disk returns the write, so no sender runs more than a credit
   * window ahead of the disk. Throwing closes that one session.
   */
  message(session: ChannelSession<M>, message: M): void | Promise<unknown>;
  /** The session is about to say bye: the last moment to send on it (acknowledgements, say). */
  closing?(session: ChannelSession<M>): void;
}

/** A channel as the PeerNode keeps it: its spec and the feature's handlers. */
export interface RegisteredChannel<M = unknown> {
  readonly spec: ChannelSpec<M>;
  readonly handlers: ChannelHandlers<M>;
}

export type ChannelRegistry = ReadonlyMap<string, RegisteredChannel>;
