import { AppError } from '../../../../shared/ipc/result';
import { contactId, sessionKey as sessionKeyOf, type ContactId, type SessionKey } from '../../../../shared/ids';
import { distinctNames } from '../../../../shared/names';
import type { ConnectionMode } from '../../connection';
import { fingerprintOf } from '../../identity';
import type { Store } from '../../store/store';
import type { ContactRecord } from '../../store/types';
import { shownName } from '../../trust';
import type { PresenceBoard } from '../presence/presence';

/** A contact as scripts see it (`peerline --json`'s `contacts`). */
export interface ContactSummary {
  peer: ContactId;
  name: string;
  mode: ConnectionMode;
  addresses: string[];
  online: boolean;
  verified: boolean;
  /** A message request, not yet accepted (absent once it is). */
  request?: true;
}

/**
 * Who a session key speaks for, and the contacts as the other features look them up. A contact's id is the
 * first key pinned for it; after an approved key change its session key differs, and a verified contact's new
 * key speaks for it while it awaits approval (`unapprovedKeys`) without being pinned.
 */
export class ContactDirectory {
  /** Keys not pinned to any contact that still speak for one: a verified contact's new key awaiting approval. */
  readonly unapprovedKeys = new Map<SessionKey, ContactId>();

  constructor(
    private readonly store: Store,
    private readonly presence: PresenceBoard,
  ) {
    for (const contact of store.contacts()) {
      if (contact.keyChange?.needsApproval) this.unapprovedKeys.set(sessionKeyOf(contact.keyChange.key), contact.id);
    }
  }

  /** The contact a session key speaks for: its id, or the key itself for someone not yet stored. */
  peerOf(key: SessionKey): ContactId {
    return this.store.contactByKey(key)?.id ?? this.unapprovedKeys.get(key) ?? contactId(key);
  }

  /** The contact a request names (the contract's `peer`), or a sentence saying there is none. */
  contactOf(peer: string): ContactRecord {
    const contact = this.store.contact(contactId(peer));
    if (!contact) throw new AppError('unknown-peer', 'There is no conversation with that peer.');
    return contact;
  }

  /** The open session's key, unless it is a key awaiting approval: that one is told nothing about us. */
  trustedSessionKey(peer: ContactId): SessionKey | null {
    const key = this.presence.onlineKey(peer);
    return key !== null && !this.unapprovedKeys.has(key) ? key : null;
  }

  /** Names that read alike get a short fingerprint each (`distinctNames`). */
  summaries(): ContactSummary[] {
    const contacts = this.store.contacts().filter((contact) => !contact.blocked);
    const names = distinctNames(
      contacts.map((c) => ({ peer: c.id, name: shownName(c), ...(c.mode === 'secure' && { fingerprint: fingerprintOf(Buffer.from(c.key ?? c.id, 'hex')) }) })),
    );
    return contacts.map((contact) => ({
      peer: contact.id,
      name: names.get(contact.id)!,
      mode: contact.mode,
      addresses: contact.addresses,
      online: this.presence.onlineKey(contact.id) !== null,
      // A key awaiting approval speaks for the contact now: it is not the key that was verified.
      verified: contact.verified && contact.keyChange?.needsApproval !== true,
      ...(contact.request && { request: true as const }),
    }));
  }
}
