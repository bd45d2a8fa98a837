import type { ContractHandlers, Conversation } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import type { ContactId } from '../../../../shared/ids';
import { pinKey, shownName } from '../../trust';
import type { ChatLedger } from '../chat/ledger';
import type { ConversationContext } from '../conversations/context';
import type { SessionIntake } from './sessions';

type ContactHandlers = Pick<
  ContractHandlers,
  'contact:verify' | 'contact:approve-key' | 'contact:dismiss-key-change' | 'contact:send-held' | 'contact:rename' | 'contact:auto-accept' | 'contact:remove'
>;

/**
 * What the person decides about a contact: verified or not, a changed key approved or kept out, its name, and
 * removing it. Steps that touch a session's key run in that key's chain, so they never interleave with the
 * session being taken in or leaving.
 */
export class ContactsFeature {
  readonly handlers: ContactHandlers;

  constructor(
    private readonly ctx: ConversationContext,
    private readonly ledger: ChatLedger,
    private readonly intake: SessionIntake,
  ) {
    const { directory, views } = ctx;
    const chain = ctx.steps.chain;
    this.handlers = {
      'contact:verify': async ({ peer, verified }) => {
        const contact = directory.contactOf(peer);
        const { id } = contact;
        if (contact.mode !== 'secure') throw new AppError('invalid-request', 'A plain-text peer has no key to verify.');
        if (verified && contact.keyChange?.needsApproval) throw new AppError('invalid-request', 'Approve the new key before you mark this contact verified.');
        // Having compared safety numbers, the person has seen the key change through: its warning can go.
        await intake.changeContact(id, ({ keyChange, ...rest }) => (verified ? { ...rest, verified } : { ...rest, ...(keyChange && { keyChange }), verified }));
        return views.conversation(id);
      },
      // On the new key's chain: its session's steps (connected, left) are the ones this must not interleave with.
      'contact:approve-key': async ({ peer }) => {
        const { id, keyChange } = directory.contactOf(peer);
        return chain.run(keyChange?.key ?? id, () => this.approveKey(id));
      },
      'contact:dismiss-key-change': async ({ peer }) => {
        const { id, keyChange } = directory.contactOf(peer);
        return chain.run(keyChange?.key ?? id, () => this.dismissKeyChange(id));
      },
      'contact:send-held': async ({ peer }) => {
        const { id, key } = directory.contactOf(peer);
        return chain.run(key ?? id, () => this.sendHeld(id));
      },
      'contact:rename': async ({ peer, name }) => {
        const { id } = directory.contactOf(peer);
        await intake.changeContact(id, ({ localName: _previous, ...contact }) => (name === null ? contact : { ...contact, localName: name }));
        return views.conversation(id);
      },
      'contact:auto-accept': async ({ peer, bytes }) => {
        const contact = directory.contactOf(peer);
        if (contact.mode !== 'secure') throw new AppError('invalid-request', 'Files go only to and from contacts over an encrypted connection.');
        await intake.changeContact(contact.id, ({ autoAcceptBytes: _previous, ...rest }) => (bytes === null ? rest : { ...rest, autoAcceptBytes: bytes }));
        return views.conversation(contact.id);
      },
      'contact:remove': async ({ peer }) => {
        // In the contact's chain, so that a session being taken in meanwhile finishes first and is then closed.
        const { id, key } = directory.contactOf(peer);
        await chain.run(key ?? id, () => this.removeContact(id));
        return null;
      },
    };
  }

  private async removeContact(peer: ContactId): Promise<void> {
    this.ctx.directory.contactOf(peer);
    this.ctx.reconnector.untrack(peer);
    this.ledger.dropOutbox(peer);
    const key = this.ctx.presence.onlineKey(peer);
    if (key) await this.ctx.node.disconnect(key).catch(() => {});
    for (const [unapproved, owner] of this.ctx.directory.unapprovedKeys) if (owner === peer) this.ctx.directory.unapprovedKeys.delete(unapproved);
    this.ctx.presence.forget(peer);
    await this.ctx.store.removeContact(peer);
    this.ctx.events.emit('conversation:removed', { peer });
  }

  /**
   * Puts the warning away. For a key that awaited approval this keeps the old key: the new one is turned away
   * (its session closed), and the messages keep waiting for the key the person verified.
   */
  private async dismissKeyChange(peer: ContactId): Promise<Conversation> {
    const { keyChange } = this.ctx.directory.contactOf(peer);
    if (!keyChange) throw new AppError('invalid-request', 'There is no key-change warning to put away for this contact.');
    await this.intake.changeContact(peer, ({ keyChange: _seen, ...contact }) => contact);
    if (keyChange.needsApproval) {
      this.ctx.directory.unapprovedKeys.delete(keyChange.key);
      if (this.ctx.presence.onlineKey(peer) === keyChange.key) await this.ctx.node.disconnect(keyChange.key).catch(() => {});
    }
    return this.ctx.views.conversation(peer);
  }

  private async approveKey(peer: ContactId): Promise<Conversation> {
    const contact = this.ctx.directory.contactOf(peer);
    const change = contact.keyChange;
    if (!change?.needsApproval) throw new AppError('invalid-request', 'There is no new key to approve for this contact.');
    const now = Date.now();
    // Approving is the person's look at the change: nothing stays held.
    await this.intake.changeContact(peer, (current) => {
      const { keyChange: _approved, heldUntil: _released, ...approved } = pinKey(current, change.key, now);
      return approved;
    });
    this.ctx.directory.unapprovedKeys.delete(change.key);
    await this.ledger.addNotice(peer, `You approved ${shownName(contact)}'s new key. Messages that were waiting are on their way.`);
    this.ledger.moveOutbox(peer, change.previousKey);
    return this.ctx.views.conversation(peer);
  }

  /** The person looked at the key change and sends what was written before it to the key pinned now. */
  private async sendHeld(peer: ContactId): Promise<Conversation> {
    if (this.ctx.directory.contactOf(peer).heldUntil === undefined) throw new AppError('invalid-request', 'No messages are held for this contact.');
    await this.intake.changeContact(peer, ({ heldUntil: _released, ...contact }) => contact);
    this.ledger.resume(peer);
    return this.ctx.views.conversation(peer);
  }
}
