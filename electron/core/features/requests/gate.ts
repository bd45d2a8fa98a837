import { contactId, type ContactId } from '../../../../shared/ids';
import type { PeerInfo } from '../../peer-node';
import type { ContactRecord } from '../../store/types';
import type { FeatureContext } from '../context';
import { admits, DEFAULT_REQUEST_QUOTA, expiredPlainRequests, plainHost, sum, type RequestQuota } from './quota';

export interface RequestOptions {
  /** A bot that talks to anyone: a stranger is accepted with its first message (the rate budgets still hold). */
  acceptStrangers?: boolean;
  quota?: Partial<RequestQuota>;
}

/**
 * Who may speak and how much: blocked peers are refused, a stranger that dialed us is a request, and a
 * request stores at most its quota (per request, per plain-text host, and over all requests). Used by session
 * intake (who a session is), the chat inbox (what is stored, hence acknowledged) and the requests feature.
 */
export class RequestGate {
  readonly quota: RequestQuota;
  readonly acceptStrangers: boolean;
  /** Requests some of whose messages were held (not acknowledged) since they were last decided. */
  private readonly held = new Set<ContactId>();

  constructor(
    private readonly ctx: FeatureContext,
    opts: RequestOptions = {},
  ) {
    this.quota = { ...DEFAULT_REQUEST_QUOTA, ...opts.quota };
    this.acceptStrangers = opts.acceptStrangers ?? false;
  }

  /** A session of a blocked peer: by its key, or for plain text by its host (its port changes every time). */
  refuses(info: PeerInfo): boolean {
    const { store } = this.ctx;
    if (info.mode === 'secure') return store.contactByKey(info.peer)?.blocked === true;
    const host = plainHost({ id: contactId(info.peer), mode: 'plain' });
    return store.contacts().some((c) => c.blocked === true && plainHost(c) === host);
  }

  /** What a contact first met in this session starts as: a request, unless the person dialed it. */
  firstStanding(info: PeerInfo, now: number): Pick<ContactRecord, 'request'> {
    return info.direction === 'outbound' ? {} : { request: { messages: 0, bytes: 0, lastAt: now } };
  }

  isRequest(peer: ContactId): boolean {
    return this.ctx.store.contact(peer)?.request !== undefined;
  }

  /** A request that stored nothing (a probe, a key that came and went): it leaves nothing behind when it goes. */
  leavesNothing(peer: ContactId): boolean {
    return this.ctx.store.contact(peer)?.request?.messages === 0;
  }

  /**
   * Counts one more message of `bytes` from `peer` against its quota, before it is stored: true if it may be
   * stored (an accepted contact always may), false if it must wait, unacknowledged, until the person accepts.
   * A file offer is such a message too (its bytes: its names). The count is taken in memory at once, so
   * messages arriving together cannot overdraw the quota.
   */
  admit(peer: ContactId, bytes: number): boolean {
    const { store } = this.ctx;
    const contact = store.contact(peer);
    if (!contact || contact.blocked) return false;
    if (contact.request === undefined) return true;
    const now = Date.now();
    // Not awaited: the record changes in memory at once, and its write is committed before the message's, so
    // the chats behind this one cannot overtake it while it waits for the disk.
    const write = (change: (c: ContactRecord) => ContactRecord) => void store.updateContact(peer, change).catch((err) => this.ctx.events.raise(err));
    if (this.acceptStrangers) {
      write(({ request: _accepted, ...rest }) => rest);
      return true;
    }
    const host = plainHost(contact);
    const everyone = store.contacts();
    const group = host === null ? [contact] : everyone.filter((c) => plainHost(c) === host);
    if (!admits(sum(group), sum(everyone), bytes, this.quota)) {
      this.held.add(peer);
      return false;
    }
    write((c) => (c.request ? { ...c, request: { messages: c.request.messages + 1, bytes: c.request.bytes + bytes, lastAt: now } } : c));
    return true;
  }

  /** Whether messages of `peer` were held back: accepting it then makes its sender send them again. */
  wasHeld(peer: ContactId): boolean {
    return this.held.has(peer);
  }

  /** The person decided about `peer` (accepted, declined, blocked): nothing of it is held any more. */
  decided(peer: ContactId): void {
    this.held.delete(peer);
  }

  /** Forgets plain-text requests past their time to live (they cannot be found again): the ids removed. */
  async expire(now = Date.now()): Promise<ContactId[]> {
    const expired = expiredPlainRequests(this.ctx.store.contacts(), now, this.quota);
    for (const contact of expired) await this.ctx.store.removeContact(contact.id);
    return expired.map((c) => c.id);
  }
}
