import type { ContractHandlers, Conversation, Message } from '../../../../shared/ipc/contract';
import { fingerprintOf } from '../../identity';
import type { Reconnector } from '../../reconnector';
import { safetyNumber } from '../../safety-number';
import { contactId, directConversationId } from '../../../../shared/ids';
import type { ContactRecord, StoredMessage } from '../../store/types';
import { shownName } from '../../trust';
import type { ContactDirectory } from '../contacts/directory';
import type { FeatureContext } from '../context';
import type { PresenceBoard } from '../presence/presence';

/** The longest last-message preview a conversation carries to the list. */
const PREVIEW_CHARS = 200;
/** Keys whose fingerprint and safety number are kept computed; past it the cache starts over (contacts are few). */
const MAX_KEY_FACTS = 1_024;

type ViewHandlers = Pick<ContractHandlers, 'conversation:list' | 'peer:list'>;

/**
 * A stored message as the contract carries it: a copy, since callers set its status before answering, with its
 * conversation as `peer` (a direct conversation's id is its contact's), in the order scripts have always seen.
 */
export function toMessage(stored: StoredMessage): Message {
  const { id, conversation, ...rest } = stored;
  return { id, peer: conversation, ...rest };
}

/**
 * Conversations as the UIs show them: the stored contact and conversation, with what is known only while the
 * app runs (online, typing, the next retry) and the key facts (fingerprint, safety number), computed once.
 */
export class ConversationViews {
  readonly handlers: ViewHandlers;
  /** Fingerprint and safety number by key: every conversation update carries them, and hashing is not free. */
  private readonly keyFacts = new Map<string, { fingerprint: string; safetyNumber: string }>();

  constructor(
    private readonly ctx: FeatureContext,
    private readonly directory: ContactDirectory,
    private readonly presence: PresenceBoard,
    private readonly reconnector: Reconnector,
  ) {
    reconnector.on('changed', (peer) => this.emitConversation(peer));
    presence.on('changed', (peer) => this.emitConversation(peer));
    this.handlers = {
      'conversation:list': async () => this.conversations(),
      'peer:list': async () => this.conversations().filter((c) => c.state === 'online'),
    };
  }

  conversations(): Conversation[] {
    // A blocked peer's record is kept only to refuse it: it has no conversation to show.
    return this.ctx.store.contacts().flatMap((contact) => (contact.blocked ? [] : [this.toConversation(contact)]));
  }

  conversation(peer: string): Conversation {
    return this.toConversation(this.directory.contactOf(peer));
  }

  /** Tells the UIs what the contact's conversation looks like now. */
  emitConversation(peer: string): void {
    const contact = this.ctx.store.contact(contactId(peer));
    if (contact && !contact.blocked) this.ctx.events.emit('peer:updated', this.toConversation(contact));
  }

  private factsOf(key: string): { fingerprint: string; safetyNumber: string } {
    let facts = this.keyFacts.get(key);
    if (!facts) {
      if (this.keyFacts.size >= MAX_KEY_FACTS) this.keyFacts.clear();
      facts = { fingerprint: fingerprintOf(Buffer.from(key, 'hex')), safetyNumber: safetyNumber(this.ctx.node.identity.id, key) };
      this.keyFacts.set(key, facts);
    }
    return facts;
  }

  private toConversation(contact: ContactRecord): Conversation {
    const { id } = contact;
    const conversation = this.ctx.store.conversation(directConversationId(id));
    const presence = this.presence.peek(id);
    const online = presence?.onlineKey != null;
    const state = online ? 'online' : this.reconnector.dialing(id) ? 'connecting' : 'offline';
    const nextRetryAt = online ? undefined : this.reconnector.nextRetryAt(id);
    const shownKey = contact.key ?? id;
    const last = conversation?.lastMessage;
    return {
      peer: id,
      mode: contact.mode,
      name: shownName(contact),
      peerName: contact.peerName,
      ...(contact.localName !== undefined && { localName: contact.localName }),
      address: contact.addresses[0] ?? '',
      ...(contact.mode === 'secure' && this.factsOf(shownKey)),
      state,
      ...(online && { path: this.ctx.node.pathOf(presence.onlineKey!) ?? undefined }),
      unread: conversation?.unread ?? 0,
      ...(last && { lastMessage: { ...last, text: last.text.slice(0, PREVIEW_CHARS) } }),
      typing: presence?.typing ?? false,
      ...(presence?.lastReason !== undefined && !online && { lastReason: presence.lastReason }),
      // While a new key awaits approval, what speaks for the contact is not what the person verified.
      verified: contact.verified && contact.keyChange?.needsApproval !== true,
      ...(nextRetryAt !== undefined && { nextRetryAt }),
      queued: this.ctx.store.queuedCount(directConversationId(id)),
      ...(contact.heldUntil !== undefined && { heldUntil: contact.heldUntil }),
      ...(contact.autoAcceptBytes !== undefined && { autoAcceptBytes: contact.autoAcceptBytes }),
      ...(contact.keyChange && {
        keyChange: {
          at: contact.keyChange.at,
          previousFingerprint: this.factsOf(contact.keyChange.previousKey).fingerprint,
          fingerprint: this.factsOf(contact.keyChange.key).fingerprint,
          needsApproval: contact.keyChange.needsApproval,
        },
      }),
      ...(contact.request && { request: { messages: contact.request.messages, bytes: contact.request.bytes } }),
    };
  }
}
