import { directConversationId, type SessionKey } from '../../../../shared/ids';
import { newMessageId } from '../../message-id';
import type { ConversationContext } from '../conversations/context';
import { toMessage } from '../conversations/views';
import type { RequestGate } from '../requests/gate';
import type { InboundChat, Inbox } from './delivery';

/**
 * The chat channel's inbox: every received chat is stored before the channel acknowledges it (so "delivered"
 * means on our disk), in its contact's conversation; a resend of an id already stored is dropped by the store.
 */
export class ChatInbox implements Inbox {
  constructor(
    private readonly ctx: ConversationContext,
    private readonly gate: RequestGate,
  ) {}

  receive(key: SessionKey, chat: InboundChat): Promise<void | 'held'> {
    const stored = this.store(key, chat);
    this.ctx.steps.receiving(key, stored.then(() => {}));
    return stored;
  }

  private async store(key: SessionKey, chat: InboundChat): Promise<void | 'held'> {
    // The session's contact is saved when the session is taken in, queued before any of its chats.
    await this.ctx.steps.chain.settled(key);
    const peer = this.ctx.directory.peerOf(key);
    // A request past its quota, or a refused peer: not stored, so not acknowledged; its sender keeps it.
    if (!this.gate.admit(peer, Buffer.byteLength(chat.text))) return 'held';
    const now = Date.now();
    // A verified contact's new key that the person has not approved speaks in the contact's conversation, marked.
    const unapprovedKey = this.ctx.directory.unapprovedKeys.has(key) ? { unapprovedKey: true as const } : {};
    const stored = await this.ctx.store.addIncoming(directConversationId(peer), { id: chat.id ?? newMessageId(now), text: chat.text, sentAt: chat.sentAt ?? now, at: now, ...unapprovedKey });
    if (!stored) return;
    this.ctx.presence.stopTyping(peer);
    this.ctx.events.emit('message:received', toMessage(stored));
    this.ctx.views.emitConversation(peer);
  }
}
