import { describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../electron/core/store/types';
import { contactId, sessionKey, type SessionKey } from '../../shared/ids';
import { judgeKey, keyChangeNotice, MAX_CONTACT_ADDRESSES, pinKey, rememberAddress, shownName, type ContactLookup } from '../../electron/core/trust';

const BOB_KEY = sessionKey('b'.repeat(64));
const NEW_KEY = sessionKey('e'.repeat(64));
const CAROL_KEY = sessionKey('c'.repeat(64));

function secureContact(key: SessionKey, name: string, addresses: string[]): ContactRecord {
  return { id: contactId(key), mode: 'secure', key, peerName: name, addresses, firstSeen: 1, verified: false, keyHistory: [{ key, since: 1 }] };
}

function lookupOf(...contacts: ContactRecord[]): ContactLookup {
  return {
    contactByKey: (key) => contacts.find((contact) => contact.key === key),
    contacts: () => contacts,
  };
}

const bob = secureContact(BOB_KEY, 'Bob', ['10.0.0.2:8000']);
const carol = secureContact(CAROL_KEY, 'Carol', ['10.0.0.3:8000']);
const nobodyOnline = () => false;

describe('judging a key (trust on first use)', () => {
  it('a pinned key is its contact, however the session came about', () => {
    expect(judgeKey(lookupOf(bob, carol), BOB_KEY, null, nobodyOnline)).toEqual({ kind: 'known', contact: bob });
    expect(judgeKey(lookupOf(bob, carol), BOB_KEY, '10.0.0.3:8000', nobodyOnline)).toEqual({ kind: 'known', contact: bob });
  });

  it('a new key at an address we dialed for a contact that is not online is that contact with a changed key', () => {
    expect(judgeKey(lookupOf(bob, carol), NEW_KEY, '10.0.0.2:8000', nobodyOnline)).toEqual({ kind: 'changed', contact: bob });
  });

  it('a new key that dialed us is someone new, even from a contact\'s address', () => {
    expect(judgeKey(lookupOf(bob), NEW_KEY, null, nobodyOnline)).toEqual({ kind: 'new' });
  });

  it('a new key at a contact\'s address while the contact is online under its own key is someone new', () => {
    expect(judgeKey(lookupOf(bob), NEW_KEY, '10.0.0.2:8000', (key) => key === BOB_KEY)).toEqual({ kind: 'new' });
  });

  it('a new key at an address no contact has is someone new; a plain-text contact there has no key to change', () => {
    expect(judgeKey(lookupOf(bob), NEW_KEY, '10.0.0.9:8000', nobodyOnline)).toEqual({ kind: 'new' });
    const plain = { ...secureContact(sessionKey('plain:10.0.0.2:8000'), '10.0.0.2:8000', ['10.0.0.2:8000']), mode: 'plain', key: undefined } as ContactRecord;
    expect(judgeKey(lookupOf(plain), NEW_KEY, '10.0.0.2:8000', nobodyOnline)).toEqual({ kind: 'new' });
  });
});

describe('contact facts', () => {
  it('remembers the newest address first, once, and at most a few', () => {
    expect(rememberAddress(['a:1', 'b:1'], 'b:1')).toEqual(['b:1', 'a:1']);
    const many = Array.from({ length: MAX_CONTACT_ADDRESSES }, (_, i) => `h${i}:1`);
    expect(rememberAddress(many, 'new:1')).toEqual(['new:1', ...many.slice(0, MAX_CONTACT_ADDRESSES - 1)]);
  });

  it('pinning a key adds it to the history and clears the verified mark', () => {
    const pinned = pinKey({ ...bob, verified: true }, NEW_KEY, 5);
    expect(pinned.key).toBe(NEW_KEY);
    expect(pinned.verified).toBe(false);
    expect(pinned.keyHistory).toEqual([{ key: BOB_KEY, since: 1 }, { key: NEW_KEY, since: 5 }]);
    expect(pinned.id).toBe(BOB_KEY);
  });

  it('the notice says messages wait only for a verified contact, and the shown name prefers the person\'s own', () => {
    expect(keyChangeNotice('Bob', true)).toMatch(/wait until you approve the new key/);
    expect(keyChangeNotice('Bob', false)).not.toMatch(/wait/);
    expect(shownName(bob)).toBe('Bob');
    expect(shownName({ ...bob, localName: 'Robert' })).toBe('Robert');
  });
});
