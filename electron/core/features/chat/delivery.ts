import { EventEmitter } from 'node:events';
import { fromHex, toHex } from '../../../../shared/bytes';
import type { SessionKey } from '../../../../shared/ids';
import { MAX_ACK_IDS, MAX_TIMESTAMP_MS, MESSAGE_ID_BYTES } from '../../../../shared/protocol/limits';
import { messageProblem, notConnectedTo } from '../../../../shared/validation';
import type { ChannelSession } from '../../channels';
import { UserError } from '../../errors';
import type { PeerNode } from '../../peer-node';
import { CHAT_CHANNEL } from './codec';
import type { ChatChannelMessage } from './messages';

/**
 * How much of a contact's outbox the chat channel holds and has in flight at once: its owner (the ledger) hands
 * messages over only while `waiting` is under both, and more as acks come back. A peer that never reads costs the
 * sender this much, not its whole outbox.
 */
export const OUTBOX_WINDOW_MESSAGES = 256;
export const OUTBOX_WINDOW_BYTES = 1024 * 1024;

/** A secure peer's session key: its ed25519 public key in lowercase hex. Anything else names a plain-text socket. */
const SECURE_KEY = /^[0-9a-f]{64}$/;
const MESSAGE_ID = new RegExp(`^[0-9a-f]{${MESSAGE_ID_BYTES * 2}}$`);
/** Why a session is closed when the inbox could not keep one of its messages; the peer is told, briefly. */
const NOT_STORED_REASON = 'a received message could not be stored';

type ChatSession = ChannelSession<ChatChannelMessage>;

export interface InboundChat {
  /** Hex message id; plain-text peers have none. */
  id?: string;
  text: string;
  /** Sender's clock; plain-text peers have none. */
  sentAt?: number;
}

export interface OutgoingChat {
  /** Hex, `MESSAGE_ID_BYTES` long: see `newMessageId`. */
  id: string;
  text: string;
  /** Our clock when the person sent it, milliseconds since the epoch. */
  sentAt: number;
}

/**
 * Where the chat channel hands every chat it receives, in arrival order. A secure chat is acknowledged to its
 * sender only once `receive` resolves, so an inbox that stores messages resolves after the write is durable. If
 * it rejects, the session is closed without acknowledging, and the sender sends the message again on its next
 * session. A chat can therefore arrive more than once (its ack was lost on the way): `receive` resolves for an
 * id it already has, without keeping it twice. Plain-text chats have no id, and no acknowledgement.
 */
export interface Inbox {
  /** Resolves 'held' for a chat it does not keep yet (a message request past its quota): it is not acknowledged. */
  receive(key: SessionKey, chat: InboundChat): Promise<void | 'held'>;
}

export interface ChatEvents {
  /** Written to the peer's session (not yet acknowledged). */
  sent: [{ peer: SessionKey; id: string }];
  delivered: [{ peer: SessionKey; id: string }];
  typing: [{ peer: SessionKey; active: boolean }];
  /** A read receipt: `peer` has read every message of ours up to and including `upTo`. */
  read: [{ peer: SessionKey; upTo: string }];
  log: [string];
}

/** The text of a message the person wants to send, checked before it is stored; returns its UTF-8 size. */
export function checkText(text: string): number {
  const bytes = Buffer.byteLength(text);
  const problem = messageProblem(text, () => bytes);
  if (problem !== null) throw new UserError('invalid-message', problem);
  return bytes;
}

/** A chat waiting for its acknowledgement, with its text's UTF-8 size counted once. */
interface WaitingChat extends OutgoingChat {
  bytes: number;
}

/**
 * A message id or a time that the codec could not encode is the caller's bug: a RangeError, now, not at resend.
 * Returns the text's UTF-8 size.
 */
function checkOutgoing(chat: OutgoingChat): number {
  const bytes = checkText(chat.text);
  if (!MESSAGE_ID.test(chat.id)) throw new RangeError(`a message id is ${MESSAGE_ID_BYTES * 2} lowercase hex digits, not ${JSON.stringify(chat.id)}`);
  if (!Number.isInteger(chat.sentAt) || chat.sentAt < 0 || chat.sentAt > MAX_TIMESTAMP_MS) {
    throw new RangeError(`sentAt ${chat.sentAt} is not a whole number of milliseconds from 0 to ${MAX_TIMESTAMP_MS}`);
  }
  return bytes;
}

/**
 * The chat channel's delivery: messages to a secure peer wait (by session key, in the order queued) until the
 * peer acknowledges them, and are written again on each new session; received chats go to the inbox and are
 * acknowledged once it has them. Typing notices and read receipts pass through.
 */
export class ChatDelivery extends EventEmitter<ChatEvents> {
  /** Per secure key, what is queued and not yet acknowledged, in order. */
  private readonly unacked = new Map<SessionKey, Map<string, WaitingChat>>();
  /** Per secure key, the UTF-8 bytes of the texts in `unacked`. */
  private readonly unackedBytes = new Map<SessionKey, number>();
  /** Per session, the ids written to it and not yet acknowledged: never written to it again. */
  private readonly inFlight = new WeakMap<ChatSession, Set<string>>();
  /** Per session, ids accepted this tick: they go out in as few `ack` messages as possible. */
  private readonly pendingAcks = new Map<ChatSession, Uint8Array[]>();
  /** Sessions closed because the inbox failed: what they still bring is not taken in (it is resent). */
  private readonly refused = new WeakSet<ChatSession>();

  constructor(
    private readonly node: PeerNode,
    private readonly inbox: Inbox,
  ) {
    super();
    node.channel(CHAT_CHANNEL, {
      opened: (session) => this.resend(session),
      message: (session, message) => this.onMessage(session, message),
      closing: (session) => this.flushAcks(session),
    });
  }

  /**
   * Hands a chat over for delivery; returns whether it was written to a session now ('sent' tells of that too).
   * To a secure peer it waits, in order, until acknowledged: written now if a session is open, and on every new
   * session until then. Queueing an id that is already waiting keeps its place (and writes it again if a session
   * is open). A plain-text peer has no acknowledgements: the chat is written if it is connected, and a UserError
   * 'not-connected' is thrown if not.
   */
  queue(key: SessionKey, chat: OutgoingChat): boolean {
    const bytes = checkOutgoing(chat);
    const session = this.node.session(key, CHAT_CHANNEL);
    if (!SECURE_KEY.test(key)) {
      if (!session) throw new UserError('not-connected', notConnectedTo(key));
      return this.write(session, chat);
    }
    let waiting = this.unacked.get(key);
    if (!waiting) this.unacked.set(key, (waiting = new Map()));
    if (!waiting.has(chat.id)) {
      waiting.set(chat.id, { id: chat.id, text: chat.text, sentAt: chat.sentAt, bytes });
      this.unackedBytes.set(key, (this.unackedBytes.get(key) ?? 0) + bytes);
    }
    if (session === null) return false;
    if (this.inFlight.get(session)?.has(chat.id)) return true;
    return this.write(session, waiting.get(chat.id)!);
  }

  /** What waits for a secure key (queued, or written and not yet acknowledged): messages and text bytes. */
  waiting(key: SessionKey): { messages: number; bytes: number } {
    return { messages: this.unacked.get(key)?.size ?? 0, bytes: this.unackedBytes.get(key) ?? 0 };
  }

  has(key: SessionKey, id: string): boolean {
    return this.unacked.get(key)?.has(id) ?? false;
  }

  /** Drops everything waiting for a key (its contact's key changed, or the contact was removed). */
  unqueueAll(key: SessionKey): void {
    this.unacked.delete(key);
    this.unackedBytes.delete(key);
  }

  /**
   * Drops a waiting chat (the person cancelled it); false if none was waiting. One already written to a session
   * may still reach the peer; its acknowledgement then tells of nothing.
   */
  unqueue(key: SessionKey, id: string): boolean {
    return this.forget(key, id);
  }

  private forget(key: SessionKey, id: string): boolean {
    const waiting = this.unacked.get(key);
    const chat = waiting?.get(id);
    if (!waiting || !chat) return false;
    waiting.delete(id);
    const bytes = (this.unackedBytes.get(key) ?? 0) - chat.bytes;
    if (waiting.size === 0) {
      this.unacked.delete(key);
      this.unackedBytes.delete(key);
    } else this.unackedBytes.set(key, bytes);
    return true;
  }

  setTyping(key: SessionKey, active: boolean): void {
    this.node.session(key, CHAT_CHANNEL)?.send({ type: 'typing', active });
  }

  /** Tells a secure peer we have read its messages up to and including `upTo`; false when no session is open. */
  sendRead(key: SessionKey, upTo: string): boolean {
    if (!MESSAGE_ID.test(upTo)) throw new RangeError(`a message id is ${MESSAGE_ID_BYTES * 2} lowercase hex digits, not ${JSON.stringify(upTo)}`);
    return this.node.session(key, CHAT_CHANNEL)?.send({ type: 'read', upTo: fromHex(upTo) }) ?? false;
  }

  private write(session: ChatSession, chat: OutgoingChat): boolean {
    if (!session.send({ type: 'chat', id: fromHex(chat.id), sentAt: chat.sentAt, text: chat.text })) return false;
    let written = this.inFlight.get(session);
    if (!written) this.inFlight.set(session, (written = new Set()));
    written.add(chat.id);
    this.emit('sent', { peer: session.key, id: chat.id });
    return true;
  }

  /**
   * Writes what was waiting when the session became the peer's current one, in order, on the control lane (chat
   * goes ahead of bulk, so a socket full of file chunks does not hold it). The owner keeps what waits within
   * OUTBOX_WINDOW_*, which bounds what is in flight; nothing in flight on a session is written to it again.
   */
  private resend(session: ChatSession): void {
    const waiting = this.unacked.get(session.key);
    if (!waiting) return;
    for (const chat of [...waiting.values()]) {
      if (this.unacked.get(session.key)?.get(chat.id) === chat && !this.inFlight.get(session)?.has(chat.id)) this.write(session, chat);
    }
  }

  private onMessage(session: ChatSession, message: ChatChannelMessage): void {
    switch (message.type) {
      case 'chat':
        return this.receive(session, { id: toHex(message.id), text: message.text, sentAt: message.sentAt });
      case 'line':
        return this.receive(session, { text: message.text });
      case 'ack':
        return this.onAcked(session, message.ids.map(toHex));
      case 'typing':
        this.emit('typing', { peer: session.key, active: message.active });
        return;
      case 'read':
        this.emit('read', { peer: session.key, upTo: toHex(message.upTo) });
        return;
    }
  }

  /**
   * Hands the chat to the inbox at once (chats reach it in arrival order, none waiting for another) and
   * acknowledges it once the inbox has it. An inbox that fails closes the session unacknowledged: the sender
   * keeps the message and sends it again on its next session.
   */
  private receive(session: ChatSession, chat: InboundChat): void {
    if (this.refused.has(session)) return;
    let stored: Promise<void | 'held'>;
    try {
      stored = this.inbox.receive(session.key, chat);
    } catch (err) {
      stored = Promise.reject(err);
    }
    stored.then(
      (verdict) => {
        if (chat.id !== undefined && verdict !== 'held') this.ack(session, chat.id);
      },
      (err: unknown) => {
        this.emit('log', `${NOT_STORED_REASON} (from ${session.key}): ${err instanceof Error ? err.message : String(err)}`);
        this.refused.add(session);
        session.close(NOT_STORED_REASON);
      },
    );
  }

  private ack(session: ChatSession, id: string): void {
    let ids = this.pendingAcks.get(session);
    if (!ids) {
      this.pendingAcks.set(session, (ids = []));
      setImmediate(() => this.flushAcks(session));
    }
    ids.push(fromHex(id));
  }

  /** Sends the acks gathered for `session` (only while it is open: else the sender resends, and we dedupe). */
  private flushAcks(session: ChatSession): void {
    const ids = this.pendingAcks.get(session);
    if (!ids) return;
    this.pendingAcks.delete(session);
    for (let start = 0; start < ids.length; start += MAX_ACK_IDS) {
      if (!session.send({ type: 'ack', ids: ids.slice(start, start + MAX_ACK_IDS) })) return;
    }
  }

  private onAcked(session: ChatSession, ids: string[]): void {
    const written = this.inFlight.get(session);
    for (const id of ids) {
      written?.delete(id);
      if (this.forget(session.key, id)) this.emit('delivered', { peer: session.key, id });
    }
  }
}
