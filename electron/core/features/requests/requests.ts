import type { ContractHandlers } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import type { ContactId } from '../../../../shared/ids';
import { CHAT_CHANNEL } from '../chat/codec';
import type { ChatLedger } from '../chat/ledger';
import type { SessionIntake } from '../contacts/sessions';
import type { ConversationContext } from '../conversations/context';
import type { RequestGate } from './gate';

type RequestHandlers = Pick<ContractHandlers, 'request:accept' | 'request:decline' | 'contact:block'>;

/** Why a request's session is closed when the person accepts it: its sender then sends what was held again. */
const ACCEPTED_REASON = 'request accepted: send what is waiting again';

/**
 * What the person decides about a message request: accept it (it becomes a contact, is dialed again like one,
 * and what was held on its side comes), decline it (forgotten, with its messages), or block it (refused from
 * now on, across restarts). Replying to a request, or dialing it, accepts it.
 */
export class RequestsFeature {
  readonly handlers: RequestHandlers;

  constructor(
    private readonly ctx: ConversationContext,
    private readonly gate: RequestGate,
    private readonly ledger: ChatLedger,
    private readonly intake: SessionIntake,
  ) {
    const { directory } = ctx;
    const chain = ctx.steps.chain;
    this.handlers = {
      'request:accept': async ({ peer }) => {
        const { id, key } = directory.contactOf(peer);
        await chain.run(key ?? id, () => this.accept(id));
        return this.ctx.views.conversation(id);
      },
      'request:decline': async ({ peer }) => {
        const { id, key, request } = directory.contactOf(peer);
        if (!request) throw new AppError('invalid-request', 'Only a message request can be declined.');
        await chain.run(key ?? id, () => this.forget(id, false));
        return null;
      },
      'contact:block': async ({ peer }) => {
        const { id, key } = directory.contactOf(peer);
        await chain.run(key ?? id, () => this.forget(id, true));
        return null;
      },
    };
  }

  /** Wraps `message:send`: replying to a request accepts it first. */
  replyAccepts(send: ContractHandlers['message:send']): ContractHandlers['message:send'] {
    return async (request) => {
      await this.acceptIfRequest(request.peer);
      return send(request);
    };
  }

  /** Answering a request as a contact (a reply, a file of its accepted) accepts it first; a contact is left as it is. */
  async acceptIfRequest(peer: string): Promise<void> {
    const contact = this.ctx.directory.contactOf(peer);
    if (contact.request) await this.handlers['request:accept']({ peer: contact.id });
  }

  private async accept(peer: ContactId): Promise<void> {
    const contact = this.ctx.directory.contactOf(peer);
    if (!contact.request) return;
    const held = this.gate.wasHeld(peer);
    this.gate.decided(peer);
    await this.intake.changeContact(peer, ({ request: _accepted, ...rest }) => rest);
    if (contact.mode !== 'secure') return;
    const key = this.ctx.presence.onlineKey(peer);
    if (contact.addresses.length > 0) this.ctx.reconnector.track(peer, contact.addresses);
    if (key === null) return;
    this.ctx.reconnector.connected(peer);
    // What it sent beyond the quota waits on its side, unacknowledged: a new session makes it send that again
    // (it redials us, or we dial it: it is a contact now).
    if (held) this.ctx.node.session(key, CHAT_CHANNEL)?.close(ACCEPTED_REASON);
  }

  /**
   * Declined: the peer and its messages are forgotten. Blocked: the same, but its record stays, to refuse it.
   * Its session is closed last, once its side can only find the decision made (unlike removing a contact, which
   * closes the session first).
   */
  private async forget(peer: ContactId, block: boolean): Promise<void> {
    const contact = this.ctx.directory.contactOf(peer);
    this.ctx.reconnector.untrack(peer);
    this.ledger.dropOutbox(peer);
    const key = this.ctx.presence.onlineKey(peer);
    this.ctx.presence.forget(peer);
    await this.ctx.store.removeContact(peer);
    if (block) {
      const { request: _decided, keyChange: _seen, localName: _name, ...rest } = contact;
      await this.ctx.store.saveContact({ ...rest, blocked: true });
    }
    this.gate.decided(peer);
    this.ctx.events.emit('conversation:removed', { peer });
    if (key) await this.ctx.node.disconnect(key).catch(() => {});
  }
}
