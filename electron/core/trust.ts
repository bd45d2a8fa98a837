/**
 * Trust on first use (DESIGN §4): the first key seen for a contact is pinned; a different key at a contact's
 * address later is a key change, shown in the conversation, never merged silently. A verified contact's new key
 * waits for the person's approval before any message goes to it.
 */
import type { SessionKey } from '../../shared/ids';
import { cleanName } from '../../shared/names';
import type { ContactRecord } from './store/types';

/** How many dialable addresses a contact remembers, most recent first. */
export const MAX_CONTACT_ADDRESSES = 4;

export type KeyVerdict =
  /** A contact pinned to this key. */
  | { kind: 'known'; contact: ContactRecord }
  /** A contact reached at this address had another key pinned. */
  | { kind: 'changed'; contact: ContactRecord }
  /** Someone new. */
  | { kind: 'new' };

export interface ContactLookup {
  contactByKey(key: SessionKey): ContactRecord | undefined;
  contacts(): ContactRecord[];
}

/**
 * What a secure session with `key` means. A key no contact has pinned is a contact's new key only when we dialed
 * that contact's address (`dialedAddress`) and it answered there, while the contact is not online under its own
 * key. A session someone else dialed never counts: its listening port is only what it claims, so anyone sharing
 * the contact's IP address (the same machine, the same NAT) could otherwise pass for the contact with a new key.
 */
export function judgeKey(lookup: ContactLookup, key: SessionKey, dialedAddress: string | null, isOnline: (key: SessionKey) => boolean): KeyVerdict {
  const pinned = lookup.contactByKey(key);
  if (pinned) return { kind: 'known', contact: pinned };
  if (dialedAddress === null) return { kind: 'new' };
  const atAddress = lookup
    .contacts()
    .find((c) => c.mode === 'secure' && c.addresses.includes(dialedAddress) && c.key !== undefined && !isOnline(c.key));
  return atAddress ? { kind: 'changed', contact: atAddress } : { kind: 'new' };
}

/** The contact with `address` first, once, and at most MAX_CONTACT_ADDRESSES kept. */
export function rememberAddress(addresses: readonly string[], address: string): string[] {
  return [address, ...addresses.filter((a) => a !== address)].slice(0, MAX_CONTACT_ADDRESSES);
}

/** Pins `key` as the contact's key from `now` on, and clears the verified mark: the person has not compared it. */
export function pinKey(contact: ContactRecord, key: SessionKey, now: number): ContactRecord {
  return { ...contact, key, verified: false, keyHistory: [...contact.keyHistory, { key, since: now }] };
}

/** The notice put in the conversation when a contact's key changes. */
export function keyChangeNotice(name: string, needsApproval: boolean): string {
  return needsApproval
    ? `${name}'s safety number changed. You had verified ${name}, so messages to ${name} wait until you approve the new key. Compare safety numbers first.`
    : `${name}'s safety number changed. This happens when ${name} reinstalls Peerline, or when someone else answers at ${name}'s address. Compare safety numbers to be sure.`;
}

/** The contact's name as people see it: nothing invisible in it, and its key's start if that leaves nothing. */
export function shownName(contact: ContactRecord): string {
  return cleanName(contact.localName ?? contact.peerName, contact.key ?? contact.id);
}
