import { EventEmitter } from 'node:events';
import { cleanName } from '../../../../shared/names';
import { contactId, directConversationId, type ContactId, type SessionKey } from '../../../../shared/ids';
import type { ConnectionMode } from '../../connection';
import type { PeerInfo } from '../../peer-node';
import type { ContactRecord } from '../../store/types';
import { judgeKey, keyChangeNotice, pinKey, rememberAddress, shownName } from '../../trust';
import type { ChatLedger } from '../chat/ledger';
import type { ConversationContext } from '../conversations/context';
import type { RequestGate } from '../requests/gate';

/** A session as the app has taken it in: `peer` is its contact's id (the contact is stored), not the session key. */
export type ContactSession = Omit<PeerInfo, 'peer'> & { peer: ContactId };

export interface SessionEvents {
  connected: [ContactSession];
  disconnected: [{ peer: ContactId; reason: string }];
}

export function newContact(id: ContactId, mode: ConnectionMode, peerName: string, now: number): ContactRecord {
  return { id, mode, peerName, addresses: [], firstSeen: now, verified: false, keyHistory: [] };
}

/**
 * Takes the node's sessions in, one step at a time per key: who a session is (a contact pinned to its key, a
 * contact whose key changed at an address we dialed, or someone new), stored before any of its chats, and its
 * leaving, told after its last chats are stored. Trust on first use is judged here (trust.ts).
 */
export class SessionIntake {
  /** For the command line: a session opened or ended, told once the contact is stored, so commands can follow. */
  readonly sessions = new EventEmitter<SessionEvents>();

  constructor(
    private readonly ctx: ConversationContext,
    private readonly ledger: ChatLedger,
    private readonly gate: RequestGate,
  ) {
    const { node, steps, events } = ctx;
    node.on('connected', (info) => void steps.chain.run(info.peer, () => this.onConnected(info)).catch((err) => events.raise(err)));
    node.on('disconnected', ({ peer: key, reason, byPeerUser }) => {
      // Taken now, not when the step runs: a chat of a later session waits for this step, so must not be awaited by it.
      const lastWords = steps.lastWords(key);
      void steps.chain.run(key, async () => {
        await lastWords?.catch(() => {});
        this.onDisconnected(key, reason, byPeerUser);
      });
    });
  }

  /** Changes a stored contact from its record as it is when written (see `Store.updateContact`), and tells the UI. */
  async changeContact(peer: ContactId, change: (current: ContactRecord) => ContactRecord): Promise<void> {
    await this.ctx.store.updateContact(peer, change);
    this.ctx.views.emitConversation(peer);
  }

  private async onConnected(info: PeerInfo): Promise<void> {
    const { store } = this.ctx;
    const now = Date.now();
    // A blocked peer is refused; anything it sends meanwhile is neither stored nor acknowledged (RequestGate).
    if (this.gate.refuses(info)) return void (await this.ctx.node.disconnect(info.peer).catch(() => {}));
    // Dialing a peer accepts it: a request the person dials is one no longer.
    const standing = (c: ContactRecord): ContactRecord => (info.direction === 'outbound' && c.request ? (({ request: _accepted, ...rest }) => rest)(c) : c);
    if (info.mode === 'plain') {
      for (const gone of await this.gate.expire(now)) this.ctx.events.emit('conversation:removed', { peer: gone });
      // A plain server we dialed before has the same name again (its address): its conversation goes on.
      const id = contactId(info.peer);
      if (store.contact(id)) await store.updateContact(id, (c) => ({ ...standing(c), addresses: [info.address] }));
      else await store.saveContact({ ...newContact(id, 'plain', info.address, now), addresses: [info.address], ...this.gate.firstStanding(info, now) });
      return this.cameOnline(id, info);
    }
    const key = info.peer;
    // Nothing invisible is kept of the name a peer gives itself, and a blank one is its key's start.
    const name = cleanName(info.name ?? '', key);
    const owner = this.ctx.directory.unapprovedKeys.get(key);
    const awaitingApproval = owner === undefined ? undefined : store.contact(owner);
    const verdict = awaitingApproval
      ? { kind: 'known' as const, contact: awaitingApproval }
      : judgeKey(store, key, info.direction === 'outbound' ? info.dialAddress : null, (k) => k !== key && this.ctx.node.isConnected(k));
    if (verdict.kind === 'new') {
      const first = newContact(contactId(key), 'secure', name, now);
      await store.saveContact({ ...first, key, keyHistory: [{ key, since: now }], addresses: [info.dialAddress], ...this.gate.firstStanding(info, now) });
    } else if (verdict.kind === 'known') {
      await store.updateContact(verdict.contact.id, (c) => ({ ...standing(c), peerName: name, addresses: rememberAddress(c.addresses, info.dialAddress) }));
    } else {
      await this.onKeyChanged(verdict.contact, key, name, info.dialAddress, now);
    }
    const peer = this.ctx.directory.peerOf(key);
    this.cameOnline(peer, info);
    // A contact first met now is dialed again after it drops, like the ones known at start-up; a stranger is not.
    if (this.gate.isRequest(peer)) return;
    this.ctx.reconnector.track(peer, this.ctx.directory.contactOf(peer).addresses);
    this.ctx.reconnector.connected(peer);
  }

  /**
   * Someone with another key answers at a contact's address. Unverified: the new key is pinned, with a warning
   * in the conversation; what the person writes from now on follows it, and what was written before is held
   * until the person sends it to the new key (`contact:send-held`). Verified: the key waits for the person's
   * approval, and so do the messages.
   */
  private async onKeyChanged(contact: ContactRecord, key: SessionKey, name: string, address: string, now: number): Promise<void> {
    const previousKey = contact.key!;
    const needsApproval = contact.verified;
    const keyChange = { at: now, previousKey, key, needsApproval };
    await this.changeContact(contact.id, (current) => ({
      ...(needsApproval ? current : { ...pinKey(current, key, now), heldUntil: now }),
      keyChange,
      peerName: name,
      addresses: rememberAddress(current.addresses, address),
    }));
    if (needsApproval) this.ctx.directory.unapprovedKeys.set(key, contact.id);
    await this.ledger.addNotice(contact.id, keyChangeNotice(shownName(contact), needsApproval));
    if (!needsApproval) this.ledger.moveOutbox(contact.id, previousKey);
  }

  private cameOnline(peer: ContactId, info: PeerInfo): void {
    this.ctx.presence.cameOnline(peer, info.peer);
    this.ctx.views.emitConversation(peer);
    this.sessions.emit('connected', { ...info, peer });
  }

  private onDisconnected(key: SessionKey, reason: string, byPeerUser: boolean): void {
    const { store, events } = this.ctx;
    const peer = this.ctx.directory.peerOf(key);
    if (!this.ctx.presence.wentOffline(peer, key, reason)) return;
    const contact = store.contact(peer);
    // A plain-text connection or a request that said nothing (a port scan, a probe) leaves nothing behind.
    const silent = store.conversation(directConversationId(peer))?.lastMessage === undefined;
    if ((contact?.mode === 'plain' && silent) || this.gate.leavesNothing(peer)) {
      this.ctx.presence.forget(peer);
      void store.removeContact(peer).then(() => events.emit('conversation:removed', { peer }), (err) => events.raise(err));
      // A secure stranger was told as connected (the command line prints it): its leaving is told too.
      if (contact?.mode === 'secure') this.sessions.emit('disconnected', { peer, reason });
      return;
    }
    if (contact?.mode === 'secure' && !contact.request) {
      // The other person disconnected on purpose: dialing them back would undo it. A message or a connect from
      // this side resumes the retries.
      this.ctx.reconnector.disconnected(peer);
      if (byPeerUser) this.ctx.reconnector.pause(peer);
    }
    this.ctx.views.emitConversation(peer);
    this.sessions.emit('disconnected', { peer, reason });
  }
}
